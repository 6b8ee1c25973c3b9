"""Read untrusted data files safely: records, rule files, saved reports.

:func:`read_data_file` is the one way the project reads a YAML or JSON file it did not write
itself. It owns these guarantees, so every caller gets all of them:

- the path is checked with ``stat`` before it is opened: a directory, FIFO, device or socket
  is refused at once (and opened non-blocking, so a file swapped for a FIFO cannot hang it);
- the size limit is checked before reading, and no more than the limit is ever read;
- text must be UTF-8 (a byte order mark is dropped; UTF-16, NUL bytes, bad bytes and lone
  surrogates are refused);
- values are built from the parser's events (libyaml's C parser where PyYAML has it) with
  every limit enforced *while* reading: nesting depth, items in one list or mapping, values in
  all (an alias counts every value it repeats, so an alias bomb stops early); no duplicate
  keys, no merge keys, only the standard scalar tags, no non-finite numbers, no integer over
  Python's digit limit;
- YAML plain scalars are read as in YAML 1.2's core schema (JSON's numbers and ``true`` /
  ``false`` / ``null``); forms that YAML 1.1 readers take for something else (``yes``, ``on``,
  ``017``, ``0x1F``, ``1_000``, ``190:20:30``...) are refused with a message saying how to
  write the value, so no reader can silently misread a file that this one accepted.

Every failure is one :class:`~partnership_rules.RecordError` (or the caller's own error
type) naming the file, and the line or field path where known. Field paths are formatted and
lines looked up only when an error needs them.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml
from pydantic import ValidationError

from ._catalogue import check_self_assessment
from ._errors import PartnershipRulesError, Problem, RecordError
from ._instruments import Instruments, check_survey
from ._record import ID_PATTERN as _ID_PATTERN
from ._record import ITEM_ID_PATTERN, RULE_ID_PATTERN, SUBJECT_PATTERN, Record, check_references
from ._shipped_yaml import SAFE_LOADER

__all__ = [
    "MAX_BYTES",
    "RECORD_LIMITS",
    "DataLimits",
    "ParsedData",
    "load_record",
    "parse_text",
    "read_data_file",
    "read_text",
    "record_from_data",
]

MAX_BYTES = 5 * 1024 * 1024  # a 20-partner record is about 22 KB
MAX_DEPTH = 64  # record format v1 nests 4 levels deep
MAX_NODES = 500_000  # values built, aliases expanded
MAX_ITEMS = 10_000  # in one list or mapping: the longest list a record may hold
MAX_PROBLEMS = 100  # reported for one record; the rest are counted

PathKey = tuple[str | int, ...]
ErrorFactory = Callable[[str, list[Problem]], PartnershipRulesError]


@dataclass(frozen=True)
class DataLimits:
    """What one data file may cost. Each limit is checked while reading, before more is built."""

    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_values: int = MAX_NODES
    max_items: int = MAX_ITEMS


RECORD_LIMITS = DataLimits()

_Loader: type = SAFE_LOADER
_PythonLoader: type = yaml.SafeLoader

_TAG = "tag:yaml.org,2002:"
_STR_TAGS = {_TAG + "str", _TAG + "timestamp", "!"}  # dates stay text: the models parse them
_TYPED_TAGS = {_TAG + "int": int, _TAG + "float": float, _TAG + "bool": bool, _TAG + "null": None}
_MAP_TAGS = {None, "!", _TAG + "map"}
_SEQ_TAGS = {None, "!", _TAG + "seq"}

_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_StreamEndEvent = yaml.StreamEndEvent
_IGNORED_EVENTS = (yaml.StreamStartEvent, yaml.DocumentEndEvent)

# YAML 1.2 core schema (the JSON-compatible one), plus the YAML 1.1 forms it reads otherwise.
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_YAML11_BOOLS = frozenset(
    w for word in ("yes", "no", "on", "off", "y", "n") for w in (word, word.title(), word.upper())
)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# Anything plain that starts like a number or a YAML 1.1 word is checked; other text is text.
_MAYBE_TYPED = frozenset("0123456789+-.~nNtTfFyYoO")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Abort(Exception):
    """A problem found while reading; its field path is formatted only here, when it is needed."""

    def __init__(self, message: str, line: int | None = None, path: PathKey = ()) -> None:
        self.problem = Problem(message, _format_path(path), line)


def _shorten(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut short: a hostile value must not flood the terminal."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


def _tag_name(tag: str) -> str:
    """A tag as it was written: ``!!python/name:os.system``, not its expanded URI."""
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return shown if len(shown) <= 60 else shown[:60] + "..."


def _format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- where values were: kept as raw line numbers, looked up only for errors ------------------


class LineMap(Mapping[PathKey, int]):
    """The line of each value of a parsed YAML document, by field path.

    Built from one list (or dict) of line numbers per container, filled while parsing; a path
    is followed through the data only when an error asks for its line.
    """

    def __init__(self, root: Any = None, root_line: int | None = None) -> None:
        self._root = root
        self._root_line = root_line
        self._table: dict[int, Any] = {}  # id(container) -> its items' lines (list or dict)

    def nearest(self, path: PathKey) -> int | None:
        """The line of the value at ``path``, or of the nearest enclosing value that has one."""
        line, node = self._root_line, self._root
        for part in path:
            lines = self._table.get(id(node))
            if lines is None:
                break
            try:
                line, node = lines[part], node[part]
            except (KeyError, IndexError, TypeError):
                break
        return line

    def __getitem__(self, path: PathKey) -> int:
        line, node = self._root_line, self._root
        for part in path:
            lines = self._table.get(id(node))
            if lines is None:
                raise KeyError(path)
            try:
                line, node = lines[part], node[part]
            except (IndexError, TypeError):
                raise KeyError(path) from None
        if line is None:
            raise KeyError(path)
        return line

    def __iter__(self) -> Iterator[PathKey]:
        if self._root_line is None:
            return
        stack: list[tuple[PathKey, Any]] = [((), self._root)]
        while stack:
            path, node = stack.pop()
            yield path
            lines = self._table.get(id(node))
            if lines is not None:
                parts = lines if isinstance(lines, dict) else range(len(lines))
                stack.extend(((*path, part), node[part]) for part in parts)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return self._root_line is not None


@dataclass(frozen=True)
class ParsedData:
    """Plain data (dicts, lists, str, int, float, bool, None) read from a file, and the line of
    each value (YAML only; empty for JSON)."""

    data: Any
    lines: LineMap


# --- YAML ----------------------------------------------------------------------------------

_NO_KEY = object()  # a mapping frame waiting for its next key

# Messages for plain scalars that YAML 1.1 readers take for something else than YAML 1.2 does.
_BOOL_HINT = (
    "{} is a boolean to YAML 1.1 and text to YAML 1.2: write true or false, or quotes if it is text"
)
_NUMBER_HINT = (
    "{} is not a plain decimal number (YAML 1.1 and 1.2 read it differently):"
    " write decimal digits, such as 1000, or quotes if it is text"
)
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+|[-+]?0o[0-7]+")
_YAML11 = yaml.resolver.Resolver()
_YAML11_NUMBERS = {_TAG + "int", _TAG + "float"}


class _Refused(Exception):
    """A scalar that cannot be read; the reader adds its line and field path."""


def _plain_scalar(value: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it; :class:`_Refused` for a form that
    YAML 1.1 readers take differently, a non-finite number or an integer too long to read."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise _Refused(f"cannot read {_shorten(value)}: too many digits") from None
    if _LEADING_ZERO.fullmatch(value):
        raise _Refused(_NUMBER_HINT.format(_shorten(value)))
    if _FLOAT.fullmatch(value):
        number = float(value)
        if not math.isfinite(number):
            raise _Refused(f"{_shorten(value)} is not a finite number")
        return number
    if _NON_FINITE.fullmatch(value):
        raise _Refused(f"{_shorten(value)} is not a finite number")
    if value in _YAML11_BOOLS:
        raise _Refused(_BOOL_HINT.format(_shorten(value)))
    yaml11_tag = _YAML11.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if yaml11_tag in _YAML11_NUMBERS:
        raise _Refused(_NUMBER_HINT.format(_shorten(value)))
    return value


def _tagged_scalar(tag: str, value: str) -> Any:
    """A scalar with an explicit standard tag (``!!str``, ``!!int``...), read strictly."""
    if tag in _STR_TAGS:
        return value
    expected = _TYPED_TAGS[tag]
    read = _plain_scalar(value)
    if expected is None and read is None:
        return None
    if expected is bool and isinstance(read, bool):
        return read
    if expected is int and isinstance(read, int) and not isinstance(read, bool):
        return read
    if expected is float and isinstance(read, int | float) and not isinstance(read, bool):
        return float(read)
    raise _Refused(f"{_shorten(value)} is not a valid {_tag_name(tag)}")


class _YamlReader:
    """Builds plain values from YAML parser events, enforcing the limits as it goes.

    One frame per open container: ``[container, is_mapping, pending key, values inside,
    anchor, line, lines of its items]``.
    """

    def __init__(self, parser: Any, limits: DataLimits, what: str) -> None:
        self.get_event = parser.get_event
        self.limits = limits
        self.what = what
        self.stack: list[list[Any]] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.values = 0

    def path(self) -> PathKey:
        """The field path of the value being read (of the mapping, when a key is being read)."""
        path: list[str | int] = []
        for container, is_mapping, key, *_ in self.stack:
            if not is_mapping:
                path.append(len(container))
            elif key is not _NO_KEY:
                path.append(key)
        return tuple(path)

    def abort(self, message: str, line: int | None, path: PathKey | None = None) -> _Abort:
        return _Abort(message, line, self.path() if path is None else path)

    def read(self) -> ParsedData:
        get_event = self.get_event
        stack = self.stack
        anchors = self.anchors
        max_depth = self.limits.max_depth
        max_values = self.limits.max_values
        max_items = self.limits.max_items
        lines = LineMap()

        def top_is_key() -> bool:
            return bool(stack[-1][1] and stack[-1][2] is _NO_KEY)

        table = lines._table
        root: Any = None
        root_line: int | None = None
        documents = 0
        values = 0
        while True:
            event = get_event()
            kind = event.__class__
            if kind is _ScalarEvent:
                line = event.start_mark.line + 1
                if stack:
                    top = stack[-1]
                    if top[1] and top[2] is _NO_KEY:
                        key = event.value
                        if (
                            key in top[0]
                            or event.tag is not None
                            or event.anchor is not None
                            or key == "<<"
                            or len(top[0]) >= max_items
                        ):
                            self.key(top, event, line)  # refuses it, or records its anchor
                        top[2] = key
                        continue
                if len(stack) > max_depth:
                    raise self.abort(f"nested more than {max_depth} levels deep", line, ())
                value: Any = event.value
                try:
                    if event.tag is not None:
                        value = self.tagged(event.tag, value, line)
                    elif event.implicit[0]:
                        if not value or value[:1] in _MAYBE_TYPED:
                            value = _plain_scalar(value)
                    elif event.style == '"' and _LONE_SURROGATE.search(value):
                        raise _Refused("text holds a lone surrogate (not a Unicode character)")
                except _Refused as refused:
                    raise self.abort(str(refused), line) from None
                size = 1
                values += 1
                if values > max_values:
                    raise self.too_many_values(line)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
            elif kind is _MappingStartEvent or kind is _SequenceStartEvent:
                line = event.start_mark.line + 1
                is_mapping = kind is _MappingStartEvent
                if event.tag is not None or len(stack) > max_depth or (stack and top_is_key()):
                    self.check_start(event, line, is_mapping)
                values += 1
                if values > max_values:
                    raise self.too_many_values(line)
                container: Any = {} if is_mapping else []
                item_lines: Any = {} if is_mapping else []
                table[id(container)] = item_lines
                stack.append([container, is_mapping, _NO_KEY, 1, event.anchor, line, item_lines])
                continue
            elif kind is _SequenceEndEvent or kind is _MappingEndEvent:
                value, _, _, size, anchor, line, _ = stack.pop()
                if anchor is not None:
                    anchors[anchor] = (value, size)
            elif kind is _AliasEvent:
                line = event.start_mark.line + 1
                self.check_start(event, line, False)
                if event.anchor not in anchors:
                    raise self.abort(f"unknown alias '*{event.anchor}'", line, ())
                value, size = anchors[event.anchor]
                values += size
                if values > max_values:
                    raise self.too_many_values(line)
            elif kind is _DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Abort("more than one YAML document: a file holds one", _line(event))
                continue
            elif kind is _StreamEndEvent:
                break
            elif isinstance(event, _IGNORED_EVENTS):
                continue
            else:
                raise _Abort(f"unexpected YAML event {kind.__name__}", _line(event))
            if not stack:
                root, root_line = value, line
                continue
            top = stack[-1]
            top[3] += size
            if top[1]:
                top[0][top[2]] = value
                top[6][top[2]] = line
                top[2] = _NO_KEY
            else:
                if len(top[0]) >= self.limits.max_items:
                    raise self.too_many_items(line)
                top[0].append(value)
                top[6].append(line)
        if documents == 0:
            raise _Abort(f"empty file: expected {_article(self.what)} {self.what}")
        lines._root, lines._root_line = root, root_line
        return ParsedData(root, lines)

    def tagged(self, tag: str, value: str, line: int) -> Any:
        if tag not in _STR_TAGS and tag not in _TYPED_TAGS:
            raise self.abort(f"tag '{_tag_name(tag)}' is not allowed", line)
        return _tagged_scalar(tag, value)

    def check_start(self, event: Any, line: int, is_mapping: bool) -> None:
        """Checks on a container or alias before it is read: depth, tag, not a mapping key."""
        if self.stack:
            top = self.stack[-1]
            if top[1] and top[2] is _NO_KEY:
                raise self.abort("mapping keys must be plain text", line, ())
        if len(self.stack) > self.limits.max_depth:
            raise self.abort(f"nested more than {self.limits.max_depth} levels deep", line, ())
        tag = getattr(event, "tag", None)
        if tag not in (_MAP_TAGS if is_mapping else _SEQ_TAGS):
            raise self.abort(f"tag '{_tag_name(str(tag))}' is not allowed", line)

    def key(self, top: list[Any], event: Any, line: int) -> None:
        """Check a mapping key: always text, never a merge key or a key seen before."""
        if event.tag is not None and event.tag not in _STR_TAGS:
            raise self.abort(f"tag '{_tag_name(event.tag)}' is not allowed", line)
        key = event.value
        if key == "<<" and event.implicit[0]:
            raise self.abort("merge keys ('<<') are not allowed", line, (*self.path(), "<<"))
        container = top[0]
        if key in container:
            raise self.abort(f"duplicate key {_quoted(key)}", line, (*self.path(), key))
        if len(container) >= self.limits.max_items:
            raise self.too_many_items(line)
        if event.anchor is not None:
            self.anchors[event.anchor] = (key, 1)

    def too_many_items(self, line: int) -> _Abort:
        path = self.path()
        if not self.stack[-1][1]:
            path = path[:-1]  # the list, not the item that would be one too many
        return self.abort(
            f"more than {self.limits.max_items:,} items in one list or mapping", line, path
        )

    def too_many_values(self, line: int) -> _Abort:
        return self.abort(
            f"document expands to more than {self.limits.max_values:,} values"
            " (alias expansion or size limit)",
            line,
            (),
        )


def _line(event: Any) -> int | None:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _article(noun: str) -> str:
    return "an" if noun[:1] in ("a", "e", "i", "o", "u") else "a"


def _quoted(key: str) -> str:
    return f"'{key}'" if len(key) <= 40 and key.isprintable() else _shorten(key)


def _read_yaml(
    text: str, limits: DataLimits, what: str, parser_class: type = _Loader
) -> ParsedData:
    parser = parser_class(text)
    try:
        return _YamlReader(parser, limits, what).read()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        if "nesting depth" in str(error.problem) and mark is not None:
            # libyaml (PyYAML >= 6.0.4) has its own nesting limit (1,000 levels) and its scanner
            # reads ahead, so it can trip before ``max_depth`` is crossed here. The text up to
            # its mark nests less than its limit: reading that again names the line where the
            # project's own limit is crossed, so the message is the same with any PyYAML.
            with contextlib.suppress(yaml.YAMLError):
                _YamlReader(parser_class(text[: mark.index]), limits, what).read()
            raise _Abort(
                f"nested more than {limits.max_depth} levels deep", mark.line + 1
            ) from None
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or error.context or "invalid YAML"
        raise _Abort(f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as error:
        raise _Abort(f"invalid YAML: {error}") from None
    finally:
        parser.dispose()


# --- JSON ----------------------------------------------------------------------------------
#
# ``json.loads`` (C) builds values far faster than any walk over them costs, so the common case
# is checked on the text before parsing, with string operations that run in C: the structure
# outside strings gives the nesting depth and a bound on values and items. Only a document
# that could break a limit (or has a duplicate key, a non-finite number, an escaped surrogate)
# takes the careful path, which walks the parsed values to name the field.

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_PARENS = bytes.maketrans(b"[]{}", b"()()")
_VALUE_BYTES = b":0123456789+-.eEtrueflsnNaIiy"  # deleted from the skeleton
_INNERMOST = re.compile(rb"\(,*\)")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Recheck(Exception):
    """Raised by the fast path's hooks: read again carefully to name the problem's field."""


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Recheck
    return out


def _finite_float(text: str) -> float:
    number = float(text)
    if number - number != 0.0:  # inf - inf and nan - nan are nan; finite numbers give 0.0
        raise _Recheck
    return number


def _no_constant(text: str) -> float:
    raise _Recheck


class _Duplicates(dict):  # type: ignore[type-arg]
    """A JSON object that had a key twice: kept so that the walk below can name its path."""

    duplicate = ""


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    marked = _Duplicates(out)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _json_structure(text: str) -> tuple[bytes, int]:
    """The skeleton of valid JSON text (its brackets and commas outside strings, with ``(``
    and ``)`` for either kind of bracket), and how many values it holds.

    Only meaningful for valid JSON (the parser decides that); escaped backslashes and quotes
    are removed first, so that splitting on quotes leaves the text outside strings at even
    positions. Outside strings valid JSON has only ASCII brackets, punctuation, whitespace,
    numbers and the words true, false, null, NaN and Infinity.
    """
    plain = text.replace("\\\\", "").replace('\\"', "") if "\\" in text else text
    outside = "".join(plain.split('"')[::2]).encode("ascii", "ignore").translate(None, b" \t\n\r")
    empty = outside.count(b"[]") + outside.count(b"{}")
    skeleton = outside.translate(_PARENS, _VALUE_BYTES)
    commas = skeleton.count(b",")
    # Each element of a container but the first follows a comma: values = the top-level value
    # + commas + one per non-empty container.
    return skeleton, 1 + commas + (len(skeleton) - commas) // 2 - empty


def _skeleton_problem(
    skeleton: bytes, max_containers: int, max_items: int, *, quick: bool = False
) -> str | None:
    """``"depth"`` if the skeleton nests more than ``max_containers`` containers, ``"items"``
    if one container holds more than ``max_items`` items, else None. Each pass removes the
    innermost containers (whose commas are then next to each other), so ``max_containers``
    passes leave only deeper nesting; a run of more opening brackets than the depth left is
    deeper at once. ``quick`` looks for such a run only (a sure sign, not the only one)."""
    nesting = skeleton
    for passes in range(max_containers):
        if not nesting:
            return None
        if b"(" * (max_containers + 1 - passes) in nesting:
            return "depth"
        if quick:
            return None
        innermost = _INNERMOST.findall(nesting)
        if innermost and max(map(len, innermost)) - 1 > max_items:  # "(,,)" holds 3 items
            return "items"
        nesting = _INNERMOST.sub(b"", nesting)
    return "depth" if nesting else None


def _json_depth_line(text: str, max_depth: int) -> int | None:
    """The line where JSON text first nests deeper than ``max_depth`` (strings skipped)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                return text.count("\n", 0, match.start()) + 1
        elif token in ("]", "}"):
            depth -= 1
    return None


def _json_digits_line(text: str) -> int | None:
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    match = re.search(f"[0-9]{{{limit + 1},}}", text) if limit else None
    return text.count("\n", 0, match.start()) + 1 if match else None


def _json_problem(data: Any, limits: DataLimits, surrogates: bool) -> _Abort | None:
    """The first problem in ``data``, in document order, with its field path: too many items
    in one container, a duplicate key, a non-finite number, a lone surrogate (looked for only
    if ``surrogates``: the text escapes one)."""

    def walk(node: Any, path: PathKey) -> _Abort | None:
        if len(node) > limits.max_items:
            return _Abort(f"more than {limits.max_items:,} items in one list or mapping", path=path)
        if isinstance(node, _Duplicates):
            return _Abort(f"duplicate key {_quoted(node.duplicate)}", path=(*path, node.duplicate))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if surrogates and isinstance(key, str) and _LONE_SURROGATE.search(key):
                return _Abort("a key holds a lone surrogate (not a Unicode character)", path=path)
            kind = type(value)
            if kind is dict or kind is list or kind is _Duplicates:
                problem = walk(value, (*path, key))
                if problem is not None:
                    return problem
            elif kind is float and not math.isfinite(value):
                name = "NaN" if math.isnan(value) else "infinity"
                return _Abort(f"{name} is not a finite number", path=(*path, key))
            elif surrogates and kind is str and _LONE_SURROGATE.search(value):
                return _Abort(
                    "text holds a lone surrogate (not a Unicode character)", path=(*path, key)
                )
        return None

    if isinstance(data, dict | list):
        return walk(data, ())
    if isinstance(data, float) and not math.isfinite(data):
        return _Abort(
            "NaN is not a finite number" if math.isnan(data) else "infinity is not a finite number"
        )
    if isinstance(data, str) and _LONE_SURROGATE.search(data):
        return _Abort("text holds a lone surrogate (not a Unicode character)")
    return None


def _invalid_json(error: json.JSONDecodeError) -> _Abort:
    return _Abort(f"invalid JSON: {error.msg} (column {error.colno})", error.lineno)


def _read_json(text: str, limits: DataLimits) -> ParsedData:
    # Levels of nesting below the top-level value, as in YAML: one more container than that.
    containers = limits.max_depth + 1
    skeleton, values = _json_structure(text)
    if values > limits.max_values:
        # Refused before anything is built. The count is exact for valid JSON, so first make
        # sure that it is valid (a parse that keeps next to nothing).
        too_deep = _skeleton_problem(skeleton, containers, limits.max_items, quick=True) == "depth"
        _json_syntax_check(text)
        if too_deep:
            line = _json_depth_line(text, containers)
            raise _Abort(f"nested more than {limits.max_depth} levels deep", line)
        raise _Abort(f"document holds more than {limits.max_values:,} values")
    problem = _skeleton_problem(skeleton, containers, limits.max_items)
    too_deep = problem == "depth"
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    if problem is None and not surrogates:
        try:
            data = json.loads(
                text,
                object_pairs_hook=_unique_object,
                parse_float=_finite_float,
                parse_constant=_no_constant,
            )
        except json.JSONDecodeError as error:
            raise _invalid_json(error) from None
        except (_Recheck, ValueError, RecursionError):
            pass  # read again carefully below, to name the field
        else:
            return ParsedData(data, _NO_LINES)
    # NaN, Infinity and 1e999 parse to non-finite floats, found (with their path) below.
    try:
        data = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as error:
        raise _invalid_json(error) from None
    except RecursionError:
        data, too_deep = None, True  # nested far beyond max_depth; the scan below finds where
    except ValueError:  # an integer over Python's digit limit (sys.get_int_max_str_digits)
        raise _Abort("a number with too many digits to read", _json_digits_line(text)) from None
    if too_deep:
        line = _json_depth_line(text, containers)
        raise _Abort(f"nested more than {limits.max_depth} levels deep", line)
    found = _json_problem(data, limits, surrogates)
    if found is not None:
        raise found
    return ParsedData(data, _NO_LINES)


def _json_syntax_check(text: str) -> None:
    """Raise the parser's own error if ``text`` is not JSON, building as little as possible."""
    try:
        json.loads(text, object_pairs_hook=_discard, parse_float=_discard)
    except json.JSONDecodeError as error:
        raise _invalid_json(error) from None
    except (ValueError, RecursionError):
        pass


def _discard(_: Any) -> None:
    return None


_NO_LINES = LineMap()


# --- files ---------------------------------------------------------------------------------

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat cannot block the open
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _not_a_file(mode: int) -> _Abort | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    return _Abort(f"not a regular file: {kind}")


def _cannot_read(error: OSError) -> _Abort:
    reason = error.strerror or str(error)
    if error.errno == errno.ELOOP:
        reason = "too many levels of symbolic links"
    return _Abort(f"cannot read file: {reason}")


def _read_bytes(source: str | bytes, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of a regular file, checked with ``stat`` before it is opened."""
    try:
        info = os.stat(source)
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        raise _cannot_read(error) if isinstance(error, OSError) else _Abort(str(error)) from None
    refused = _not_a_file(info.st_mode)
    if refused is not None:
        raise refused
    if info.st_size > max_bytes:
        raise _Abort(f"file is larger than the {max_bytes:,}-byte limit")
    try:
        descriptor = os.open(source, _OPEN_FLAGS)
    except OSError as error:
        raise _cannot_read(error) from None
    with open(descriptor, "rb", closefd=True) as handle:
        refused = _not_a_file(os.fstat(descriptor).st_mode)
        if refused is not None:
            raise refused
        try:
            raw = handle.read(max_bytes + 1)  # a file that grew since the stat stops here
        except OSError as error:
            raise _cannot_read(error) from None
    if len(raw) > max_bytes:
        raise _Abort(f"file is larger than the {max_bytes:,}-byte limit")
    return raw


def _decode(raw: bytes) -> str:
    """UTF-8 text (a byte order mark is dropped); anything else is refused with its line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Abort("UTF-16 text: save the file as UTF-8", 1)
    if b"\x00" in raw:
        raise _Abort("binary data, not a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        line = body.count(b"\n", 0, error.start) + 1
        raise _Abort(f"not UTF-8 text (bad byte 0x{body[error.start]:02x})", line) from None


def _parse(text: str, json_format: bool, limits: DataLimits, what: str) -> ParsedData:
    if json_format:
        return _read_json(text, limits)
    return _read_yaml(text, limits, what)


def read_data_file(
    path: str | os.PathLike[str],
    *,
    limits: DataLimits = RECORD_LIMITS,
    json_format: bool | None = None,
    error: ErrorFactory = RecordError,
    what: str = "partnership record",
) -> ParsedData:
    """Read a YAML or JSON data file the project did not write itself, within ``limits``.

    Use this for every untrusted file: records, rule files, saved reports used as baselines.
    Whatever is wrong (not a regular file, too big, not UTF-8, malformed, nested too deep,
    too many values, a duplicate key, an unsupported tag, a YAML 1.1-only form, a number too
    long or not finite) is raised as ``error(source, [problem])`` (by default
    :class:`RecordError`; pass :class:`RulesetError` or your own factory) naming the file,
    and the line or field path where known. ``json_format`` defaults to the file's suffix
    (``.json``, else YAML); ``what`` names what the file should hold, for the empty-file
    message. Nothing is read from a FIFO or device, and no more than ``limits.max_bytes``.
    """
    source = os.fspath(path)
    if json_format is None:
        json_format = source.lower().endswith(".json")
    try:
        text = _decode(_read_bytes(source, limits.max_bytes))
        return _parse(text, json_format, limits, what)
    except _Abort as abort:
        raise error(source, [abort.problem]) from None


def parse_text(
    text: str,
    *,
    json_format: bool,
    limits: DataLimits = RECORD_LIMITS,
    what: str = "partnership record",
) -> tuple[Any, Mapping[PathKey, int]]:
    """Parse record text into plain data and a map from field path to line (YAML only),
    within ``limits``. Raises :class:`RecordError` (with an empty source) on malformed or
    hostile input; ``what`` names what the text should hold, for the empty-text message."""
    try:
        parsed = _parse(text, json_format, limits, what)
    except _Abort as abort:
        raise RecordError("", [abort.problem]) from None
    return parsed.data, parsed.lines


# --- records -------------------------------------------------------------------------------

_EXPECTED = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "date_type": "a date",
}
# pydantic adds the member of a union (``float``, ``constrained-str``) to an error's location.
_UNION_MEMBERS = {"float", "int", "bool", "str", "constrained-str", "constrained-float"}


def _kind_of(value: Any) -> str:
    """How a value that has the wrong type reads in a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {_shorten(value)}"
    if isinstance(value, int | float):
        return f"the number {value!r}"[:60]
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _problem_message(item: Any) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "value_error":
        return str(item["msg"]).removeprefix("Value error, ")
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {_kind_of(item['input'])}"
    pattern = item.get("ctx", {}).get("pattern") if kind == "string_pattern_mismatch" else None
    if pattern in _PATTERN_WORDS:
        value = item["input"]
        shown = _shorten(value) if isinstance(value, str) else repr(value)
        return f"{shown} is not {_PATTERN_WORDS[pattern]}"
    return str(item["msg"])


# What a value of each pattern looks like, in words: the regular expression helps nobody.
_PATTERN_WORDS = {
    _ID_PATTERN: "a valid id (letters, digits, '.', '_' and '-', starting with a letter or"
    " digit, at most 100; no spaces or control characters)",
    RULE_ID_PATTERN: "a rule id (capital letters and digits ending in three digits, such as"
    " CORE059)",
    SUBJECT_PATTERN: "a finding's subject (kind:id as reports show it, such as"
    " objective:reading; no spaces or control characters)",
    ITEM_ID_PATTERN: "an item id (lower-case letters, digits and '-', at most 100)",
}


def _validation_problems(error: ValidationError, lines: Mapping[PathKey, int]) -> list[Problem]:
    problems: list[Problem] = []
    unions: dict[PathKey, list[Any]] = {}  # errors of each member of a union, by field
    for item in error.errors(include_url=False):
        # pydantic adds the union member or enum name to loc; keep only real field parts.
        loc = tuple(
            "from" if p == "from_" else p
            for p in item["loc"]
            if isinstance(p, int)
            # "[key]": the error is about the mapping key the path already ends with.
            or not (str(p).startswith(("function-", "literal[")) or p in (*_UNION_MEMBERS, "[key]"))
        )
        if any(p in _UNION_MEMBERS for p in item["loc"] if isinstance(p, str)):
            if loc not in unions:
                unions[loc] = []
                problems.append(Problem("", _format_path(loc), _line_of(loc, lines)))
            unions[loc].append(item)
            continue
        problems.append(Problem(_problem_message(item), _format_path(loc), _line_of(loc, lines)))
    if not unions:
        return problems
    # One problem per union field: a member's specific error (text too long) if there is
    # one, else "expected a number or text, found true".
    by_path = {_format_path(loc): items for loc, items in unions.items()}
    out = []
    for problem in problems:
        if problem.message:
            out.append(problem)
            continue
        items = by_path[problem.path]
        specific = [i for i in items if i["type"] not in _EXPECTED]
        if specific:
            message = _problem_message(specific[0])
        else:
            expected = " or ".join(_EXPECTED[i["type"]] for i in items)
            message = f"expected {expected}, found {_kind_of(items[0]['input'])}"
        out.append(Problem(message, problem.path, problem.line))
    return out


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most ``MAX_PROBLEMS`` problems, and a count of the rest: a hostile record must not
    make an error message of megabytes."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem(f"and {rest:,} more problems not shown")]


def record_from_data(
    data: Any,
    *,
    source: str = "",
    lines: Mapping[PathKey, int] | None = None,
    instruments: Instruments | None = None,
) -> Record:
    """Validate plain data (as parsed from YAML or JSON) into a :class:`Record`.

    Every problem (types, enums, unknown fields, ids, references, survey answers) is
    collected and raised together as one :class:`RecordError` (the first hundred, then a
    count of the rest). Types are strict: a quoted ``"12"`` is not a number and ``"off"`` is
    not false. A survey is checked against ``instruments`` (default: the shipped ones; see
    :func:`load_instruments`).
    """
    lines = lines if lines is not None else _NO_LINES
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
        raise RecordError(source, _capped(_validation_problems(error, lines))) from None
    problems = (
        check_references(record) + check_self_assessment(record) + check_survey(record, instruments)
    )
    if problems:
        raise RecordError(source, _capped([_with_line(p, lines) for p in problems])) from None
    return record


def _line_of(path: PathKey, lines: Mapping[PathKey, int]) -> int | None:
    """The line of the value at ``path``, or of its nearest enclosing value that has one."""
    if isinstance(lines, LineMap):
        return lines.nearest(path)
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


def read_text(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, error: ErrorFactory = RecordError
) -> str:
    """Read a UTF-8 text file of at most ``max_bytes`` (a byte order mark is dropped), with
    the checks of :func:`read_data_file` (only regular files, size before reading).

    Raises ``error`` (:class:`RecordError` by default) naming the file: unreadable, not a
    regular file, too large, UTF-16, binary data or not UTF-8 (with the line of the first
    bad byte).
    """
    source = os.fspath(path)
    try:
        return _decode(_read_bytes(source, max_bytes))
    except _Abort as abort:
        raise error(source, [abort.problem]) from None


def load_record(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_BYTES,
    instruments: Instruments | None = None,
) -> Record:
    """Read, parse and validate one record file (``.json``, else YAML); a survey is checked
    against ``instruments`` (default: the shipped ones).

    Raises :class:`RecordError` naming the file, and the field path and line where known.
    """
    limits = (
        RECORD_LIMITS if max_bytes == MAX_BYTES else replace(RECORD_LIMITS, max_bytes=max_bytes)
    )
    parsed = read_data_file(path, limits=limits)
    return record_from_data(
        parsed.data, source=os.fspath(path), lines=parsed.lines, instruments=instruments
    )
