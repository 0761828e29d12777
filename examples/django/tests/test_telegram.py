"""Seed 001's Telegram operations bot, end to end: updates posted to the
webhook, answers caught by a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import itertools
import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from django.conf import settings
from django.test import Client, TestCase, override_settings

from ticketry.django import runtime

_ws = itertools.count(1)
URL = "/api/support/telegram/"
SECRET = "s3cret-token"
STAFF_ID, USER_ID = 1001, 2002


class FakeBotApi:
    """Records every ``sendMessage`` call."""

    def __init__(self) -> None:
        sent: List[Dict[str, Any]] = []
        self.sent = sent

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sent.append({"path": self.path, **json.loads(body)})
                data = b'{"ok": true, "result": {}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TelegramBotTest(TestCase):
    def setUp(self) -> None:
        self.api = FakeBotApi()
        self.addCleanup(self.api.close)
        slug = f"tg-{id(self)}-{next(_ws)}"
        telegram = {"BOT_TOKEN": "123:ABC", "SECRET": SECRET, "API_URL": self.api.url, "STAFF": [STAFF_ID]}
        override = override_settings(TICKETRY={**settings.TICKETRY, "WORKSPACE": slug, "TELEGRAM": telegram})
        override.enable()
        self.addCleanup(override.disable)
        self.client = Client()
        self.update_id = itertools.count(1)

    def post(self, body: Any, secret: str = SECRET) -> int:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        resp = self.client.post(URL, data=data, content_type="application/json",
                                headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        return resp.status_code

    def say(self, text: str, user: int = STAFF_ID) -> str:
        """Sends ``text`` as ``user`` and returns the bot's answer."""
        before = len(self.api.sent)
        update = {"update_id": next(self.update_id), "message": {
            "message_id": 1, "chat": {"id": user, "type": "private"},
            "from": {"id": user, "first_name": "Sam" if user == STAFF_ID else "Ulla"}, "text": text}}
        self.assertEqual(self.post(update), 200)
        self.assertEqual(len(self.api.sent), before + 1, f"no answer to {text!r}")
        sent = self.api.sent[-1]
        self.assertEqual((sent["path"], sent["chat_id"]), ("/bot123:ABC/sendMessage", user))
        return str(sent["text"])

    def test_every_command(self) -> None:
        self.assertIn("/incident", self.say("/help"))
        self.assertNotIn("/incident", self.say("/help", USER_ID))
        self.assertEqual(self.say("/status"), "✅ All systems operational.")
        self.assertIn("Incident declared: Payments down", self.say("/incident Payments down"))
        self.assertEqual(self.say("/status", USER_ID), "🔴 Major outage: Payments down")
        d = runtime.desk()
        t = d.open_ticket("tg-2002", "Card declined", "It fails", priority="urgent")
        number = t.number
        self.assertIn(number, self.say("/tickets"))
        self.assertIn(number, self.say("/my", USER_ID))
        self.assertEqual(self.say("/sla"), "No ticket is breaching its SLA.")
        view = self.say(f"/view_{number.replace('-', '_')}")
        self.assertTrue(view.startswith(f"{number}: Card declined"), view)
        self.assertIn(number, self.say(f"/view {number}", USER_ID))
        self.assertEqual(self.say(f"/reply {number} We are on it"), f"Sent to {number}.")
        self.assertIn("We are on it", self.say(f"/view_{number.replace('-', '_')}", USER_ID))
        self.assertIn("Active 1", self.say("/stats"))
        self.assertEqual(self.say("/resolve Payments work again"),
                         "✅ Resolved: Payments down (0 linked ticket(s) answered).")
        self.assertEqual(self.say("/status"), "✅ All systems operational.")
        self.assertEqual(self.say("/resolve nothing left"), "No open incident.")

    def test_staff_only_and_polite_answers(self) -> None:
        for command in ("/incident x", "/resolve y", "/sla", "/tickets", "/reply TKT-1 hi", "/stats"):
            with self.subTest(command):
                self.assertEqual(self.say(command, USER_ID), "Sorry, that command is for support staff.")
        self.assertEqual(self.say("/incident"), "Usage: /incident <title>")
        self.assertEqual(self.say("/reply TKT-2026-00001"), "Usage: /reply <number> <text>")
        self.assertTrue(self.say("/view_TKT_1999_00001").startswith("Sorry: not found"))
        self.assertEqual(self.say("/frobnicate"), "Unknown command /frobnicate. Send /help for the list.")
        self.assertEqual(self.say("hello"), "Send /help for the commands.")
        runtime.desk().put_customer("tg-9", "Nine")
        other = runtime.desk().open_ticket("tg-9", "Not yours", "x")
        self.assertTrue(self.say(f"/view {other.number}", USER_ID).startswith("Sorry: not found"))

    def test_the_secret_is_checked(self) -> None:
        self.assertEqual(self.post({"update_id": 1}, secret="wrong"), 403)
        self.assertEqual(self.post({"update_id": 1}, secret=""), 403)
        self.assertEqual(self.client.get(URL).status_code, 405)

    def test_a_bot_without_a_secret_is_refused_and_no_bot_is_404(self) -> None:
        from django.core.exceptions import ImproperlyConfigured

        update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": STAFF_ID, "type": "private"},
                                              "from": {"id": STAFF_ID, "first_name": "Eve"}, "text": "/incident Fake"}}
        telegram = {"BOT_TOKEN": "123:ABC", "API_URL": self.api.url, "STAFF": [STAFF_ID]}
        for secret in ({}, {"SECRET": ""}, {"SECRET": 12345}):
            with self.subTest(secret=secret), override_settings(
                TICKETRY={**settings.TICKETRY, "TELEGRAM": {**telegram, **secret}}
            ):
                with self.assertRaises(ImproperlyConfigured):
                    self.client.post(URL, data=json.dumps(update), content_type="application/json")
        self.assertEqual(self.api.sent, [])
        self.assertEqual(runtime.desk().list_incidents(), [])
        without = {k: v for k, v in settings.TICKETRY.items() if k != "TELEGRAM"}
        with override_settings(TICKETRY=without):
            resp = self.client.post(URL, data=json.dumps(update), content_type="application/json")
            self.assertEqual((resp.status_code, resp.json()["error"]["code"]), (404, "not_found"))

    def test_no_update_crashes_it(self) -> None:
        rng = random.Random(20261128)
        atoms: List[Any] = [None, True, 0, -1, 2**70, 1.5, "", "/", "/view_", "/reply", "/view_💥", "x" * 5000,
                            "/incident " + "y" * 300, [], {}, {"id": "7"}, {"id": STAFF_ID}, {"id": True}]

        def value(depth: int = 0) -> Any:
            roll = rng.random()
            if depth > 3 or roll < 0.5:
                return rng.choice(atoms)
            if roll < 0.75:
                return [value(depth + 1) for _ in range(rng.randint(0, 3))]
            return {rng.choice(["message", "chat", "from", "text", "id", "edited_message"]): value(depth + 1)
                    for _ in range(rng.randint(0, 4))}

        bodies: List[Any] = [b"not json", b"", b"[1, 2", "[]", "null", "42", "[" * 100_000 + "]" * 100_000]
        for _ in range(300):
            message = {k: value() for k in ("chat", "from", "text") if rng.random() < 0.8}
            if rng.random() < 0.5:
                message["chat"] = {"id": rng.choice([STAFF_ID, USER_ID, "x", None])}
                message["from"] = {"id": rng.choice([STAFF_ID, USER_ID, 0, -5, "1001"])}
            bodies.append({"update_id": value(), "message": message} if rng.random() < 0.7 else value())
        for body in bodies:
            self.assertEqual(self.post(body), 200, body)
