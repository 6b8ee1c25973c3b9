"""``python -m partnership_rules`` runs the command line."""

import sys

try:
    # cli/ is mapped into the package by pyproject.toml: only an install can see it here.
    from partnership_rules.cli.main import main
except ModuleNotFoundError as error:  # pragma: no cover - depends on how it was installed
    if error.name != "partnership_rules.cli":
        raise
    print(
        "partnership-rules: the command line is not installed with this copy of the package "
        "(in a source checkout, install it with `pip install -e .`)",
        file=sys.stderr,
    )
    sys.exit(2)

if __name__ == "__main__":
    main()
