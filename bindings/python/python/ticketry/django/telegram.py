"""Seed 001's Telegram operations bot: a webhook that answers commands
through Ticketry and replies through the Bot API.

Set ``TICKETRY["TELEGRAM"]`` and point the bot's webhook at
``…/api/support/telegram/`` (``setWebhook`` with ``secret_token`` = ``SECRET``)::

    TICKETRY = {
        "TELEGRAM": {
            "BOT_TOKEN": "123:ABC",                    # required
            "SECRET": "a-long-random-string",          # checked on every update
            "API_URL": "https://api.telegram.org",     # a fake server in tests
            "STAFF": [111111, 222222],                 # Telegram user ids of support staff
            "IDENTIFY": None,                          # or (telegram_user: dict) -> Person | None
        },
    }

Commands (staff only where marked): ``/status``, ``/my``, ``/view_<number>``
(``/view_TKT_2026_00042`` or ``/view TKT-2026-00042``), ``/help``;
staff: ``/incident <title>``, ``/resolve <message>``, ``/sla``, ``/tickets``,
``/reply <number> <text>``, ``/stats``. Every update gets a 200 (Telegram
retries anything else): malformed ones are ignored, errors answered in the chat.
"""

from __future__ import annotations

import hmac
import json
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .. import Desk, Ticket, TicketryError, View
from . import access, runtime
from .access import Person

__all__ = ["webhook_view", "COMMANDS", "handle_update"]

#: Longest message Telegram accepts.
MAX_TEXT = 4096

Reply = Callable[[Desk, Person, str], str]


def _configured() -> bool:
    from django.conf import settings

    return getattr(settings, "TICKETRY", {}).get("TELEGRAM") is not None


def _settings() -> Dict[str, Any]:
    """The bot's settings. A bot without a ``SECRET`` is refused: anyone
    could post updates as a staff member's Telegram id and declare
    incidents."""
    from django.conf import settings

    raw = getattr(settings, "TICKETRY", {}).get("TELEGRAM")
    if not isinstance(raw, dict) or not isinstance(raw.get("BOT_TOKEN"), str) or not raw["BOT_TOKEN"]:
        raise ImproperlyConfigured("TICKETRY['TELEGRAM'] needs a BOT_TOKEN to serve the bot")
    if not isinstance(raw.get("SECRET"), str) or not raw["SECRET"]:
        raise ImproperlyConfigured(
            "TICKETRY['TELEGRAM'] needs a SECRET (setWebhook's secret_token): without it "
            "anyone could post updates as a staff member"
        )
    unknown = set(raw) - {"BOT_TOKEN", "SECRET", "API_URL", "STAFF", "IDENTIFY"}
    if unknown:
        raise ImproperlyConfigured(f"TICKETRY['TELEGRAM'] has unknown key(s) {sorted(unknown)}")
    return raw


def telegram_user(user: Dict[str, Any]) -> Optional[Person]:
    """The default identity: the Telegram user as ``tg-<id>``; staff when
    listed in ``TICKETRY['TELEGRAM']['STAFF']``."""
    uid = user.get("id")
    if type(uid) is not int:
        return None
    name = " ".join(str(user.get(k) or "") for k in ("first_name", "last_name")).strip()[:200] or f"tg-{uid}"
    staff = uid in (_settings().get("STAFF") or [])
    return Person(id=f"tg-{uid}", name=name, staff=staff)


# ----- commands: each (desk, person, args) -> the reply text --------------------------


def _line(t: Ticket) -> str:
    return f"{t.number} [{t.priority}] {t.status.value}: {t.subject[:80]}  /view_{t.number.replace('-', '_')}"


def _lines(tickets: List[Ticket], empty: str) -> str:
    return "\n".join(_line(t) for t in tickets) if tickets else empty


def _status(d: Desk, me: Person, args: str) -> str:
    s = d.service_status()
    if s.state.value == "operational":
        return "✅ All systems operational."
    head = "🔴 Major outage" if s.state.value == "major_outage" else "🟠 Degraded service"
    return f"{head}: {s.banner}"


def _incident(d: Desk, me: Person, args: str) -> str:
    if not args:
        return "Usage: /incident <title>"
    i = d.declare_incident(args[:200], severity="critical", by=me.actor)
    return f"🔴 Incident declared: {i.title}. Every user now sees the banner. /resolve <message> ends it."


def _resolve(d: Desk, me: Person, args: str) -> str:
    if not args:
        return "Usage: /resolve <message>"
    open_ = d.list_incidents(open_only=True)
    if not open_:
        return "No open incident."
    i = d.resolve_incident(open_[0].id, args, by=me.actor)
    figures = d.incident_figures(i.id)
    return f"✅ Resolved: {i.title} ({figures.linked_tickets} linked ticket(s) answered)."


def _sla(d: Desk, me: Person, args: str) -> str:
    page = d.list_tickets(breached=True, statuses=["new", "open", "in_progress"], order="urgency", limit=10)
    return _lines(list(page.items), "No ticket is breaching its SLA.")


def _tickets(d: Desk, me: Person, args: str) -> str:
    page = d.list_tickets(statuses=["new", "open", "in_progress"], order="urgency", limit=10)
    return _lines(list(page.items), "No open ticket.")


def _my(d: Desk, me: Person, args: str) -> str:
    if me.staff:
        page = d.list_tickets(assignee=me.id, statuses=["new", "open", "in_progress", "pending", "on_hold"], limit=10)
        return _lines(list(page.items), "Nothing assigned to you.")
    return _lines(list(d.list_tickets(customer=me.id, limit=10).items), "You have no tickets.")


def _ref(args: str) -> str:
    return args.strip().replace("_", "-")


def _find(d: Desk, me: Person, ref: str) -> Ticket:
    t = d.get_ticket_by_number(ref)
    access.visible(me, t, ref)
    return t


def _view(d: Desk, me: Person, args: str) -> str:
    if not args.strip():
        return "Usage: /view_<number>, e.g. /view_TKT_2026_00042"
    t = _find(d, me, _ref(args))
    msgs = d.thread(t, View.AGENT if me.staff else View.CUSTOMER).messages[-5:]
    lines = [f"{t.number}: {t.subject}", f"Status {t.status.value}, priority {t.priority}"]
    lines += [f"— {m.author.type.value}: {m.body[:300]}" for m in msgs]
    return "\n".join(lines)


def _reply(d: Desk, me: Person, args: str) -> str:
    ref, _, text = args.strip().partition(" ")
    if not ref or not text.strip():
        return "Usage: /reply <number> <text>"
    t = _find(d, me, _ref(ref))
    d.reply(t, me.id, text.strip())
    return f"Sent to {t.number}."


def _stats(d: Desk, me: Person, args: str) -> str:
    s = d.dashboard()
    return (f"Active {s.active}, unassigned {s.unassigned}; today: created {s.created_today}, "
            f"resolved {s.resolved_today}, closed {s.closed_today}; breaching now {s.breaching_now}, "
            f"due within an hour {s.due_within_hour}.")


def _help(d: Desk, me: Person, args: str) -> str:
    mine = [f"/{name} — {doc}" for name, (doc, staff, _) in COMMANDS.items() if me.staff or not staff]
    return "Commands:\n" + "\n".join(mine)


#: name → (what it does, staff only, handler)
COMMANDS: Dict[str, Tuple[str, bool, Reply]] = {
    "status": ("the service status", False, _status),
    "my": ("your tickets (staff: assigned to you)", False, _my),
    "view": ("a ticket: /view_TKT_2026_00042", False, _view),
    "help": ("this list", False, _help),
    "start": ("this list", False, _help),
    "incident": ("declare an incident: /incident <title>", True, _incident),
    "resolve": ("resolve the open incident: /resolve <message>", True, _resolve),
    "sla": ("tickets breaching their SLA", True, _sla),
    "tickets": ("the 10 most urgent open tickets", True, _tickets),
    "reply": ("answer a ticket: /reply <number> <text>", True, _reply),
    "stats": ("today's figures", True, _stats),
}


def _parse(text: str) -> Tuple[str, str]:
    """``/view_TKT_1@bot args`` → (``view``, ``TKT_1 args``)."""
    head, _, rest = text[1:].partition(" ")
    head = head.split("@", 1)[0].lower()
    name, sep, suffix = head.partition("_")
    if name in COMMANDS and sep:
        return name, (suffix + " " + rest).strip()
    return head, rest.strip()


def handle_update(update: Any) -> Optional[Tuple[int, str]]:
    """The chat and the reply for one update, or ``None`` when there is
    nothing to answer (not a text message, malformed)."""
    if not isinstance(update, dict):
        return None
    message = update.get("message") or update.get("edited_message")
    if not isinstance(message, dict):
        return None
    chat, sender, text = message.get("chat"), message.get("from"), message.get("text")
    if not isinstance(chat, dict) or type(chat.get("id")) is not int or not isinstance(sender, dict):
        return None
    chat_id = chat["id"]
    if not isinstance(text, str) or not text.startswith("/"):
        return chat_id, "Send /help for the commands."
    identify = _settings().get("IDENTIFY") or telegram_user
    me = identify(sender)
    if me is None:
        return chat_id, "Sorry, I do not know you."
    name, args = _parse(text[:MAX_TEXT])
    found = COMMANDS.get(name)
    if found is None:
        return chat_id, f"Unknown command /{name[:32]}. Send /help for the list."
    _, staff_only, handler = found
    if staff_only and not me.staff:
        return chat_id, "Sorry, that command is for support staff."
    try:
        d = runtime.desk()
        access.register(d, me)
        return chat_id, handler(d, me, args)
    except TicketryError as e:
        return chat_id, f"Sorry: {e.message}"


def send(chat_id: int, text: str) -> None:
    """Sends ``text`` to ``chat_id`` through the Bot API (errors are dropped:
    the update is answered with 200 either way)."""
    cfg = _settings()
    url = f"{(cfg.get('API_URL') or 'https://api.telegram.org').rstrip('/')}/bot{cfg['BOT_TOKEN']}/sendMessage"
    body = json.dumps({"chat_id": chat_id, "text": text[:MAX_TEXT]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (the configured Bot API)
            pass
    except OSError:
        pass


@csrf_exempt
def webhook_view(request: HttpRequest) -> JsonResponse:
    """Telegram's webhook: checks the secret token, answers the command."""
    if request.method != "POST":
        resp = JsonResponse({"ok": False}, status=405)
        resp["Allow"] = "POST"
        return resp
    if not _configured():
        return JsonResponse({"error": {"code": "not_found", "message": "no Telegram bot here", "field": None}}, status=404)
    cfg = _settings()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), cfg["SECRET"].encode()):
        return JsonResponse({"ok": False}, status=403)
    try:
        update = json.loads(request.body)
    except (ValueError, RecursionError):
        # Not an update: answered so Telegram does not send it again.
        return JsonResponse({"ok": True})
    answer = handle_update(update)
    if answer is not None:
        send(*answer)
    return JsonResponse({"ok": True})
