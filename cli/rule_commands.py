"""``partnership-rules rules``, ``explain``, ``coverage`` and ``engines``: about the rules.

These commands parse arguments and call the public library API, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from partnership_rules import RULE_FORMATS

from ._common import ExitCode, command, error, format_option, output_option, ruleset_option

__all__ = ["coverage", "engines", "explain", "rules"]


@click.command()
@ruleset_option("List this ruleset only (a shipped name or a rule file); repeatable.")
@format_option(RULE_FORMATS, help="markdown: full rule documentation, as in docs/rules.md.")
@command
def rules(rulesets: Sequence[str], fmt: str) -> None:
    """List the rules: id, severity, category and title."""
    from partnership_rules import load_rulesets, render_rules

    click.echo(render_rules(load_rulesets(rulesets or None), fmt), nl=False)


@click.command()
@click.argument("rule_id")
@command
def explain(rule_id: str) -> None:
    """Explain a rule: what it checks, why it matters, what to do, and its sources."""
    from partnership_rules import describe_rule, find_rule

    click.echo(describe_rule(find_rule(rule_id)), nl=False)


@click.command()
@output_option("Write the matrix to FILE (for example docs/coverage.md).")
@click.option(
    "--check",
    is_flag=True,
    help="Exit 1 if a source point is neither checked by a rule nor marked needs_survey.",
)
@command
def coverage(output: str | None, check: bool) -> int:
    """Print the coverage matrix: each point of the sources and the rules that check it."""
    from partnership_rules import coverage_markdown, coverage_problems, load_rulesets, open_output

    rulesets = load_rulesets()
    text = coverage_markdown(rulesets)
    if output in (None, "-"):
        click.echo(text, nl=False)
    else:
        with open_output(output) as out:
            out.write(text)
    problems = coverage_problems(rulesets) if check else []
    for problem in problems:
        error(problem)
    return ExitCode.FINDINGS if problems else ExitCode.OK


@click.command()
@command
def engines() -> None:
    """List the rule engines available on this interpreter."""
    from partnership_rules import available_engines

    for name in available_engines():
        click.echo(name)
