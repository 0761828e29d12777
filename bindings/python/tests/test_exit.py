"""A program may end while asyncio calls are still in flight: the process
exits cleanly (a runtime thread handing a result to Python while the
interpreter shut down aborted it, in about one run of four)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio
from ticketry import Helpdesk
h = Helpdesk.in_memory()
ws = h.workspace(h.create_workspace("Acme", "acme"))
ws.put_customer("c1", "Carol")
async def main():
    for i in range(200):
        asyncio.ensure_future(ws.open_ticket_async("c1", f"s{i}", "d"))
    await asyncio.sleep(0)  # the loop ends with the calls in flight
asyncio.run(main())
print("end")
"""


def test_exiting_with_asyncio_calls_in_flight_is_clean() -> None:
    for _ in range(20):
        run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
        assert (run.returncode, run.stdout.strip()) == (0, "end"), run.stderr[-2000:]
        assert "panicked" not in run.stderr and "Fatal" not in run.stderr, run.stderr[-2000:]
