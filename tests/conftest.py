"""Shared test set-up: the installed package, hypothesis profiles, the tests folder on sys.path.

The tests run against the installed package (``pip install -e '.[test]'`` from the
checkout): ``cli/`` and ``rulesets/`` are mapped into ``partnership_rules`` by
pyproject.toml, so only an install can see them under that name.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files in tests/golden/ from the current renderings.",
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        import partnership_rules.cli.main  # noqa: F401
    except ModuleNotFoundError as error:  # pragma: no cover - depends on how it was installed
        pytest.exit(
            f"cannot import the installed package ({error}): install this checkout with "
            "`pip install -e '.[test]'` (a non-editable install is hidden by the checkout's "
            "partnership_rules/ folder when pytest runs from here)",
            returncode=4,
        )


sys.path.insert(0, str(Path(__file__).parent))

# Compiled rulesets are cached across processes: the tests use a cache of their own (removed
# at exit), never the user's.
if "PARTNERSHIP_RULES_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="partnership-rules-cache-")
    os.environ["PARTNERSHIP_RULES_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

settings.register_profile(
    "ci",
    max_examples=2000,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
