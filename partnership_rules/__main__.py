"""``python -m partnership_rules`` runs the command line."""

# cli/ is mapped into the package at install time, out of mypy's sight.
from partnership_rules.cli.main import main  # type: ignore[import-not-found, unused-ignore]

if __name__ == "__main__":
    main()
