"""JSON: the report format of the README, compact unless an indent is asked for."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from . import escape
from .common import Result

__all__ = ["dump_json", "render_json"]


def dump_json(data: Any, indent: int | None = None) -> str:
    """``data`` as JSON text plus a newline: the C encoder when ``indent`` is None, non-ASCII
    kept, and characters that could drive a terminal escaped (see :func:`escape.json_text`)."""
    return escape.json_text(json.dumps(data, ensure_ascii=False, indent=indent)) + "\n"


def render_json(results: Sequence[Result], *, single: bool, indent: int | None = None) -> str:
    """One report object when ``single``, else an array of them."""
    data = [r.to_dict() for r in results]
    return dump_json(data[0] if single and data else data, indent)
