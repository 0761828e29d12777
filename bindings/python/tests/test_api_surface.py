"""The public surface: every operation of the table has a blocking and an
``_async`` method with one signature and a docstring, on the right class;
the generated files are checked against the table by scripts/test-python.sh."""

from __future__ import annotations

import inspect

import ticketry
from ticketry import _native, _ops
from ticketry._client import Desk, Helpdesk


def operations(cls: type) -> list[str]:
    return [n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_") and not n.endswith("_async")]


def test_every_operation_has_a_blocking_and_an_async_form() -> None:
    for cls in (_ops.DeskOps, _ops.HelpdeskOps):
        names = operations(cls)
        assert len(names) >= 4
        for name in names:
            blocking, asynchronous = getattr(cls, name), getattr(cls, f"{name}_async")
            assert inspect.iscoroutinefunction(asynchronous), name
            assert inspect.signature(blocking) == inspect.signature(asynchronous), name
            assert blocking.__doc__ and blocking.__doc__ == asynchronous.__doc__, name


def test_the_clients_carry_the_operations() -> None:
    assert issubclass(Desk, _ops.DeskOps) and issubclass(Helpdesk, _ops.HelpdeskOps)
    assert {"reply", "open_ticket", "get_message", "explain_sla"} <= set(operations(_ops.DeskOps))
    assert {"create_workspace", "get_workspace", "update_workspace"} <= set(operations(_ops.HelpdeskOps))
    for name in ("in_memory", "connect", "connect_async", "workspace", "workspace_by_slug", "migrate", "close", "rls_enforced"):
        assert callable(getattr(Helpdesk, name)), name


def test_exports() -> None:
    for name in ticketry.__all__:
        assert hasattr(ticketry, name), name
    assert set(ticketry.ERRORS) == set(_native.ERROR_CODES)


def test_the_native_stubs_name_what_the_native_classes_have() -> None:
    """``_native.pyi`` is written by hand: each stubbed class has exactly
    the public names of the class at run time (a method missing from the
    stub fails ``mypy --strict`` in a host that calls it)."""
    import ast
    from pathlib import Path

    stub = ast.parse((Path(_native.__file__).parent / "_native.pyi").read_text())
    classes = [node for node in stub.body if isinstance(node, ast.ClassDef)]
    assert {c.name for c in classes} >= {"Calendar", "ManualClock", "Helpdesk", "Desk", "Pending"}
    for c in classes:
        stubbed = {n.name for n in c.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        runtime = {n for n in dir(getattr(_native, c.name)) if not n.startswith("_")}
        assert stubbed == runtime, (c.name, sorted(runtime - stubbed), sorted(stubbed - runtime))
