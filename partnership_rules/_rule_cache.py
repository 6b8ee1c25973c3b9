"""A cache of compiled rulesets shared between processes, keyed by rule file content.

Reading and compiling the shipped rule files costs tens of milliseconds in every new
process (a command-line run, a batch worker); loading the compiled form back costs a few.
Each entry is one compiled :class:`Ruleset`, stored under the SHA-256 of: the rule file's
text, the threshold values asked for, the Python version, and the source of the modules that
compile rules and the catalogues they are checked against (so a changed compiler, fact
schema or source catalogue never reads an old entry). Only rule
files that compile are stored; a file with problems is read and reported every time.

Where: ``$PARTNERSHIP_RULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/partnership-rules``, else
``~/.cache/partnership-rules``; set ``PARTNERSHIP_RULES_CACHE_DIR`` to an empty string (or
``off``) to turn the cache off. The directory is created private to the user; an entry is
read only from a file the user owns that nobody else can write (entries are pickles, and
reading one runs what it says). At most ``MAX_ENTRIES`` entries are kept, the oldest removed
first. Anything that goes wrong with the cache only means the rule file is compiled again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from ._rule_model import Ruleset

__all__ = ["CACHE_ENV", "MAX_ENTRIES", "cache_key", "cached_ruleset", "store_ruleset"]

CACHE_ENV = "PARTNERSHIP_RULES_CACHE_DIR"
MAX_ENTRIES = 200
_FORMAT = b"partnership-rules compiled ruleset 1"
# The modules whose code decides what a rule file compiles to.
_COMPILER_MODULES = (
    "_rule_loader.py",
    "_rule_model.py",
    "_conditions.py",
    "_templates.py",
    "_vocabulary.py",
    "_sources.py",
    "engines/_limits.py",
)


def cache_dir() -> Path | None:
    """The cache directory, or None when the cache is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "partnership-rules")


@lru_cache(maxsize=1)
def _fingerprint() -> bytes:
    # What compiled rules depend on besides the rule file: this code and the fact schemas.
    from .facts import FACT_SCHEMAS

    digest = hashlib.sha256(_FORMAT)
    digest.update(sys.version.encode())
    package = Path(__file__).parent
    for name in _COMPILER_MODULES:
        with contextlib.suppress(OSError):
            digest.update((package / name).read_bytes())
    # The catalogues rules are checked against (and whose titles they carry): the sources.
    catalogue = files("partnership_rules.rulesets").joinpath("catalogue")
    for entry in sorted(catalogue.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            digest.update(entry.name.encode() + entry.read_bytes())
    schemas = {
        kind: {f: spec.type for f, spec in fields.items()} for kind, fields in FACT_SCHEMAS.items()
    }
    digest.update(json.dumps(schemas, sort_keys=True).encode())
    return digest.digest()


def cache_key(text: str, json_format: bool, thresholds: Mapping[str, float]) -> str:
    """The key of the compiled form of a rule file with this ``text``."""
    digest = hashlib.sha256(_fingerprint())
    digest.update(json.dumps([json_format, sorted(thresholds.items())]).encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _private(info: os.stat_result) -> bool:
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cached_ruleset(key: str, source: str) -> Ruleset | None:
    """The ruleset stored under ``key`` (its ``source`` set to ``source``), or None."""
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / f"{key}.pickle"
    try:
        with open(path, "rb") as handle:
            if not (_private(os.fstat(handle.fileno())) and _private(os.stat(directory))):
                return None
            ruleset = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a missing, unreadable or stale entry is a miss
        return None
    if not isinstance(ruleset, Ruleset):
        return None
    return dataclasses.replace(ruleset, source=source)


def store_ruleset(key: str, ruleset: Ruleset) -> None:
    """Store ``ruleset`` under ``key`` (atomically; failures are ignored)."""
    directory = cache_dir()
    if directory is None:
        return
    temporary = None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(directory)):
            return
        data = pickle.dumps(dataclasses.replace(ruleset, source=""), protocol=4)
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            handle.write(data)
        os.replace(temporary, directory / f"{key}.pickle")
        _prune(directory)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never an error
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prune(directory: Path) -> None:
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: max(len(entries) - MAX_ENTRIES, 0)]:
        with contextlib.suppress(OSError):
            old.unlink()
