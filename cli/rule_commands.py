"""``partnership-rules rules``, ``explain``, ``coverage`` and ``engines``: about the rules.

These commands parse arguments and call the public library API, nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from partnership_rules import RULE_FORMATS

from ._common import (
    ExitCode,
    command,
    config_options,
    configured_auditor,
    engine_option,
    error,
    fail,
    format_option,
    output_option,
    project_config,
    ruleset_option,
)

if TYPE_CHECKING:
    from partnership_rules import Auditor

__all__ = ["coverage", "engines", "explain", "rules"]


_RULESETS_HELP = (
    "A shipped ruleset name (only the rulesets named), or a rule file or directory (added to"
    " the shipped rules); repeatable."
)


def _auditor(rulesets: Sequence[str], config: str | None, no_config: bool) -> Auditor:
    return configured_auditor(project_config(config, no_config), rulesets, engine="python")


@click.group(invoke_without_command=True)
@ruleset_option(_RULESETS_HELP)
@format_option(RULE_FORMATS, help="markdown: full rule documentation, as in docs/rules.md.")
@config_options
@click.pass_context
def rules(
    ctx: click.Context, rulesets: Sequence[str], fmt: str, config: str | None, no_config: bool
) -> None:
    """List the rules: id, severity, category, title, and where each ruleset comes from.

    'rules check FILE...' validates rule files."""
    if ctx.invoked_subcommand is None:
        _list_rules(rulesets, fmt, config, no_config)


@command
def _list_rules(rulesets: Sequence[str], fmt: str, config: str | None, no_config: bool) -> None:
    from partnership_rules import render_rules

    click.echo(render_rules(_auditor(rulesets, config, no_config).rulesets, fmt), nl=False)


@rules.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@config_options
@command
def rules_check(paths: Sequence[str], config: str | None, no_config: bool) -> int:
    """Validate rule files (or directories of them): every problem, with file, line, rule id
    and field; exit 2 on any. Each file is also loaded beside what an audit would run it
    with: the shipped rulesets, those installed packages publish, and the project
    configuration's rulesets; an id or name that clashes with theirs is a problem. A file
    that declares a shipped ruleset's name is checked in that ruleset's place."""
    from partnership_rules import (
        RulesetError,
        expand_rule_paths,
        load_ruleset,
        load_rulesets,
        published_rule_files,
        shipped_ruleset_names,
    )

    files = expand_rule_paths(paths)
    if not files:
        fail("no .yaml, .yml or .json rule files found in " + ", ".join(paths))
    project = project_config(config, no_config)
    beside = [*published_rule_files(), *expand_rule_paths(project.rulesets)]
    problems = count = 0
    for path in files:
        others = [other for other in beside if not _same_file(other, path)]
        try:
            ruleset = load_ruleset(path)
            # A rule that clashes with one an audit runs beside it cannot run. A file that
            # declares a shipped ruleset's name is a new version of it (the checkout's own
            # rulesets/, or an edited copy): it is checked in that ruleset's place.
            shipped = [name for name in shipped_ruleset_names() if name != ruleset.name]
            load_rulesets([*shipped, *others, path])
        except RulesetError as refused:
            error(refused.describe())
            problems += len(refused.problems)
            continue
        count += len(ruleset.rules)
    if problems:
        error(f"{problems} problem(s) in {len(files)} rule file(s)")
        return ExitCode.INPUT_ERROR
    click.echo(f"{len(files)} rule file(s), {count} rule(s): no problems")
    return ExitCode.OK


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one is missing: loading it says so
        return False


@rules.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@engine_option("Rule engine to run the examples on (default: the one an audit uses).")
@command
def rules_test(paths: Sequence[str], engine: str | None) -> int:
    """Run the examples of every rule in rule files (or directories of them): each failure
    with its file, rule and case; exit 1 on any."""
    from partnership_rules import expand_rule_paths, run_rule_examples

    files = expand_rule_paths(paths)
    if not files:
        fail("no .yaml, .yml or .json rule files found in " + ", ".join(paths))
    cases = failed = 0
    for path in files:
        count, failures = run_rule_examples(path, engine=engine)
        cases += count
        failed += len(failures)
        for failure in failures:
            error(failure.describe(path))
    if failed:
        error(f"{failed} of {cases} example(s) failed")
        return ExitCode.FINDINGS
    click.echo(f"{len(files)} rule file(s), {cases} example(s): all pass")
    return ExitCode.OK


@rules.command("reference")
@command
def rules_reference() -> None:
    """Print the rule language reference (docs/rule-language.md): rule fields, conditions,
    operators, placeholders and every fact field."""
    from partnership_rules import rule_language_markdown

    click.echo(rule_language_markdown(), nl=False)


@click.command()
@click.argument("rule_id")
@ruleset_option(_RULESETS_HELP)
@config_options
@command
def explain(rule_id: str, rulesets: Sequence[str], config: str | None, no_config: bool) -> None:
    """Explain a rule or a group: what it checks (a group: what it gathers, its parts, how
    its severity is decided), why it matters, what to do, and its sources."""
    from partnership_rules import explain_text

    loaded = _auditor(rulesets, config, no_config).rulesets
    click.echo(explain_text(rule_id, loaded), nl=False)


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
