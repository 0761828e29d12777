"""Options the management commands share."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any, Dict, List

from ... import conf


def instant(text: str) -> datetime:
    """An ISO 8601 instant; without an offset, UTC."""
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


def workspaces(options: Dict[str, Any]) -> List[str]:
    """The ``--workspace`` slugs, or the configured workspace."""
    return list(options.get("workspace") or [conf.settings().workspace])
