"""partnership-rules: rules-based health checks for partnerships between organisations.

>>> from partnership_rules import audit
>>> report = audit("examples/craven-swissport.yaml")   # doctest: +SKIP
>>> [f.rule for f in report.findings]                   # doctest: +SKIP

The pipeline is load -> build graph -> derive facts -> run rules -> render; each stage is
a plain function exported here. Nothing in the library prints, and an :class:`Auditor`
may be shared between threads.

Each public name is imported on first use (``from partnership_rules import audit`` loads
the auditing modules, not the history store or the renderers), so a short-lived command
pays only for what it uses. The imports under ``TYPE_CHECKING`` below are the one list of
public names and the modules that define them: type checkers and editors read them as
ordinary imports, and :func:`__getattr__` reads them to import a name when it is asked for.
"""

import typing as _typing

if _typing.TYPE_CHECKING:
    from ._action_plan import action_plan
    from ._audit import Auditor, RecordSource, audit
    from ._batch import (
        DEFAULT_TIME_LIMIT,
        BatchInput,
        BatchItem,
        BatchOptions,
        audit_batch,
        collect_inputs,
    )
    from ._batch_output import BATCH_FORMATS, BatchSummary, BatchWriter, render_piece
    from ._compare import (
        AuditSide,
        Comparison,
        ScoreChange,
        compare_reports,
        compare_with_baseline,
        load_report,
    )
    from ._config import ProjectConfig, find_config, load_config
    from ._coverage import coverage_markdown, coverage_problems
    from ._errors import (
        ConfigError,
        HistoryError,
        OutputError,
        PartnershipRulesError,
        Problem,
        RecordError,
        RulesetError,
        UsageError,
    )
    from ._graph import build_graph
    from ._history import (
        History,
        HistoryEntry,
        HistoryStore,
        StoredPartnership,
        Trend,
        TrendEntry,
        load_history,
        load_trend,
    )
    from ._instruments import Instrument, Instruments, load_instruments, shipped_instruments
    from ._loader import DataLimits, ParsedData, load_record, read_data_file, record_from_data
    from ._network_view import partnership_network
    from ._output import TextSink, open_output
    from ._partner_table import partner_table
    from ._profile import health_profile
    from ._recformat import record_format_markdown, record_json_schema
    from ._record import Record, Waiver, parse_date
    from ._record_template import TEMPLATE_CONTEXTS, record_template
    from ._render_progress import render_comparison, render_history
    from ._report import (
        ActionItem,
        AuditError,
        ContributionShare,
        Disagreements,
        ErrorReport,
        Finding,
        HealthProfile,
        ItemDisagreement,
        NetworkEdge,
        NetworkNode,
        PairDisagreement,
        PartnerRow,
        PartnershipNetwork,
        Report,
        Score,
        ScoreCause,
        WaivedFinding,
        read_reports,
    )
    from ._rule_examples import (
        ExampleFailure,
        apply_example,
        base_record,
        base_record_names,
        merge_fragment,
        run_rule_examples,
    )
    from ._rule_language import rule_language_markdown
    from ._rule_loader import (
        expand_rule_paths,
        load_ruleset,
        load_rulesets,
        published_rule_files,
        shipped_ruleset_names,
    )
    from ._rule_model import CompiledRule, Rule, Ruleset
    from ._ruledocs import (
        RULE_FORMATS,
        describe_group,
        describe_rule,
        explain_text,
        find_group,
        find_rule,
        render_rules,
        rules_markdown,
    )
    from ._sources import sources_markdown
    from ._vocabulary import CATEGORIES, PROGRESS_FORMATS, SEVERITIES
    from .engines import ENGINE_ENV, available_engines
    from .facts import FACT_SCHEMAS, derive_facts
    from .render import FORMATS, render, render_batch, safe_terminal_text

__version__ = "0.1.0"

__all__ = [
    "BATCH_FORMATS",
    "CATEGORIES",
    "DEFAULT_TIME_LIMIT",
    "ENGINE_ENV",
    "FACT_SCHEMAS",
    "FORMATS",
    "PROGRESS_FORMATS",
    "RULE_FORMATS",
    "SEVERITIES",
    "TEMPLATE_CONTEXTS",
    "ActionItem",
    "AuditError",
    "AuditSide",
    "Auditor",
    "BatchInput",
    "BatchItem",
    "BatchOptions",
    "BatchSummary",
    "BatchWriter",
    "Comparison",
    "CompiledRule",
    "ConfigError",
    "ContributionShare",
    "DataLimits",
    "Disagreements",
    "ErrorReport",
    "ExampleFailure",
    "Finding",
    "HealthProfile",
    "History",
    "HistoryEntry",
    "HistoryError",
    "HistoryStore",
    "Instrument",
    "Instruments",
    "ItemDisagreement",
    "NetworkEdge",
    "NetworkNode",
    "OutputError",
    "PairDisagreement",
    "ParsedData",
    "PartnerRow",
    "PartnershipNetwork",
    "PartnershipRulesError",
    "ProjectConfig",
    "Problem",
    "Record",
    "Waiver",
    "WaivedFinding",
    "RecordError",
    "RecordSource",
    "Report",
    "Rule",
    "Ruleset",
    "RulesetError",
    "Score",
    "ScoreCause",
    "ScoreChange",
    "StoredPartnership",
    "Trend",
    "TrendEntry",
    "TextSink",
    "UsageError",
    "__version__",
    "action_plan",
    "apply_example",
    "audit",
    "audit_batch",
    "available_engines",
    "base_record",
    "base_record_names",
    "build_graph",
    "collect_inputs",
    "compare_reports",
    "compare_with_baseline",
    "coverage_markdown",
    "coverage_problems",
    "derive_facts",
    "describe_group",
    "describe_rule",
    "explain_text",
    "find_group",
    "find_rule",
    "health_profile",
    "load_history",
    "load_trend",
    "load_instruments",
    "load_record",
    "load_report",
    "expand_rule_paths",
    "published_rule_files",
    "find_config",
    "load_config",
    "load_ruleset",
    "load_rulesets",
    "merge_fragment",
    "open_output",
    "shipped_instruments",
    "shipped_ruleset_names",
    "parse_date",
    "partner_table",
    "partnership_network",
    "read_data_file",
    "read_reports",
    "record_format_markdown",
    "record_from_data",
    "record_json_schema",
    "record_template",
    "render",
    "render_batch",
    "render_comparison",
    "render_history",
    "render_piece",
    "render_rules",
    "rule_language_markdown",
    "rules_markdown",
    "run_rule_examples",
    "safe_terminal_text",
    "sources_markdown",
]


def _exports() -> dict[str, str]:
    """Each public name and its module, read from the ``TYPE_CHECKING`` imports of this file."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "_typing.TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name: "." * node.level + (node.module or "")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


_EXPORTS = _exports()


def __getattr__(name: str) -> object:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value  # from now on a plain attribute
    return value


# ``render`` names both a function and the subpackage that defines it. Importing a subpackage
# for the first time sets the package attribute of that name to the module, so import it now
# and bind the function after it.
from .render import render  # noqa: E402


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
