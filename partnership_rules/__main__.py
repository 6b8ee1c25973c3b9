"""``python -m partnership_rules`` runs the command line."""

# cli/ is mapped into the package by pyproject.toml.
from partnership_rules.cli.main import main

if __name__ == "__main__":
    main()
