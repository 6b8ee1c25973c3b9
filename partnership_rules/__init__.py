"""partnership-rules: rules-based health checks for partnerships between organisations.

>>> from partnership_rules import audit
>>> report = audit("examples/craven-swissport.yaml")   # doctest: +SKIP
>>> [f.rule for f in report.findings]                   # doctest: +SKIP

The pipeline is load -> build graph -> derive facts -> run rules -> render; each stage is
a plain function exported here. Nothing in the library prints, and an :class:`Auditor`
may be shared between threads.
"""

from ._audit import Auditor, RecordSource, audit
from ._compare import (
    AuditSide,
    Comparison,
    ScoreChange,
    compare_reports,
    compare_with_baseline,
    load_report,
)
from ._errors import (
    HistoryError,
    PartnershipRulesError,
    Problem,
    RecordError,
    RulesetError,
    UsageError,
)
from ._graph import build_graph
from ._history import History, HistoryEntry, HistoryStore, StoredPartnership, load_history
from ._loader import DataLimits, ParsedData, load_record, read_data_file, record_from_data
from ._recformat import record_format_markdown, record_json_schema
from ._record import Record, parse_date
from ._record_template import TEMPLATE_CONTEXTS, record_template
from ._render_progress import PROGRESS_FORMATS, render_comparison, render_history
from ._report import AuditError, ErrorReport, Finding, Report, read_reports
from ._rule_loader import load_rulesets
from ._rule_model import CompiledRule, Rule, Ruleset
from ._sources import sources_markdown
from ._vocabulary import CATEGORIES, SEVERITIES
from .engines import ENGINE_ENV, available_engines
from .facts import FACT_SCHEMAS, derive_facts
from .render import FORMATS, render, render_batch, safe_terminal_text

__version__ = "0.1.0"

__all__ = [
    "CATEGORIES",
    "ENGINE_ENV",
    "FACT_SCHEMAS",
    "FORMATS",
    "PROGRESS_FORMATS",
    "SEVERITIES",
    "TEMPLATE_CONTEXTS",
    "AuditError",
    "AuditSide",
    "Auditor",
    "Comparison",
    "CompiledRule",
    "DataLimits",
    "ErrorReport",
    "Finding",
    "History",
    "HistoryEntry",
    "HistoryError",
    "HistoryStore",
    "ParsedData",
    "PartnershipRulesError",
    "Problem",
    "Record",
    "RecordError",
    "RecordSource",
    "Report",
    "Rule",
    "Ruleset",
    "RulesetError",
    "ScoreChange",
    "StoredPartnership",
    "UsageError",
    "__version__",
    "audit",
    "available_engines",
    "build_graph",
    "compare_reports",
    "compare_with_baseline",
    "derive_facts",
    "load_history",
    "load_record",
    "load_report",
    "load_rulesets",
    "parse_date",
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
    "safe_terminal_text",
    "sources_markdown",
]
