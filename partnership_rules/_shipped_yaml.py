"""Reading the YAML data shipped with the package (rulesets, catalogues, instruments).

libyaml's C parser when PyYAML has it (the same values as ``yaml.safe_load``, about 6x
faster: the shipped files hold rule examples and are parsed at the first audit of every
process), else PyYAML's own.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["SAFE_LOADER", "load_shipped_yaml"]

SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The fastest safe loader this PyYAML has."""


def load_shipped_yaml(text: str) -> Any:
    """``text`` parsed as ``yaml.safe_load`` would (a shipped file: trusted, not limited)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
