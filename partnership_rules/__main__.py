"""``python -m partnership_rules`` runs the command line."""

from partnership_rules.cli.main import main

if __name__ == "__main__":
    main()
