"""The hand-maintained stubs and the op lists match the native module."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Dict, List

import ticketry
from ticketry import _client, _native

STUBS = Path(ticketry.__file__).with_name("_client.pyi")


def native_ops(cls: type) -> set:
    skip = {"id", "backend", "schema", "now", "workspace", "workspace_by_slug", "in_memory", "connect"}
    return {n for n in dir(cls) if not n.startswith("_") and n not in skip}


def stub_methods() -> Dict[str, Dict[str, List[str]]]:
    tree = ast.parse(STUBS.read_text())
    out: Dict[str, Dict[str, List[str]]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {}
            for f in node.body:
                if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    a = f.args
                    methods[f.name] = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            out[node.name] = methods
    return out


def test_every_native_operation_is_wrapped() -> None:
    assert native_ops(_native.Desk) == set(_client.DESK_OPS)
    assert native_ops(_native.Helpdesk) == set(_client.HELPDESK_OPS)
    for cls, ops in ((ticketry.Desk, _client.DESK_OPS), (ticketry.Helpdesk, _client.HELPDESK_OPS)):
        for op in ops:
            assert callable(getattr(cls, op)) and inspect.iscoroutinefunction(getattr(cls, f"{op}_async"))


def test_stubs_match_the_native_signatures() -> None:
    stubs = stub_methods()
    for cls, native, ops in (
        ("Desk", _native.Desk, _client.DESK_OPS),
        ("Helpdesk", _native.Helpdesk, _client.HELPDESK_OPS),
    ):
        for op in ops:
            params = [p for p in inspect.signature(getattr(native, op)).parameters if p != "self"]
            assert stubs[cls][op][1:] == params, f"{cls}.{op}"
            assert stubs[cls][f"{op}_async"][1:] == params, f"{cls}.{op}_async"


def test_wrappers_keep_native_signature_and_docs() -> None:
    sig = inspect.signature(ticketry.Desk.open_ticket)
    assert list(sig.parameters)[:4] == ["self", "customer", "subject", "description"]
    assert sig.parameters["channel"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "Opens a ticket" in (ticketry.Desk.open_ticket.__doc__ or "")
    assert ticketry.Desk.close_async.__name__ == "close_async"


def test_the_package_ships_typing_and_exports() -> None:
    root = Path(ticketry.__file__).parent
    assert (root / "py.typed").exists() and (root / "_native.pyi").exists()
    for name in ticketry.__all__:
        assert hasattr(ticketry, name), name


def test_every_operation_is_exercised_by_the_suite() -> None:
    """Each public operation is called somewhere in these tests (blocking form)."""
    import re

    here = Path(__file__).parent
    source = "\n".join(p.read_text() for p in here.glob("test_*.py"))
    called = set(re.findall(r"\.(\w+)\(", source))
    missing = [op for op in _client.DESK_OPS + _client.HELPDESK_OPS if op not in called]
    assert missing == []
