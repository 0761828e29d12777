"""The seed support API, through Django's test client, with the access rules."""

from __future__ import annotations

import io
import itertools
import json
import os
import tempfile
from datetime import timedelta
from typing import Any, List

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, TestCase, override_settings

from ticketry.django import conf
from ticketry.django import runtime as support

_ws = itertools.count(1)


class SupportApiTest(TestCase):
    """Each test gets its own Ticketry workspace (Ticketry's writes are not
    rolled back with Django's test transaction)."""

    def setUp(self) -> None:
        slug = f"support-{id(self)}-{next(_ws)}"
        override = override_settings(TICKETRY={**settings.TICKETRY, "WORKSPACE": slug})
        override.enable()
        self.addCleanup(override.disable)
        User = get_user_model()
        # No passwords (the client logs in with force_login): no slow hashing.
        self.alice = User.objects.create_user("alice", "alice@example.com", first_name="Alice")
        self.bob = User.objects.create_user("bob", "bob@example.com")
        self.sam = User.objects.create_user("sam", "sam@example.com", is_staff=True, first_name="Sam")
        self.kim = User.objects.create_user("kim", "kim@example.com", is_staff=True)
        self.as_alice, self.as_bob, self.as_sam, self.as_kim = (self.client_for(u) for u in (self.alice, self.bob, self.sam, self.kim))

    def client_for(self, user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    @staticmethod
    def said(messages: Any) -> List[str]:
        """The texts people wrote (the auto-reply, a system message, left out)."""
        return [m["message"] for m in messages if m["author"]["type"] != "system"]

    def call(self, client: Client, method: str, url: str, data: Any = None, status: int = 200) -> Any:
        kwargs = {"content_type": "application/json", "data": json.dumps(data)} if data is not None else {}
        resp = getattr(client, method)(url, **kwargs)
        self.assertEqual(resp.status_code, status, resp.content)
        self.assertEqual(resp["Content-Type"], "application/json")
        return resp.json()

    def open(self, client: Client, subject: str = "Cannot log in", **extra: Any) -> Any:
        return self.call(client, "post", "/api/support/tickets/", {"subject": subject, "message": "It says 403", **extra}, 201)

    def assert_error(self, body: Any, code: str) -> None:
        self.assertEqual(body["error"]["code"], code, body)

    # ----- users -------------------------------------------------------------------

    def test_create_and_list_my_tickets(self) -> None:
        t = self.open(self.as_alice, priority="high")
        self.assertEqual((t["user"], t["subject"], t["message"], t["status"], t["priority"]),
                         (self.alice.pk, "Cannot log in", "It says 403", "new", "high"))
        self.assertTrue(t["number"].startswith("TKT-") and t["assigned_to"] is None and t["closed_at"] is None)
        self.assertNotIn("sla", t)  # internal SLA data is for staff
        self.open(self.as_alice, "Second")
        self.open(self.as_bob, "Bob's")
        mine = self.call(self.as_alice, "get", "/api/support/tickets/")
        self.assertEqual([x["subject"] for x in mine["results"]], ["Second", "Cannot log in"])
        self.assertIsNone(mine["next"])
        page = self.call(self.as_alice, "get", "/api/support/tickets/?limit=1")
        self.assertEqual(len(page["results"]), 1)
        rest = self.call(self.as_alice, "get", f"/api/support/tickets/?limit=1&cursor={page['next']}")
        self.assertEqual(rest["results"][0]["subject"], "Cannot log in")
        new_only = self.call(self.as_alice, "get", "/api/support/tickets/?status=closed")
        self.assertEqual(new_only["results"], [])
        # Django users became Ticketry customers (and staff also agents)
        d = support.desk()
        self.assertEqual(d.get_customer(self.alice.pk).name, "Alice")

    def test_create_validation_errors_are_400(self) -> None:
        body = self.call(self.as_alice, "post", "/api/support/tickets/", {"subject": "", "message": "x"}, 400)
        self.assert_error(body, "invalid_input")
        self.assertEqual(body["error"]["field"], "subject")
        body = self.call(self.as_alice, "post", "/api/support/tickets/", {"subject": "s", "message": "m", "priority": "p0"}, 400)
        self.assertEqual(body["error"]["field"], "priority")
        resp = self.as_alice.post("/api/support/tickets/", data="{oops", content_type="application/json")
        self.assertEqual(resp.status_code, 400)
        self.assertEqual(resp.json()["error"]["field"], "body")
        # Errors name the request's own fields, not Ticketry's arguments.
        for method, url, data, field in [
            ("post", "/api/support/tickets/", {"subject": "s", "message": "x" * 100_001}, "message"),
            ("get", "/api/support/tickets/?cursor=garbage", None, "cursor"),
            ("get", "/api/support/tickets/?status=open,bogus", None, "status"),
            ("get", f"/api/support/tickets/?q={'x' * 600}", None, "q"),
        ]:
            body = self.call(self.as_alice, method, url, data, 400)
            self.assertEqual(body["error"]["field"], field, body)

    def test_detail_by_id_and_number(self) -> None:
        t = self.open(self.as_alice)
        by_id = self.call(self.as_alice, "get", f"/api/support/tickets/{t['id']}/")
        by_number = self.call(self.as_alice, "get", f"/api/support/tickets/{t['number']}/")
        self.assertEqual(by_id, by_number)
        self.assertEqual(self.said(by_id["messages"]), ["It says 403"])
        self.assert_error(self.call(self.as_alice, "get", "/api/support/tickets/TKT-1999-00001/", status=404), "not_found")
        self.assert_error(
            self.call(self.as_alice, "get", "/api/support/tickets/01900000-0000-7000-8000-000000000000/", status=404),
            "not_found",
        )

    def test_messages_and_replies(self) -> None:
        t = self.open(self.as_alice)
        m = self.call(self.as_alice, "post", f"/api/support/tickets/{t['id']}/messages/", {"message": "Any news?"}, 201)
        self.assertEqual((m["author"], m["is_internal"]), ({"type": "customer", "id": self.alice.pk}, False))
        r = self.call(self.as_sam, "post", f"/api/support/tickets/{t['id']}/messages/", {"message": "On it"}, 201)
        self.assertEqual(r["author"], {"type": "agent", "id": self.sam.pk})
        detail = self.call(self.as_alice, "get", f"/api/support/tickets/{t['id']}/")
        self.assertEqual(self.said(detail["messages"]), ["It says 403", "Any news?", "On it"])
        self.assertEqual(detail["status"], "open")  # the first reply opened it
        self.assert_error(self.call(self.as_alice, "post", f"/api/support/tickets/{t['id']}/messages/", {}, 400), "invalid_input")
        # GET messages/{id}/ (seed 004): one message, under the same rules.
        self.assertEqual(self.call(self.as_alice, "get", f"/api/support/messages/{m['id']}/"), m)
        note = self.call(self.as_sam, "post", f"/api/support/tickets/{t['id']}/internal/", {"message": "VIP"}, 201)
        self.assertEqual(self.call(self.as_sam, "get", f"/api/support/messages/{note['id']}/")["is_internal"], True)
        self.assert_error(self.call(self.as_alice, "get", f"/api/support/messages/{note['id']}/", status=404), "not_found")
        self.assert_error(self.call(self.as_bob, "get", f"/api/support/messages/{m['id']}/", status=404), "not_found")
        bad = self.call(self.as_sam, "get", "/api/support/messages/not-a-uuid/", status=400)
        self.assertEqual(bad["error"]["field"], "message")

    def test_close(self) -> None:
        t = self.open(self.as_alice)
        closed = self.call(self.as_alice, "post", f"/api/support/tickets/{t['id']}/close/")
        self.assertEqual(closed["status"], "closed")
        self.assertIsNotNone(closed["closed_at"])
        again = self.call(self.as_alice, "post", f"/api/support/tickets/{t['id']}/close/")
        self.assertEqual(again["closed_at"], closed["closed_at"])  # closing twice changes nothing
        reply = self.call(self.as_alice, "post", f"/api/support/tickets/{t['id']}/messages/", {"message": "?"}, 409)
        self.assert_error(reply, "invalid_transition")  # a closed ticket takes no more messages
        t2 = self.open(self.as_bob)
        self.assertEqual(self.call(self.as_sam, "post", f"/api/support/tickets/{t2['id']}/close/")["status"], "closed")

    # ----- access rules -----------------------------------------------------------

    def test_a_customer_never_sees_another_customers_ticket(self) -> None:
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}"
        self.assert_error(self.call(self.as_bob, "get", f"{base}/", status=404), "not_found")
        self.assert_error(self.call(self.as_bob, "get", f"/api/support/tickets/{t['number']}/", status=404), "not_found")
        self.assert_error(self.call(self.as_bob, "post", f"{base}/messages/", {"message": "hi"}, 404), "not_found")
        self.assert_error(self.call(self.as_bob, "post", f"{base}/close/", status=404), "not_found")
        self.assertEqual(self.call(self.as_bob, "get", "/api/support/tickets/")["results"], [])
        self.assertEqual(self.call(self.as_alice, "get", f"{base}/")["status"], "new")  # untouched

    def test_a_customer_never_sees_internal_notes(self) -> None:
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}"
        note = self.call(self.as_sam, "post", f"{base}/internal/", {"message": "VIP, refund quietly"}, 201)
        self.assertTrue(note["is_internal"])
        self.call(self.as_sam, "post", f"{base}/messages/", {"message": "Refunded"}, 201)
        customer = self.call(self.as_alice, "get", f"{base}/")
        self.assertEqual(self.said(customer["messages"]), ["It says 403", "Refunded"])
        self.assertNotIn("VIP", json.dumps(customer))
        staff = self.call(self.as_sam, "get", f"{base}/")
        self.assertEqual([m["is_internal"] for m in staff["messages"]], [False, False, True, False])

    def test_staff_endpoints_are_forbidden_to_customers(self) -> None:
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}"
        for method, url, data in [
            ("get", "/api/support/tickets/all/", None),
            ("patch", f"{base}/assign/", {}),
            ("patch", f"{base}/status/", {"status": "closed"}),
            ("patch", f"{base}/priority/", {"priority": "low"}),
            ("post", f"{base}/internal/", {"message": "x"}),
            ("get", "/api/support/stats/", None),
        ]:
            self.assert_error(self.call(self.as_alice, method, url, data, 403), "forbidden")
        self.assertEqual(self.call(self.as_alice, "get", f"{base}/")["priority"], "medium")

    def test_anonymous_and_wrong_methods(self) -> None:
        anon = Client()
        self.assert_error(self.call(anon, "get", "/api/support/tickets/", status=401), "not_authenticated")
        self.assert_error(self.call(anon, "get", "/api/support/stats/", status=401), "not_authenticated")
        resp = self.as_alice.delete("/api/support/tickets/")
        self.assertEqual((resp.status_code, resp["Allow"]), (405, "GET, HEAD, POST"))
        self.assertEqual(self.as_alice.head("/api/support/tickets/").status_code, 200)

    def test_client_mistakes_are_json_4xx_never_500(self) -> None:
        t = self.open(self.as_alice)
        ref = t["number"]

        def error(client: Client, method: str, url: str, data: Any, status: int, field: Any) -> None:
            body = self.call(client, method, url, data, status)
            self.assertEqual((body["error"]["code"], body["error"]["field"]), ("invalid_input", field), body)

        # Unknown paths answer JSON; a known one without its slash is served.
        self.assert_error(self.call(self.as_alice, "get", "/api/support/nowhere/", status=404), "not_found")
        self.assert_error(self.call(self.as_alice, "get", f"/api/support/tickets/{ref}%2Fx/", status=404), "not_found")
        self.assertEqual(len(self.call(self.as_alice, "get", "/api/support/tickets")["results"]), 1)
        self.open(self.as_alice, "No slash")  # (the helper posts with the slash)
        self.call(self.as_alice, "post", "/api/support/tickets", {"subject": "Slashless", "message": "m"}, 201)
        # Only the app's own views: a host's would run without its CSRF check.
        with override_settings(ROOT_URLCONF="tests.host_urls"):
            self.assertEqual(self.as_alice.post("/api/support/profile/").json(), {"host": True})
            self.assert_error(self.call(self.as_alice, "post", "/api/support/profile", {}, 404), "not_found")
        # Bodies: nested too deep, too large.
        deep = "[" * 100_000 + "]" * 100_000
        resp = self.as_alice.post("/api/support/tickets/", data=deep, content_type="application/json")
        self.assertEqual((resp.status_code, resp.json()["error"]["field"]), (400, "body"))
        with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
            error(self.as_alice, "post", "/api/support/tickets/", {"subject": "s", "message": "x" * 2000}, 413, "body")
        # Fields of the wrong type where the view itself reads them.
        error(self.as_alice, "put", f"/api/support/tickets/{ref}/status/", {"status": ["closed"]}, 400, "status")
        error(self.as_alice, "put", f"/api/support/tickets/{ref}/status/", {"status": {}}, 400, "status")
        other = self.open(self.as_alice, "Other")
        for into in (5, [1], {}):
            error(self.as_sam, "post", f"/api/support/tickets/{other['number']}/merge/", {"into": into}, 400, "into")
        # Instants and dates out of the range Ticketry stores.
        error(self.as_sam, "get", "/api/support/stats/daily/?to=0001-01-01", None, 400, "to")
        error(self.as_sam, "get", "/api/support/stats/metrics/?until=0001-01-01T00:00:00%2B00:00", None, 400, "until")
        error(self.as_sam, "get", "/api/support/kb/deflection/?until=0001-01-01T00:00:00%2B00:00", None, 400, "until")
        error(self.as_alice, "post", "/api/support/access-requests/", {"kind": "password", "expires_in": 10**14}, 400, "expires_in")

    # ----- staff --------------------------------------------------------------------

    def by_hand(self) -> None:
        """Turns automatic assignment off in this test's workspace."""
        support.desk().update(settings={"assignment": None})

    def test_all_tickets_with_filters(self) -> None:
        self.by_hand()
        a = self.open(self.as_alice, "A", priority="high")
        self.open(self.as_bob, "B")
        self.call(self.as_sam, "patch", f"/api/support/tickets/{a['id']}/assign/")
        everything = self.call(self.as_sam, "get", "/api/support/tickets/all/")
        self.assertEqual([t["subject"] for t in everything["results"]], ["B", "A"])
        self.assertIn("sla", everything["results"][0])
        get = lambda q: [t["subject"] for t in self.call(self.as_kim, "get", f"/api/support/tickets/all/?{q}")["results"]]  # noqa: E731
        self.assertEqual(get("priority=high"), ["A"])
        self.assertEqual(get("priority=high,medium"), ["B", "A"])
        self.assertEqual(get("breached=1"), [])
        self.assertEqual(get(f"assigned_to={self.sam.pk}"), ["A"])
        self.assertEqual(get("assigned_to=none"), ["B"])
        self.assertEqual(get("assigned_to=me"), [])
        self.assertEqual(get(f"user={self.bob.pk}"), ["B"])
        self.assertEqual(get("status=new"), ["B", "A"])
        self.assertEqual(get("order=urgency"), ["A", "B"])
        self.assertEqual(get("limit=1"), ["B"])
        self.assertEqual(get("q=B"), ["B"])  # search: the subject's word
        self.assertEqual(get("q=403%20-B"), ["A"])
        mine = self.call(self.as_bob, "get", "/api/support/tickets/?q=403")["results"]
        self.assertEqual([t["subject"] for t in mine], ["B"])

    def test_assign(self) -> None:
        self.by_hand()
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}/assign/"
        self.assertEqual(self.call(self.as_sam, "patch", base)["assigned_to"], self.sam.pk)  # to self
        self.assertEqual(self.call(self.as_sam, "patch", base, {"agent": self.kim.pk})["assigned_to"], self.kim.pk)
        self.assertIsNone(self.call(self.as_sam, "patch", base, {"agent": None})["assigned_to"])
        self.assert_error(self.call(self.as_sam, "patch", base, {"agent": self.bob.pk}, 400), "invalid_input")
        history = support.desk().assignment_history(t["id"])
        self.assertEqual([h.action.value for h in history], ["assigned", "reassigned", "unassigned"])

    def test_status(self) -> None:
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}/status/"
        self.assertEqual(self.call(self.as_sam, "patch", base, {"status": "in_progress"})["status"], "in_progress")
        self.assertEqual(self.call(self.as_sam, "patch", base, {"status": "closed"})["status"], "closed")
        self.assert_error(self.call(self.as_sam, "patch", base, {"status": "in_progress"}, 409), "invalid_transition")
        self.assert_error(self.call(self.as_sam, "patch", base, {"status": "sleeping"}, 400), "invalid_input")
        self.assert_error(self.call(self.as_sam, "patch", base, {}, 400), "invalid_input")

    def test_priority(self) -> None:
        t = self.open(self.as_alice)
        base = f"/api/support/tickets/{t['id']}/priority/"
        updated = self.call(self.as_sam, "patch", base, {"priority": "high"})
        self.assertEqual(updated["priority"], "high")
        self.assertEqual(updated["sla"][0]["metric"], "first_response")
        self.assert_error(self.call(self.as_sam, "patch", base, {"priority": "critical"}, 400), "invalid_input")
        self.assert_error(
            self.call(self.as_sam, "patch", "/api/support/tickets/TKT-1999-00009/priority/", {"priority": "low"}, 404),
            "not_found",
        )

    def test_internal_note(self) -> None:
        t = self.open(self.as_alice)
        note = self.call(self.as_sam, "post", f"/api/support/tickets/{t['id']}/internal/", {"message": "check logs"}, 201)
        self.assertEqual((note["message"], note["is_internal"], note["author"]["id"]), ("check logs", True, self.sam.pk))
        self.assertEqual(self.call(self.as_sam, "get", f"/api/support/tickets/{t['id']}/")["status"], "new")

    def test_stats(self) -> None:
        a = self.open(self.as_alice)
        self.open(self.as_bob)
        self.call(self.as_alice, "post", f"/api/support/tickets/{a['id']}/close/")
        s = self.call(self.as_sam, "get", "/api/support/stats/")
        self.assertEqual(s["total"], 2)
        self.assertEqual((s["by_status"]["new"], s["by_status"]["closed"], s["by_status"]["open"]), (1, 1, 0))
        self.assertEqual(len(s["by_status"]), 8)
        self.assertEqual((s["active"], s["created_today"], s["closed_today"]), (1, 2, 1))
        self.assertIsNone(s["avg_first_response"])

    # ----- operations ---------------------------------------------------------------

    def test_sla_sweep_command(self) -> None:
        t = self.open(self.as_alice)  # medium: first response due in 8 h (24/7)
        created = support.desk().get_ticket(t["id"]).created_at
        out = io.StringIO()
        call_command("ticketry_sla_sweep", now=(created + timedelta(hours=1)).isoformat(), stdout=out)
        self.assertIn("recorded 0 alert(s)", out.getvalue())
        out = io.StringIO()
        call_command("ticketry_sla_sweep", now=(created + timedelta(hours=7)).isoformat(), stdout=out)
        self.assertIn(f"warning  {t['number']} first_response", out.getvalue())  # 80 % of 8 h
        out = io.StringIO()
        call_command("ticketry_sla_sweep", now=(created + timedelta(hours=9)).isoformat(), stdout=out)
        self.assertIn(f"breached {t['number']} first_response", out.getvalue())
        out = io.StringIO()
        call_command("ticketry_sla_sweep", now=(created + timedelta(hours=9)).isoformat(), stdout=out)
        self.assertIn("recorded 0 alert(s)", out.getvalue())  # once only

    def test_import_tickets_command(self) -> None:
        desk = support.desk()
        desk.put_customer("old-1", "Old customer")
        desk.put_agent("old-agent", "Gone", active=False)
        line = {"seq": 7, "customer": "old-1", "subject": "Refund", "description": "Please refund",
                "created_at": "2023-05-02T09:00:00Z", "status": "closed",
                "messages": [{"kind": "reply", "agent": "old-agent", "body": "Done",
                              "created_at": "2023-05-02T12:00:00+02:00"}]}
        bad = {**line, "seq": 9, "messages": [{**line["messages"][0], "created_at": "2023-05-01T00:00:00Z"}]}
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps(line) + "\n\n" + json.dumps({**line, "seq": 8, "status": "open"}) + "\n" + json.dumps(bad) + "\n")
        self.addCleanup(os.unlink, f.name)
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "line 4: messages[0].created_at"):
            call_command("ticketry_import_tickets", f.name, batch=2, stdout=out)
        self.assertIn("lines 1..3: imported", out.getvalue())
        self.assertEqual([t.status for t in desk.list_tickets(limit=10).items], ["open", "closed"])
        self.assertEqual(desk.get_ticket_by_number("TKT-2023-00007").first_response_at.isoformat(), "2023-05-02T10:00:00+00:00")

    def test_mail_commands_file_mail_and_send_threaded_notifications(self) -> None:
        from django.core import mail

        desk = support.desk()
        desk.update(settings={"mail": {"address": "support@example.com"}})
        media = tempfile.mkdtemp()
        maildir = tempfile.mkdtemp()
        for sub in ("new", "cur", "tmp"):
            os.mkdir(os.path.join(maildir, sub))
        first = (
            b"From: Alice <alice@example.com>\r\nTo: support@example.com\r\nSubject: Broken link\r\n"
            b"Message-ID: <dj-1@example.com>\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            b"--b\r\nContent-Type: text/plain\r\n\r\nThe link in my invoice is broken.\r\n"
            b'--b\r\nContent-Type: text/plain; name="note.txt"\r\nContent-Disposition: attachment; filename="note.txt"\r\n\r\n'
            b"see here\r\n--b--\r\n"
        )
        with open(os.path.join(maildir, "new", "1.eml"), "wb") as f:
            f.write(first)
        out = io.StringIO()
        with override_settings(MEDIA_ROOT=media):
            call_command("ticketry_ingest_email", maildir=maildir, mailbox="support@example.com", stdout=out)
            self.assertIn("created TKT-", out.getvalue())
            (t,) = desk.list_tickets(limit=10).items
            # The sender is a Django user: the ticket is theirs.
            self.assertEqual((t.customer, t.channel), (str(self.alice.pk), "email"))
            m = desk.thread(t).messages[0]
            with open(os.path.join(media, m.attachments[0].storage_key), "rb") as f:
                self.assertEqual(f.read(), b"see here")
            # Filed once: a rerun of the Maildir skips it.
            self.assertEqual(os.listdir(os.path.join(maildir, "new")), [])
            call_command("ticketry_ingest_email", maildir=maildir, stdout=io.StringIO())
            self.assertEqual(len(desk.list_tickets(limit=10).items), 1)

            call_command("ticketry_send_notifications", stdout=io.StringIO())
            to_alice = [e for e in mail.outbox if e.to == ["Alice <alice@example.com>"]]
            self.assertEqual(len(to_alice), 1)
            sent = to_alice[0].message()
            self.assertIn(t.number, sent["Subject"])
            self.assertEqual(sent["Reply-To"], "support@example.com")
            self.assertEqual(sent["Auto-Submitted"], "auto-generated")
            self.assertTrue(sent["Message-ID"].startswith("<ticketry."), sent["Message-ID"])
            self.assertEqual(to_alice[0].alternatives[0][1], "text/html")
            # Nothing new: nothing sent again.
            before = len(mail.outbox)
            call_command("ticketry_send_notifications", stdout=io.StringIO())
            self.assertEqual(len(mail.outbox), before)

            # Alice's mail client answers the notification (piped on stdin).
            answer = (
                "From: alice@example.com\r\nSubject: Re: thanks\r\nMessage-ID: <dj-2@example.com>\r\n"
                f"In-Reply-To: {sent['Message-ID']}\r\n\r\nStill broken.\r\n"
            ).encode()
            with tempfile.NamedTemporaryFile(suffix=".eml", delete=False) as f:
                f.write(answer)
            self.addCleanup(os.unlink, f.name)
            out = io.StringIO()
            call_command("ticketry_ingest_email", f.name, stdout=out)
            self.assertIn(f"appended {t.number}", out.getvalue())
            self.assertEqual([x.body for x in desk.thread(t).messages][-1], "Still broken.")

    def test_automation_assigns_replies_and_runs_the_seed_jobs(self) -> None:
        # Staff become agents when they first call; then new tickets go to
        # the least-loaded of them, with the auto-reply of TICKETRY["AUTOMATION"].
        self.call(self.as_sam, "get", "/api/support/tickets/all/")
        t = self.open(self.as_alice)
        self.assertEqual(t["assigned_to"], self.sam.pk)
        reason = support.desk().assignment_history(t["id"])[-1].reason
        self.assertEqual(reason, "least_loaded: 0 open in the workspace")
        detail = self.call(self.as_alice, "get", f"/api/support/tickets/{t['id']}/")
        ack = detail["messages"][1]["message"]
        self.assertTrue(ack.startswith(f"We received your request {t['number']} (medium). We will answer by "), ack)
        self.assertTrue(ack.endswith(" UTC."), ack)
        # The seed's Celery jobs are one command: resolved a week ago → closed.
        self.call(self.as_sam, "patch", f"/api/support/tickets/{t['id']}/status/", {"status": "resolved"})
        resolved = support.desk().get_ticket(t["id"]).resolved_at
        out = io.StringIO()
        call_command("ticketry_run_automations", now=(resolved + timedelta(days=2, seconds=1)).isoformat(), stdout=out)
        self.assertIn(f"rule     {t['number']} Remind to rate 2 days after resolution", out.getvalue())
        out = io.StringIO()
        call_command("ticketry_run_automations", now=(resolved + timedelta(days=7, seconds=1)).isoformat(), stdout=out)
        self.assertIn(f"rule     {t['number']} Close resolved tickets after 7 days", out.getvalue())
        self.assertEqual(self.call(self.as_alice, "get", f"/api/support/tickets/{t['id']}/")["status"], "closed")
        out = io.StringIO()
        call_command("ticketry_run_automations", now=(resolved + timedelta(days=8)).isoformat(), stdout=out)
        self.assertIn("0 rule(s) fired", out.getvalue())

    def test_ticketry_lives_in_djangos_database(self) -> None:
        self.open(self.as_alice)
        if connection.vendor != "postgresql":
            self.skipTest("needs PostgreSQL")
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = 'tickets'",
                [conf.settings().schema],
            )
            self.assertEqual(cur.fetchone()[0], 1)
