"""``partnership-rules schema``, ``sources`` and ``init``: the record format and the sources.

These commands parse arguments and call the public library API, nothing more. Exit codes: 0
done; 2 an input or usage error (one line on stderr), such as ``init`` onto an existing file.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from partnership_rules import TEMPLATE_CONTEXTS

from ._common import command, fail

__all__ = ["init", "schema", "sources"]


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: the JSON Schema; markdown: the record format documentation.",
)
@command
def schema(output_format: str) -> None:
    """Print the JSON Schema of the record format (with every field's meaning).

    Point an editor's YAML support at it with a first line in the record:
    `# yaml-language-server: $schema=record.schema.json`.
    """
    from partnership_rules import record_format_markdown, record_json_schema

    if output_format == "markdown":
        click.echo(record_format_markdown(), nl=False)
    else:
        click.echo(json.dumps(record_json_schema(), indent=2, ensure_ascii=False))


@click.command()
@command
def sources() -> None:
    """Print the sources the rules cite: title, author or body, date, where to find it."""
    from partnership_rules import load_rulesets, sources_markdown

    click.echo(sources_markdown(load_rulesets()), nl=False)


@click.command()
@click.argument("path", default="record.yaml", type=click.Path(path_type=Path))
@click.option(
    "--context",
    type=click.Choice(TEMPLATE_CONTEXTS),
    default=TEMPLATE_CONTEXTS[0],
    show_default=True,
    help="The setting the partnership works in; picks the template's partners and sections.",
)
@command
def init(path: Path, context: str) -> None:
    """Write a commented template record to PATH (default record.yaml; - prints it).

    The template passes validation as it stands; replace its values with the partnership's
    own. An existing file is never overwritten.
    """
    from partnership_rules import record_template

    if str(path) == "-":
        click.echo(record_template(context), nl=False)
        return
    if path.is_dir():
        path = path / "record.yaml"
    text = record_template(context, file_name=str(path))
    try:
        with path.open("x", encoding="utf-8") as out:  # "x": refuse an existing file
            out.write(text)
    except FileExistsError:
        fail(f"{path}: already exists; not overwritten (choose another PATH)")
    except OSError as error:
        fail(f"{path}: cannot write: {error.strerror or error}")
    click.echo(f"Wrote {path} ({context} template). Next: partnership-rules audit {path}")
