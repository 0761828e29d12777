"""The shared table of bad inputs, run in a child process: every case is a
Ticketry error with a core code and the caller's field, changes nothing, and
the process exits normally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).with_name("bad_inputs_runner.py")


def test_every_bad_input_is_refused_in_a_child_process() -> None:
    r = subprocess.run([sys.executable, str(RUNNER)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    table = json.loads((Path(__file__).resolve().parents[2] / "testdata" / "bad_inputs.json").read_text())
    cases = [c for c in table["cases"] if "python" in c.get("hosts", ["python"])]
    assert r.stdout.split() == ["ok", str(len(cases))]
