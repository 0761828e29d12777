"""Runs the shared table of bad inputs (bindings/testdata/bad_inputs.json)
through the public Python API; test_bad_inputs.py runs it in a child process
so that nothing can take the test run down. Prints ``ok <n>``."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Tuple

from ticketry import Helpdesk, TicketryError

TABLE = Path(__file__).resolve().parents[2] / "testdata" / "bad_inputs.json"


class Instance:
    """A class instance: not a value Ticketry takes."""


def value(v: Any, ticket: str) -> Any:
    if v == "$ticket":
        return ticket
    if isinstance(v, list):
        return [value(x, ticket) for x in v]
    if not isinstance(v, dict):
        return v
    if len(v) == 1:
        (k, arg), = v.items()
        if k == "$nan":
            return float("nan")
        if k == "$inf":
            return float("inf")
        if k == "$int":
            return int(arg)
        if k == "$bigint":
            return 2**70
        if k == "$chars":
            return "x" * arg
        if k == "$duration":
            return timedelta(milliseconds=arg)
        if k == "$map":
            return {1, 2}
        if k == "$instance":
            return Instance()
        if k == "$cycle":
            d: Dict[str, Any] = {}
            d["self"] = d
            return d
        if k == "$date":
            if arg == "naive":
                return datetime(2026, 1, 1)
            if arg == "invalid":
                return float("nan")  # Python has no invalid datetime
            return datetime.max.replace(tzinfo=timezone.utc)
    return {k: value(x, ticket) for k, x in v.items()}


def snapshot(desk: Any, ticket: str) -> Tuple[Any, ...]:
    return (len(desk.events(limit=1000)), desk.get_ticket(ticket).version, len(desk.list_agents()),
            desk.ticket_stats().total, len(desk.list_sla_policies()), desk.info())


def main() -> None:
    cases = json.loads(TABLE.read_text())["cases"]
    helpdesk = Helpdesk.in_memory()
    desk = helpdesk.workspace(helpdesk.create_workspace("Bad", "bad"))
    desk.put_customer("c1", "C")
    desk.put_agent("a1", "A")
    ticket = desk.open_ticket("c1", "s", "d").id
    desk.resolve(ticket)
    cases = [c for c in cases if "python" in c.get("hosts", ["python"])]
    for case in cases:
        args = value(case["args"], ticket)
        if "input" in args:
            args = {**args.pop("input"), **args}
        before = snapshot(desk, ticket)
        try:
            getattr(desk, case["op"])(**args)
        except TicketryError as e:
            want = case.get("code", "invalid_input")
            assert e.code == want, f"{case}: {e.code} {e}"
            if "field" in case:
                want = case["field"]
                ok = e.field == want or (case.get("prefix") and str(e.field).startswith(want + "."))
                assert ok, f"{case}: field {e.field!r} ({e})"
        else:
            raise AssertionError(f"accepted: {case}")
        assert snapshot(desk, ticket) == before, f"{case} changed something"
    print("ok", len(cases))


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
