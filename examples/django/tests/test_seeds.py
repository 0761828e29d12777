"""The endpoints of seeds 001 and 003 that seed 000 does not have, the
permission hook, multi-tenant workspaces, CSRF, and events as Django signals."""

from __future__ import annotations

import html
import io
import re
import itertools
import json
from typing import Any, List

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, TestCase, override_settings

from ticketry.django import runtime, signals
from ticketry.django.models import EventCursor

_ws = itertools.count(1)
API = "/api/support"


def deny_rating(request: Any, action: str, person: Any, ticket: Any) -> Any:
    """A host's permission hook: nobody rates; everything else as built in."""
    return False if action == "rate_ticket" else None


def tenant_from_header(request: Any) -> str:
    """A host's workspace resolver: the tenant is the X-Tenant header."""
    return f"{settings.TICKETRY['WORKSPACE']}-{request.headers.get('X-Tenant', 'a')}"


class SeedApiTest(TestCase):
    def setUp(self) -> None:
        self.slug = f"seeds-{id(self)}-{next(_ws)}"
        self.configure()
        User = get_user_model()
        self.alice = User.objects.create_user("alice", "alice@example.com", first_name="Alice")
        self.bob = User.objects.create_user("bob", "bob@example.com")
        self.sam = User.objects.create_user("sam", "sam@example.com", is_staff=True)
        self.kim = User.objects.create_user("kim", "kim@example.com", is_staff=True)
        self.as_alice, self.as_bob, self.as_sam = (self.client_for(u) for u in (self.alice, self.bob, self.sam))

    def configure(self, **extra: Any) -> None:
        override = override_settings(TICKETRY={**settings.TICKETRY, "WORKSPACE": self.slug, **extra})
        override.enable()
        self.addCleanup(override.disable)

    def client_for(self, user: Any, **kwargs: Any) -> Client:
        c = Client(**kwargs)
        c.force_login(user)
        return c

    def call(self, client: Client, method: str, url: str, data: Any = None, status: int = 200, **headers: Any) -> Any:
        kwargs = {"content_type": "application/json", "data": json.dumps(data)} if data is not None else {}
        resp = getattr(client, method)(f"{API}/{url}", headers=headers, **kwargs)
        self.assertEqual(resp.status_code, status, resp.content)
        return resp.json()

    def error(self, body: Any, code: str, field: Any = None) -> None:
        self.assertEqual(body["error"]["code"], code, body)
        if field is not None:
            self.assertEqual(body["error"]["field"], field)

    def open(self, client: Client, subject: str = "Payment failed", **extra: Any) -> Any:
        return self.call(client, "post", "tickets/", {"subject": subject, "description": "Card declined", **extra}, 201)

    # ----- seed 001 -------------------------------------------------------------------

    def test_health_is_public(self) -> None:
        body = self.call(Client(), "get", "health/")
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["backend"], "postgres" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "memory")
        resp = Client().post(f"{API}/health/")
        self.assertEqual((resp.status_code, resp["Allow"]), (405, "GET, HEAD"))

    def test_add_message_path_of_seed_001(self) -> None:
        t = self.open(self.as_alice)
        m = self.call(self.as_alice, "post", f"tickets/{t['number']}/add_message/", {"message": "Any news?"}, 201)
        self.assertEqual((m["message"], m["message_type"], m["is_staff_reply"]), ("Any news?", "customer", False))
        self.error(self.call(self.as_bob, "post", f"tickets/{t['id']}/add_message/", {"message": "x"}, 404), "not_found")
        self.error(self.call(Client(), "post", f"tickets/{t['id']}/add_message/", {"message": "x"}, 401), "not_authenticated")

    def test_categories_and_priorities_with_their_sla(self) -> None:
        d = runtime.desk()
        parent = d.create_category("Payment", code="payment", icon="card")
        d.create_category("Refunds", parent=parent.id, default_priority="high")
        hidden = d.create_category("Old")
        d.update_category(hidden.id, "Old", active=False)
        cats = self.call(self.as_alice, "get", "categories/")
        self.assertEqual([(c["name"], c["parent"]) for c in cats], [("Payment", None), ("Refunds", parent.id)])
        self.assertEqual(cats[1]["default_priority"], "high")
        self.assertEqual(cats[0]["code"], "payment")
        # Seed 001's clients name categories by code.
        t = self.call(self.as_alice, "post", "tickets/", {"subject": "s", "message": "m", "category": "payment"}, 201)
        self.assertEqual(t["category"], parent.id)
        self.error(self.call(self.as_alice, "post", "tickets/", {"subject": "s", "message": "m", "category": "nope"}, 404), "not_found")
        prios = self.call(self.as_alice, "get", "priorities/")
        by_code = {p["code"]: p for p in prios}
        self.assertEqual(by_code["high"]["sla"]["first_response"], d.list_priorities()[[p.code for p in d.list_priorities()].index("high")].first_response.total_seconds())
        self.assertEqual(sum(p["is_default"] for p in prios), 1)
        self.error(self.call(Client(), "get", "categories/", status=401), "not_authenticated")
        self.error(self.call(Client(), "get", "priorities/", status=401), "not_authenticated")

    def test_incidents_and_the_status_banner(self) -> None:
        self.call(self.as_sam, "get", "status/")  # sam is known as staff
        payments = runtime.desk().create_category("Payments", code="payment")
        self.assertEqual(self.call(self.as_alice, "get", "status/"), {"status": "operational", "banner": None, "incidents": []})
        i = self.call(self.as_sam, "post", "incidents/", {"title": "Payments down", "severity": "critical",
                                                          "message": "Card payments fail", "categories": ["payment"]}, 201)
        status = self.call(self.as_alice, "get", "status/")
        self.assertEqual((status["status"], status["banner"]), ("major_outage", "Card payments fail"))
        t = self.open(self.as_alice, category="payment")
        self.call(self.as_sam, "post", f"incidents/{i['id']}/updates/", {"message": "Fix deployed"}, 201)
        self.assertEqual(self.call(self.as_alice, "get", "status/")["banner"], "Fix deployed")
        done = self.call(self.as_sam, "post", f"incidents/{i['id']}/resolve/",
                         {"message": "Payments work again", "resolve_tickets": True})
        self.assertEqual(done["status"], "resolved")
        detail = self.call(self.as_alice, "get", f"tickets/{t['number']}/")
        self.assertEqual(detail["status"], "resolved")
        self.assertIn("Payments work again", [m["message"] for m in detail["messages"]])
        figures = self.call(self.as_sam, "get", f"incidents/{i['id']}/")
        self.assertEqual(figures["linked_tickets"], 1)
        self.error(self.call(self.as_sam, "post", f"incidents/{i['id']}/resolve/", {"message": "again"}, 409),
                   "invalid_transition")
        self.error(self.call(self.as_alice, "post", "incidents/", {"title": "x"}, 403), "forbidden")
        self.error(self.call(self.as_sam, "post", "incidents/", {"severity": "minor"}, 400), "invalid_input", "title")

    # ----- seed 002 -------------------------------------------------------------------

    def test_access_recovery_requests(self) -> None:
        self.call(self.as_sam, "get", "status/")
        r = self.call(self.as_alice, "post", "access-requests/", {
            "kind": "password_reset", "verification": {"method": "email_link", "checked": ["email matches"]}}, 201)
        self.assertEqual((r["status"], r["user"]), ("pending", self.alice.pk))
        self.assertEqual([x["id"] for x in self.call(self.as_alice, "get", "access-requests/")], [r["id"]])
        self.assertEqual(self.call(self.as_bob, "get", "access-requests/"), [])
        self.error(self.call(self.as_bob, "get", f"access-requests/{r['id']}/", status=404), "not_found")
        self.error(self.call(self.as_alice, "post", f"access-requests/{r['id']}/approve/", {}, 403), "forbidden")
        self.call(self.as_sam, "post", f"access-requests/{r['id']}/review/", {})
        self.error(self.call(self.as_sam, "post", f"access-requests/{r['id']}/reject/", {}, 400), "invalid_input", "note")
        ok = self.call(self.as_sam, "post", f"access-requests/{r['id']}/approve/", {"note": "ID checked"})
        self.assertEqual((ok["status"], ok["reason"]), ("approved", "ID checked"))
        self.assertEqual([h["to"] for h in ok["history"]], ["pending", "in_review", "approved"])
        self.error(self.call(self.as_sam, "post", f"access-requests/{r['id']}/approve/", {}, 409), "invalid_transition")
        self.error(self.call(self.as_sam, "post", f"access-requests/{r['id']}/explode/", {}, 404), "not_found")
        # Someone who cannot sign in: staff file it with a contact address.
        lost = self.call(self.as_sam, "post", "access-requests/", {"kind": "account_unlock", "contact": "lost@example.com"}, 201)
        self.assertIsNone(lost["user"])
        mine = self.call(self.as_alice, "post", "access-requests/", {"kind": "email_change"}, 201)
        self.assertEqual(self.call(self.as_alice, "post", f"access-requests/{mine['id']}/cancel/", {})["status"], "cancelled")
        # The host carries an approval out on the signal.
        approved: List[Any] = []

        def carry_out(sender: Any, event: Any, desk: Any, **_: Any) -> None:
            approved.append(event.data["request"])

        signals.access_approved.connect(carry_out)
        self.addCleanup(signals.access_approved.disconnect, carry_out)
        signals.dispatch(runtime.desk())
        self.assertEqual(approved, [r["id"]])

    # ----- seed 003 -------------------------------------------------------------------

    def test_knowledge_base_and_suggestions(self) -> None:
        d = runtime.desk()
        cat = d.create_kb_category("account", "Account")
        a = d.create_article("reset-password", "How do I reset my password?", "Open **Settings**, then Security.",
                             category=cat.id, status="published")
        d.create_article("draft", "Password draft", "secret", status="draft")
        listed = self.call(self.as_alice, "get", "kb/")
        self.assertEqual([x["slug"] for x in listed], ["reset-password"])
        self.assertEqual([x["slug"] for x in self.call(self.as_alice, "get", "kb/categories/")], ["account"])
        self.assertEqual([x["slug"] for x in self.call(self.as_alice, "get", "kb/search/?q=passwords")], ["reset-password"])
        shown = self.call(self.as_alice, "get", "kb/suggest/?q=forgot%20my%20password")
        self.assertEqual([x["slug"] for x in shown["results"]], ["reset-password"])
        # Opened anyway: the suggestion did not deflect this ticket.
        self.open(self.as_alice, suggestion_id=shown["suggestion_id"])
        self.call(self.as_alice, "get", "kb/suggest/?q=reset%20password")
        report = self.call(self.as_sam, "get", "kb/deflection/")
        self.assertEqual((report["shown"], report["tickets_opened"], report["deflection_rate"]), (2, 1, 0.5))
        self.assertEqual([(x["title"], x["shown"]) for x in report["articles"]], [(a.title, 2)])
        self.error(self.call(self.as_alice, "get", "kb/deflection/", status=403), "forbidden")
        self.error(self.call(self.as_sam, "get", "kb/deflection/?since=yesterday", status=400), "invalid_input", "since")
        unknown = {"subject": "S", "description": "D", "suggestion_id": "00000000-0000-0000-0000-000000000000"}
        self.error(self.call(self.as_alice, "post", "tickets/", unknown, 404), "not_found")
        article = self.call(self.as_alice, "get", "kb/reset-password/")
        self.assertIn("<strong>Settings</strong>", article["html"])
        self.error(self.call(self.as_alice, "get", "kb/draft/", status=404), "not_found")
        votes = self.call(self.as_alice, "post", f"kb/{a.id}/helpful/", {"helpful": True})
        self.assertEqual((votes["helpful_count"], votes["views"]), (1, 1))
        votes = self.call(self.as_alice, "post", f"kb/{a.id}/helpful/", {"helpful": False})
        self.assertEqual((votes["helpful_count"], votes["not_helpful_count"]), (0, 1))
        self.error(self.call(Client(), "get", "kb/", status=401), "not_authenticated")

    def test_metrics_daily_stats_merge_and_dashboard(self) -> None:
        t = self.open(self.as_alice)
        u = self.open(self.as_alice, "Payment failed again")
        self.call(self.as_sam, "post", f"tickets/{t['number']}/reply/", {"message": "Refunded"}, 201)
        m = self.call(self.as_sam, "get", "stats/metrics/?interval=day")
        self.assertEqual((m["totals"]["created"], m["totals"]["first_response"]["count"]), (2, 1))
        self.assertEqual(sum(g["figures"]["created"] for g in m["groups"]), 2)
        by = self.call(self.as_sam, "get", "stats/metrics/?group_by=priority")
        self.assertEqual(sum(g["figures"]["created"] for g in by["groups"]), 2)
        csv = self.as_sam.get(f"{API}/stats/metrics.csv?interval=day&bom=1")
        self.assertEqual(csv.status_code, 200)
        self.assertTrue(csv.content.decode("utf-8").startswith("\ufeffstart,key,created,"))
        self.error(self.call(self.as_alice, "get", "stats/metrics/", status=403), "forbidden")
        self.error(self.call(self.as_sam, "get", "stats/metrics/?interval=hour", status=400), "invalid_input", "interval")
        # Merging (seed 002): staff only; the source's thread lands in the target.
        self.error(self.call(self.as_alice, "post", f"tickets/{u['number']}/merge/", {"into": t["number"]}, 403),
                   "forbidden")
        merged = self.call(self.as_sam, "post", f"tickets/{u['number']}/merge/", {"into": t["number"]})
        self.assertEqual(merged["id"], t["id"])
        self.assertEqual(self.call(self.as_sam, "get", f"tickets/{u['number']}/")["status"], "closed")
        self.error(self.call(self.as_sam, "post", f"tickets/{t['number']}/merge/", {"into": t["number"]}, 400),
                   "invalid_input", "target")
        # Daily statistics (seed 004): stored once per day.
        self.assertEqual(self.call(self.as_sam, "get", "stats/daily/"), [])
        out = io.StringIO()
        call_command("ticketry_daily_stats", stdout=out)
        call_command("ticketry_daily_stats", stdout=out)
        self.assertEqual(len(self.call(self.as_sam, "get", "stats/daily/")), 1)
        # The ticket export, streamed page by page.
        export = self.as_sam.get(f"{API}/tickets/export.csv?columns=number,status&bom=1")
        body = b"".join(export.streaming_content).decode()
        self.assertEqual(body, f"\ufeffnumber,status\r\n{u['number']},closed\r\n{t['number']},open\r\n")
        self.error(self.call(self.as_sam, "get", "tickets/export.csv?columns=number,nope", status=400),
                   "invalid_input", "columns[1]")
        self.error(self.call(self.as_alice, "get", "tickets/export.csv", status=403), "forbidden")
        # The staff dashboard page.
        page = self.as_sam.get(f"{API}/dashboard/")
        self.assertEqual(page.status_code, 200)
        self.assertIn("<svg", page.content.decode())
        # Its CSV link works (instants with a "+" offset are URL-encoded).
        href = html.unescape(re.search(r'id="csv" href="([^"]+)"', page.content.decode()).group(1))
        self.assertTrue(href.startswith("../stats/metrics.csv?"))
        linked = self.as_sam.get(f"{API}/{href[3:]}")
        self.assertEqual(linked.status_code, 200, linked.content[:200])
        self.error(self.call(self.as_alice, "get", "dashboard/", status=403), "forbidden")

    def test_reply_and_detail_by_ticket_number(self) -> None:
        t = self.open(self.as_alice)
        self.assertEqual((t["ticket_number"], t["description"]), (t["number"], "Card declined"))
        r = self.call(self.as_sam, "post", f"tickets/{t['number']}/reply/", {"message": "Refunded"}, 201)
        self.assertEqual((r["is_staff_reply"], r["message_type"]), (True, "reply"))
        detail = self.call(self.as_alice, "get", f"tickets/{t['number']}/")
        self.assertEqual([m["message"] for m in detail["messages"] if m["message_type"] != "system"], ["Card declined", "Refunded"])
        self.assertIsNotNone(detail["first_response_at"])
        self.error(self.call(self.as_bob, "post", f"tickets/{t['number']}/reply/", {"message": "x"}, 404), "not_found")

    def test_status_put_by_a_customer_closes_or_reopens_only(self) -> None:
        t = self.open(self.as_alice)
        url = f"tickets/{t['id']}/status/"
        self.error(self.call(self.as_alice, "put", url, {"status": "in_progress"}, 403), "forbidden")
        self.assertEqual(self.call(self.as_sam, "put", url, {"status": "resolved"})["status"], "resolved")
        self.error(self.call(self.as_bob, "put", url, {"status": "open"}, 404), "not_found")
        self.assertEqual(self.call(self.as_alice, "put", url, {"status": "open"})["status"], "open")  # reopened
        self.assertEqual(self.call(self.as_alice, "put", url, {"status": "closed"})["status"], "closed")

    def test_rate(self) -> None:
        t = self.open(self.as_alice)
        url = f"tickets/{t['id']}/rate/"
        self.call(self.as_sam, "put", f"tickets/{t['id']}/status/", {"status": "resolved"})
        rated = self.call(self.as_alice, "post", url, {"rating": 5, "comment": "Fast"})
        self.assertEqual((rated["satisfaction_rating"], rated["satisfaction_comment"]), (5, "Fast"))
        self.error(self.call(self.as_alice, "post", url, {"rating": 9}, 400), "invalid_input", "rating")
        self.error(self.call(self.as_alice, "post", url, {"rating": "5"}, 400), "invalid_input", "rating")
        self.error(self.call(self.as_bob, "post", url, {"rating": 1}, 404), "not_found")
        self.error(self.call(self.as_sam, "post", url, {"rating": 1}, 403), "forbidden")
        self.error(self.call(Client(), "post", url, {"rating": 1}, 401), "not_authenticated")
        self.assertEqual(self.call(self.as_alice, "get", f"tickets/{t['id']}/")["satisfaction_rating"], 5)

    def test_admin_tickets_and_assign(self) -> None:
        a = self.open(self.as_alice, "A")
        self.open(self.as_bob, "B")
        listed = self.call(self.as_sam, "get", "admin/tickets/")
        self.assertEqual([t["subject"] for t in listed["results"]], ["B", "A"])
        assigned = self.call(self.as_sam, "post", f"admin/tickets/{a['id']}/assign/", {"agent": self.kim.pk})
        self.assertEqual(assigned["assigned_to"], self.kim.pk)
        self.assertEqual(runtime.desk().get_agent(self.kim.pk).name, "kim")  # registered on the way
        self.error(self.call(self.as_sam, "post", f"admin/tickets/{a['id']}/assign/", {"agent": self.bob.pk}, 400), "invalid_input", "agent")
        self.error(self.call(self.as_sam, "post", f"admin/tickets/{a['id']}/assign/", {"agent": "nobody"}, 400), "invalid_input", "agent")
        self.error(self.call(self.as_alice, "get", "admin/tickets/", status=403), "forbidden")
        self.error(self.call(self.as_alice, "post", f"admin/tickets/{a['id']}/assign/", {}, 403), "forbidden")
        self.error(self.call(Client(), "get", "admin/tickets/", status=401), "not_authenticated")

    def test_templates_are_for_staff(self) -> None:
        d = runtime.desk()
        d.create_template("Refund", "Hello {{ customer.name }}, refunded.")
        off = d.create_template("Old", "x")
        d.update_template(off.id, "Old", "x", active=False)
        # "Auto-reply" is TICKETRY["AUTOMATION"]["AUTO_REPLY"]'s.
        self.assertEqual([x["name"] for x in self.call(self.as_sam, "get", "templates/")], ["Auto-reply", "Refund"])
        self.error(self.call(self.as_alice, "get", "templates/", status=403), "forbidden")
        self.error(self.call(Client(), "get", "templates/", status=401), "not_authenticated")

    # ----- the access rules, endpoint by endpoint ------------------------------------------

    def test_every_endpoint_refuses_anonymous_strangers_and_customers_as_it_should(self) -> None:
        t = self.open(self.as_alice)
        m = self.call(self.as_alice, "post", f"tickets/{t['id']}/messages/", {"message": "more"}, 201)
        ref = t["id"]
        owner = [  # the ticket's customer may; another customer gets 404
            ("get", f"tickets/{ref}/", None),
            ("post", f"tickets/{ref}/messages/", {"message": "x"}),
            ("post", f"tickets/{ref}/add_message/", {"message": "x"}),
            ("post", f"tickets/{ref}/reply/", {"message": "x"}),
            ("put", f"tickets/{ref}/status/", {"status": "closed"}),
            ("post", f"tickets/{ref}/rate/", {"rating": 5}),
            ("post", f"tickets/{ref}/close/", None),
            ("get", f"messages/{m['id']}/", None),
        ]
        staff = [  # customers get 403
            ("get", "tickets/all/", None),
            ("get", "admin/tickets/", None),
            ("patch", f"tickets/{ref}/assign/", {}),
            ("post", f"admin/tickets/{ref}/assign/", {}),
            ("patch", f"tickets/{ref}/status/", {"status": "in_progress"}),
            ("patch", f"tickets/{ref}/priority/", {"priority": "low"}),
            ("post", f"tickets/{ref}/internal/", {"message": "x"}),
            ("get", "templates/", None),
            ("get", "stats/", None),
        ]
        users = [("get", "tickets/", None), ("post", "tickets/", {"subject": "s", "message": "m"}),
                 ("get", "categories/", None), ("get", "priorities/", None)]
        before = self.call(self.as_sam, "get", f"tickets/{ref}/")
        for method, url, data in owner + staff + users:
            with self.subTest(f"anonymous {method} {url}"):
                self.error(self.call(Client(), method, url, data, 401), "not_authenticated")
        for method, url, data in owner:
            with self.subTest(f"stranger {method} {url}"):
                self.error(self.call(self.as_bob, method, url, data, 404), "not_found")
        for method, url, data in staff:
            with self.subTest(f"customer {method} {url}"):
                self.error(self.call(self.as_alice, method, url, data, 403), "forbidden")
        self.assertEqual(self.call(self.as_sam, "get", f"tickets/{ref}/"), before)  # nothing changed

    # ----- hooks ----------------------------------------------------------------------

    def test_a_permission_hook_denies_one_action(self) -> None:
        self.configure(PERMISSION="tests.test_seeds.deny_rating")
        t = self.open(self.as_alice)
        self.call(self.as_sam, "put", f"tickets/{t['id']}/status/", {"status": "resolved"})
        self.error(self.call(self.as_alice, "post", f"tickets/{t['id']}/rate/", {"rating": 4}, 403), "forbidden")
        self.assertIsNone(runtime.desk().get_ticket(t["id"]).satisfaction)  # nothing changed
        self.call(self.as_alice, "post", f"tickets/{t['id']}/messages/", {"message": "thanks"}, 201)  # others still work

    def test_workspaces_per_request(self) -> None:
        self.configure(WORKSPACE_RESOLVER=tenant_from_header)
        for tenant in ("a", "b"):  # requests never create tenants
            runtime.helpdesk().create_workspace(f"Tenant {tenant}", f"{self.slug}-{tenant}")
        self.error(self.call(self.as_alice, "get", "tickets/", status=404, X_TENANT="zz"), "not_found")
        a = self.call(self.as_alice, "post", "tickets/", {"subject": "In A", "message": "m"}, 201, X_TENANT="a")
        self.call(self.as_alice, "post", "tickets/", {"subject": "In B", "message": "m"}, 201, X_TENANT="b")
        in_a = self.call(self.as_sam, "get", "tickets/all/", X_TENANT="a")
        self.assertEqual([t["subject"] for t in in_a["results"]], ["In A"])
        self.error(self.call(self.as_sam, "get", f"tickets/{a['id']}/", status=404, X_TENANT="b"), "not_found")

    def test_session_writes_need_the_csrf_token(self) -> None:
        strict = self.client_for(self.alice, enforce_csrf_checks=True)
        resp = strict.post(f"{API}/tickets/", data=json.dumps({"subject": "s", "message": "m"}), content_type="application/json")
        self.assertEqual(resp.status_code, 403)
        self.error(resp.json(), "forbidden")
        self.assertEqual(self.call(strict, "get", "tickets/")["results"], [])  # reads need none
        form = self.as_alice.post(f"{API}/tickets/", data="{}", content_type="text/plain")
        self.assertEqual(form.status_code, 415)

    # ----- events as signals ----------------------------------------------------------

    def test_events_become_signals_once(self) -> None:
        got: List[Any] = []
        created: List[str] = []

        def on_event(sender: Any, event: Any, desk: Any, **_: Any) -> None:
            got.append((event.seq, event.type))

        def on_created(sender: Any, event: Any, desk: Any, **_: Any) -> None:
            created.append(event.data["number"])

        signals.event.connect(on_event)
        signals.ticket_created.connect(on_created)
        self.addCleanup(signals.event.disconnect, on_event)
        self.addCleanup(signals.ticket_created.disconnect, on_created)
        t = self.open(self.as_alice)
        self.call(self.as_sam, "post", f"tickets/{t['id']}/reply/", {"message": "On it"}, 201)
        out = io.StringIO()
        call_command("ticketry_events", workspace=[self.slug], stdout=out)
        types = [kind for _, kind in got]
        self.assertEqual(types[0], "ticket.created")
        self.assertIn("message.added", types)
        self.assertEqual(created, [t["number"]])
        self.assertEqual([s for s, _ in got], sorted(s for s, _ in got))
        self.assertIn(f"delivered {len(got)} event(s)", out.getvalue())
        call_command("ticketry_events", workspace=[self.slug], stdout=io.StringIO())
        self.assertEqual(len(types), len(got))  # nothing repeated
        d = runtime.desk()
        self.assertEqual(EventCursor.objects.get(workspace=d.id, consumer="django").seq, got[-1][0])

    def test_a_failing_receiver_gets_the_event_again(self) -> None:
        seen: List[int] = []

        def flaky(sender: Any, event: Any, desk: Any, **_: Any) -> None:
            seen.append(event.seq)
            if len(seen) == 1:
                get_user_model().objects.create_user("written-then-rolled-back")
                raise RuntimeError("mail server down")

        signals.ticket_created.connect(flaky)
        self.addCleanup(signals.ticket_created.disconnect, flaky)
        self.open(self.as_alice)
        with self.assertRaises(RuntimeError):
            signals.dispatch(runtime.desk())
        self.assertFalse(get_user_model().objects.filter(username="written-then-rolled-back").exists())
        # Everything since the cursor again: the creation, the auto-reply…
        self.assertGreaterEqual(signals.dispatch(runtime.desk()), 1)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0], seen[1])
