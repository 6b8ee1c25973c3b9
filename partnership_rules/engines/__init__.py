"""The rule engines: durable-rules where it imports, a plain-Python evaluator everywhere.

Both engines take the same compiled rules (:class:`CompiledRule`, whose ``condition`` is
durable-rules' JSON condition form) and the same facts, and return the same matches:
``(rule id, subject)`` pairs, sorted (the :class:`Engine` protocol). durable-rules is
imported only when its engine is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .._errors import UsageError
from .._rule_model import CompiledRule
from .._vocabulary import ENGINE_NAMES
from ._base import Engine, Match

__all__ = [
    "ENGINE_ENV",
    "Engine",
    "Match",
    "available_engines",
    "create_engine",
    "durable_available",
]

ENGINE_ENV = "PARTNERSHIP_RULES_ENGINE"


def durable_available() -> bool:
    """True when durable-rules imports on this interpreter."""
    from ._durable import durable_available as available

    return available()


def available_engines() -> list[str]:
    """Names of the engines that can run here."""
    return list(ENGINE_NAMES) if durable_available() else ["python"]


def create_engine(rules: Sequence[CompiledRule], name: str | None = None) -> Engine:
    """An engine for ``rules``: ``name`` ("durable" or "python"), else the
    ``PARTNERSHIP_RULES_ENGINE`` environment variable, else durable-rules where it imports."""
    choice = (name or os.environ.get(ENGINE_ENV) or "").strip().lower() or None
    if choice is not None and choice not in ENGINE_NAMES:
        raise UsageError(f"unknown engine '{choice}' (use {' or '.join(ENGINE_NAMES)})")
    if choice == "python" or (choice is None and not durable_available()):
        from ._python import PythonEngine

        return PythonEngine(rules)
    from ._durable import DURABLE_IMPORT_ERROR, DurableEngine

    if not durable_available():
        raise UsageError(f"the durable engine is not available here: {DURABLE_IMPORT_ERROR}")
    return DurableEngine(rules)
