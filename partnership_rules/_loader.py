"""Load a record file safely: bounded size, depth and alias expansion, no object-building tags.

YAML is read as a stream of parser events (libyaml's C parser where PyYAML has it) and built
into plain dicts, lists and scalars here, so that every limit is enforced *while* reading:
nothing deeper than ``MAX_DEPTH``, no more than ``MAX_NODES`` values in all (an alias counts
every value it repeats, so an alias bomb stops early), no duplicate keys, no merge keys,
and only the standard scalar tags. The line of every value is kept, so that a validation
error on ``actions[0].responsible[1]`` can name its line.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._catalogue import check_self_assessment
from ._errors import Problem, RecordError
from ._record import ID_PATTERN as _ID_PATTERN
from ._record import Record, check_references

__all__ = ["MAX_BYTES", "load_record", "parse_text", "read_text", "record_from_data"]

MAX_BYTES = 5 * 1024 * 1024  # a 20-partner record is about 22 KB
MAX_DEPTH = 64  # record format v1 nests 4 levels deep
MAX_NODES = 500_000  # values built, aliases expanded

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MAP_TAG = _TAG + "map"
_SEQ_TAG = _TAG + "seq"

PathKey = tuple[str | int, ...]


@dataclass
class _Parsed:
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)


class _Abort(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


class _YamlBuilder:
    """Builds plain Python values from YAML parser events, enforcing the limits above."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.loader = _Loader("")  # only used to resolve and construct plain scalars
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.lines: dict[PathKey, int] = {}

    def _count(self, n: int, event: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise _Abort(
                Problem(
                    f"document expands to more than {MAX_NODES:,} values"
                    " (alias expansion or size limit)",
                    line=_line(event),
                )
            )

    def build(self) -> Any:
        events = yaml.parse(self.text, Loader=_Loader)
        documents: list[Any] = []
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                if documents:
                    raise _Abort(
                        Problem("a record file holds one YAML document", line=_line(event))
                    )
                documents.append(self._value(events, next(events), (), 0)[0])
        if not documents:
            raise _Abort(Problem("empty file: expected a partnership record"))
        return documents[0]

    def build_until_too_deep(self) -> None:
        """Build, ignoring YAML errors: only the depth limit's :class:`_Abort` escapes."""
        with contextlib.suppress(yaml.YAMLError):
            self.build()

    def _scalar(self, event: Any, path: PathKey = ()) -> Any:
        where = _format_path(path)
        tag = event.tag
        if tag is None or tag == "!":
            plain = event.implicit[0]
            tag = self.loader.resolve(yaml.ScalarNode, event.value, (plain, False))
            if tag == _TAG + "timestamp":
                # Dates stay text here; the record model parses them the same way as JSON's.
                return event.value
        if tag not in _SCALAR_TAGS:
            raise _Abort(
                Problem(f"tag '{_tag_name(event.tag)}' is not allowed", where, _line(event))
            )
        if tag == _TAG + "timestamp" or tag == _TAG + "str":
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            value = self.loader.construct_object(node)
        except (ValueError, yaml.YAMLError) as error:
            raise _Abort(
                Problem(f"cannot read {_shorten(event.value)}: {error}", where, _line(event))
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise _Abort(
                Problem(f"{_shorten(event.value)} is not a finite number", where, _line(event))
            )
        return value

    def _value(
        self, events: Iterator[Any], event: Any, path: PathKey, depth: int
    ) -> tuple[Any, int]:
        """Build the value that starts with ``event``; return it and how many values it holds."""
        if depth > MAX_DEPTH:
            raise _Abort(Problem(f"nested more than {MAX_DEPTH} levels deep", line=_line(event)))
        self.lines.setdefault(path, _line(event) or 0)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise _Abort(Problem(f"unknown alias '*{event.anchor}'", line=_line(event)))
            shared, shared_size = self.anchors[event.anchor]
            self._count(shared_size, event)
            return shared, shared_size
        self._count(1, event)
        if isinstance(event, yaml.ScalarEvent):
            value: Any = self._scalar(event, path)
            size = 1
        elif isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in (None, "!", _SEQ_TAG):
                raise _Abort(
                    Problem(
                        f"tag '{_tag_name(event.tag)}' is not allowed",
                        _format_path(path),
                        _line(event),
                    )
                )
            value, size = [], 1
            item = next(events)
            while not isinstance(item, yaml.SequenceEndEvent):
                child, child_size = self._value(events, item, (*path, len(value)), depth + 1)
                value.append(child)
                size += child_size
                item = next(events)
        elif isinstance(event, yaml.MappingStartEvent):
            if event.tag not in (None, "!", _MAP_TAG):
                raise _Abort(
                    Problem(
                        f"tag '{_tag_name(event.tag)}' is not allowed",
                        _format_path(path),
                        _line(event),
                    )
                )
            value, size = {}, 1
            key_event = next(events)
            while not isinstance(key_event, yaml.MappingEndEvent):
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise _Abort(Problem("mapping keys must be plain text", line=_line(key_event)))
                if key_event.value == "<<" and key_event.implicit[0]:
                    raise _Abort(
                        Problem(
                            "merge keys ('<<') are not allowed",
                            _format_path((*path, "<<")),
                            _line(key_event),
                        )
                    )
                key = self._scalar(key_event, path)
                if not isinstance(key, str):
                    key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in value:
                    raise _Abort(
                        Problem(
                            f"duplicate key '{key}'",
                            _format_path((*path, key)),
                            _line(key_event),
                        )
                    )
                child, child_size = self._value(events, next(events), (*path, key), depth + 1)
                value[key] = child
                size += child_size
                key_event = next(events)
        else:
            raise _Abort(
                Problem(f"unexpected YAML event {type(event).__name__}", line=_line(event))
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        return value, size


def _tag_name(tag: str) -> str:
    """A tag as it was written: ``!!python/name:os.system``, not its expanded URI."""
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return shown if len(shown) <= 60 else shown[:60] + "..."


def _shorten(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut short: a hostile value must not flood the terminal."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse_yaml(text: str) -> _Parsed:
    builder = _YamlBuilder(text)
    try:
        data = builder.build()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        if "nesting depth" in str(error.problem) and mark is not None:
            # libyaml (PyYAML >= 6.0.4) has its own nesting limit (1,000 levels) and its scanner
            # reads ahead, so it can trip before ``MAX_DEPTH`` is crossed here. The text up to
            # its mark nests less than its limit: building that again names the line where the
            # project's own limit is crossed, so the message is the same with any PyYAML.
            _YamlBuilder(text[: mark.index]).build_until_too_deep()
            raise _Abort(
                Problem(f"nested more than {MAX_DEPTH} levels deep", line=mark.line + 1)
            ) from None
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "invalid YAML"
        raise _Abort(Problem(f"invalid YAML: {reason}", line=line)) from None
    except yaml.YAMLError as error:
        raise _Abort(Problem(f"invalid YAML: {error}")) from None
    return _Parsed(data, builder.lines)


class _Duplicates(dict):  # type: ignore[type-arg]
    """A JSON object that had a key twice: kept so that the walk below can name its path."""

    duplicate = ""


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    duplicate = None
    for key, value in pairs:
        if key in out and duplicate is None:
            duplicate = key
        out[key] = value
    if duplicate is None:
        return out
    marked = _Duplicates(out)
    marked.duplicate = duplicate
    return marked


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_depth_line(text: str) -> int | None:
    """The line where JSON text first nests deeper than ``MAX_DEPTH`` (strings skipped)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif token in ("]", "}"):
            depth -= 1
    return None


def _json_problem(data: Any) -> Problem | None:
    """The first duplicate key, non-finite number or excess of values, in document order,
    with its field path (JSON's parser reports none of these with a position)."""
    stack: list[tuple[Any, PathKey]] = [(data, ())]
    count = 0
    while stack:
        item, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            return Problem(f"document holds more than {MAX_NODES:,} values", _format_path(path))
        if isinstance(item, float) and not math.isfinite(item):
            name = "NaN" if math.isnan(item) else "infinity"
            return Problem(f"{name} is not a finite number", _format_path(path))
        if isinstance(item, _Duplicates):
            key = item.duplicate
            return Problem(f"duplicate key '{key}'", _format_path((*path, key)))
        if isinstance(item, dict):
            stack.extend((value, (*path, key)) for key, value in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((value, (*path, i)) for i, value in reversed(list(enumerate(item))))
    return None


def _parse_json(text: str) -> _Parsed:
    try:
        # NaN, Infinity and 1e999 parse to non-finite floats, found (with their path) below.
        data = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as error:
        raise _Abort(
            Problem(f"invalid JSON: {error.msg} (column {error.colno})", line=error.lineno)
        ) from None
    except RecursionError:
        data = None  # nested far beyond MAX_DEPTH; the scan below finds where
    line = _json_depth_line(text)
    if line is not None:
        raise _Abort(Problem(f"nested more than {MAX_DEPTH} levels deep", line=line))
    problem = _json_problem(data)
    if problem is not None:
        raise _Abort(problem)
    return _Parsed(data)


def parse_text(text: str, *, json_format: bool) -> tuple[Any, dict[PathKey, int]]:
    """Parse record text into plain data and a map from field path to line (YAML only).

    Raises :class:`RecordError` (with an empty source) on malformed or hostile input.
    """
    try:
        parsed = _parse_json(text) if json_format else _parse_yaml(text)
    except _Abort as abort:
        raise RecordError("", [abort.problem]) from None
    return parsed.data, parsed.lines


def _validation_problems(error: ValidationError, lines: Mapping[PathKey, int]) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        # pydantic adds the union member or enum name to loc; keep only real field parts.
        loc = tuple(
            p
            for p in item["loc"]
            if isinstance(p, int) or not str(p).startswith(("function-", "literal["))
        )
        loc = tuple("from" if p == "from_" else p for p in loc)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        elif (
            item["type"] == "string_pattern_mismatch"
            and item.get("ctx", {}).get("pattern") == _ID_PATTERN
        ):
            value = item["input"]
            shown = _shorten(value) if isinstance(value, str) else repr(value)
            message = (
                f"{shown} is not a valid id (letters, digits, '.', '_' and '-', starting with"
                " a letter or digit, at most 100; no spaces or control characters)"
            )
        problems.append(Problem(message, _format_path(loc), _line_of(loc, lines)))
    return problems


def record_from_data(
    data: Any, *, source: str = "", lines: Mapping[PathKey, int] | None = None
) -> Record:
    """Validate plain data (as parsed from YAML or JSON) into a :class:`Record`.

    Every problem (types, enums, unknown fields, ids, references) is collected and raised
    together as one :class:`RecordError`.
    """
    lines = lines or {}
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        raise RecordError(
            source,
            [
                Problem(
                    f"expected a mapping (a partnership record), found {kind}",
                    line=1 if lines else None,
                )
            ],
        )
    try:
        record = Record.model_validate(data)
    except ValidationError as error:
        raise RecordError(source, _validation_problems(error, lines)) from None
    problems = check_references(record) + check_self_assessment(record)
    if problems:
        raise RecordError(source, [_with_line(p, lines) for p in problems]) from None
    return record


def _line_of(path: PathKey, lines: Mapping[PathKey, int]) -> int | None:
    """The line of the value at ``path``, or of its nearest enclosing value that has one."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]] or None
    return None


def _with_line(problem: Problem, lines: Mapping[PathKey, int]) -> Problem:
    key: list[str | int] = []
    for part in problem.path.replace("]", "").replace("[", ".").split("."):
        if part:
            key.append(int(part) if part.isdigit() else part)
    line = _line_of(tuple(key), lines)
    return Problem(problem.message, problem.path, line) if line else problem


def read_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file of at most ``max_bytes`` (a byte order mark is dropped).

    Raises :class:`RecordError` naming the file: unreadable, too large, UTF-16, binary data
    or not UTF-8 (with the line of the first bad byte).
    """
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise RecordError(
            source, [Problem(f"cannot read file: {error.strerror or error}")]
        ) from None
    if len(raw) > max_bytes:
        raise RecordError(source, [Problem(f"file is larger than the {max_bytes:,}-byte limit")])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordError(source, [Problem("UTF-16 text: save the file as UTF-8", line=1)])
    if b"\x00" in raw:
        raise RecordError(source, [Problem("binary data, not a text record")])
    try:
        return raw.decode("utf-8-sig")  # a UTF-8 byte order mark is accepted and dropped
    except UnicodeDecodeError as error:
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        line = body.count(b"\n", 0, error.start) + 1
        raise RecordError(
            source, [Problem(f"not UTF-8 text (bad byte 0x{body[error.start]:02x})", line=line)]
        ) from None


def load_record(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> Record:
    """Read, parse and validate one record file (``.json``, else YAML).

    Raises :class:`RecordError` naming the file, and the field path and line where known.
    """
    source = str(path)
    text = read_text(path, max_bytes=max_bytes)
    try:
        data, lines = parse_text(text, json_format=Path(path).suffix.lower() == ".json")
    except RecordError as error:
        raise RecordError(source, error.problems) from None
    return record_from_data(data, source=source, lines=lines)
