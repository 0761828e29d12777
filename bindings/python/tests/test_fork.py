"""A process forked after the help desk opened (a Celery or gunicorn worker)
works on its own: its own runtime, and on PostgreSQL its own connections.
The inherited ones are the parent's sockets: a child that used them would
hang, and its answers would reach the parent."""

from __future__ import annotations

import asyncio
import gc
import os
import signal

import pytest

import ticketry
from conftest import connect

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")


def _in_child(work: "object") -> int:
    """Runs ``work()`` in a forked child; its exit status (0: it passed)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        os.close(read)
        signal.alarm(60)  # a hung child fails the test instead of hanging it
        status = 1
        try:
            work()  # type: ignore[operator]
            status = 0
        except BaseException as e:  # noqa: BLE001
            os.write(write, repr(e).encode())
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as r:
        why = r.read().decode()
    _, status = os.waitpid(pid, 0)
    assert status == 0, f"child status {status}: {why}"
    return status


def test_a_forked_child_calls_with_its_own_runtime_and_connections(backend: str, desk: ticketry.Desk) -> None:
    assert desk.get_customer(7).name == "Alice"  # the parent's runtime (and connections) are in use

    def child() -> None:
        desk.put_customer("from-child", "Forked")
        assert desk.get_customer("from-child").name == "Forked"
        assert asyncio.run(desk.get_customer_async(7)).name == "Alice"

    _in_child(child)
    # The parent goes on, on its own connections. A PostgreSQL child wrote
    # through connections of its own; in memory it wrote to its own copy.
    assert desk.get_customer(7).name == "Alice"
    assert ("from-child" in {c.id for c in desk.list_customers()}) == (backend == "postgres")


def test_a_child_dropping_the_help_desk_leaves_the_parents_temporary_schema() -> None:
    held = [connect()]
    slug = f"kept-{os.getpid()}"
    held.append(held[0].workspace(held[0].create_workspace("Kept", slug)))

    def child() -> None:
        # The child's last references go: its copy of the help desk drops.
        held.clear()
        gc.collect()

    _in_child(child)
    helpdesk = held[0]
    assert helpdesk.get_workspace_by_slug(slug).name == "Kept"
    helpdesk.close()
