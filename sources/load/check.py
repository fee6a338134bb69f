"""Checking contract files: decoded, parsed, every column and file against its rule.

Every file is read as text and checked vectorised with pandas, once per distinct value
rather than per row; each problem is a `Problem` naming its file, row (the line a person
sees) and column. Nothing here touches the store: the provider ids the store already holds
come in as a callable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sources.contract import Column, FileSpec, enum_key, header_key

# The messages a person reads: one per contract rule, so tests can name each exactly.
MISSING_COLUMN = "required column is missing"
DOUBLE_COLUMN = "column appears more than once in the header"
EMPTY_VALUE = "required value is empty"
NOT_A_DATE = "not a date: expected YYYY-MM-DD (a datetime's date part is used)"
NOT_A_REAL_DATE = "not a real calendar date"
NOT_A_DECIMAL = "not a decimal number"
OUT_OF_RANGE = "outside {low} to {high}"
NOT_POSITIVE_INT = "not a whole number greater than 0"
NOT_A_STAR = "not a whole number from 1 to 5"
NOT_IN_ENUM = "not one of: {values}"
UNKNOWN_PROVIDER = "unknown provider: not in the store nor in this load's providers.csv"
DUPLICATE_ID = "the same id is already on row {row} of this file"
TOO_LONG = "longer than {limit} characters"
NUL_CHARACTER = "contains a NUL character, which no text can hold"
NOT_UTF8 = "not UTF-8 text: save the file as UTF-8"
EMPTY_FILE = "the file is empty: the first row must be the header"
TOO_MANY_VALUES = "{found} values where the header has {expected} columns"
NOT_CSV = "not readable as CSV: {why}"
NO_FILES = "no contract files found; expected any of: {names}"

PROBLEMS_KEPT = 10_000  # per load; beyond this only the count is kept

# Free text keeps its spacing exactly as written; every other value is trimmed.
FREE_TEXT = frozenset({"text", "description", "summary"})
RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}
INT_MAX = 2**31 - 1  # the store's INTEGER columns on PostgreSQL

_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\+?(\d+)(?:\.0*)?")


@dataclass
class Problem:
    """One thing wrong in one cell (or a whole file when row is 1 and the column is missing)."""

    file: str
    row: int  # the line in the file: header = 1, first data row = 2
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        """The problem as `file:row: column 'x' = 'value': what is wrong`."""
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        # One problem, one line: line breaks and NUL in a value are shown escaped.
        value = value.replace("\r", "\\r").replace("\n", "\\n").replace("\x00", "\\x00")
        return f"{self.file}:{self.row}: column '{self.column}' = '{value}': {self.message}"


@dataclass
class _Checked:
    """One file that passed (or will be rejected with) its checks, its values typed."""

    spec: FileSpec
    rows: int
    present: list[str]  # contract columns found in the file, in contract order
    values: dict[str, np.ndarray] = field(default_factory=dict)  # object arrays, None = empty
    warnings: list[str] = field(default_factory=list)


class _Found:
    """Problems of one load: the first PROBLEMS_KEPT kept, every one counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, problems: Iterable[Problem], count: int | None = None) -> None:
        problems = list(problems)
        room = PROBLEMS_KEPT - len(self.kept)
        self.kept.extend(problems[: max(room, 0)])
        self.count += len(problems) if count is None else count


# ------------------------------------------------------------------------ reading a file


def _decode(name: str, data: bytes) -> tuple[str | None, Problem | None]:
    """The file's text (a BOM dropped), or a problem naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        start = error.start
        line_start = data.rfind(b"\n", 0, start) + 1
        row = data.count(b"\n", 0, start) + 1
        # Which column: the header's names, and the fields before the bad byte on its line.
        header_end = data.find(b"\n")
        header_bytes = data[: header_end if header_end >= 0 else len(data)]
        header = next(csv.reader([header_bytes.decode("utf-8-sig", "replace").rstrip("\r")]), [])
        before = data[line_start:start].decode("utf-8", "replace")
        index = len(next(csv.reader([before]), [""])) - 1 if before else 0
        column = header_key(header[index]) if 0 <= index < len(header) else ""
        bad = data[start : error.end]
        value = "".join(f"\\x{b:02x}" for b in bad)
        return None, Problem(name, row, column, value, NOT_UTF8)


def _record_lines(text: str, records: int) -> np.ndarray:
    """The line (from 1) on which each record starts, the header's first.

    pandas counts records, a person counts lines: they differ once a quoted value spans
    lines or a blank line is skipped, and then the csv module walks the file to map them.
    """
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines == records and "\r" not in text.replace("\r\n", ""):
        return np.arange(1, records + 1)
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for record in reader:
        # pandas skips blank and whitespace-only lines; they start no record.
        if record and (len(record) > 1 or record[0].strip()):
            starts.append(line)
        line = reader.line_num + 1
    while len(starts) < records:  # defensive: never index past the walk
        starts.append(line)
    return np.asarray(starts[:records])


def _parse_failure(name: str, text: str, why: str) -> Problem:
    """Locates the row pandas could not read: too many values, or a quote never closed."""
    reader = csv.reader(io.StringIO(text, newline=""))
    width = None
    line = start = 1
    try:
        for record in reader:
            start = line
            if record:
                if width is None:
                    width = len(record)
                elif len(record) > width:
                    message = TOO_MANY_VALUES.format(found=len(record), expected=width)
                    return Problem(name, start, "", ",".join(record), message)
            line = reader.line_num + 1
    except csv.Error as error:
        return Problem(name, line, "", "", NOT_CSV.format(why=error))
    if "EOF inside string" in why:
        # The last record the walk saw is the one whose quote swallowed the rest.
        return Problem(
            name, start, "", "", NOT_CSV.format(why="a quote is opened and never closed")
        )
    return Problem(
        name, start, "", "", NOT_CSV.format(why=why.replace("Error tokenizing data. ", ""))
    )


def _read_frame(name: str, text: str) -> tuple[pd.DataFrame | None, Problem | None]:
    """Every record as text (header included as row 0), or why the file cannot be read."""
    if not text.strip():
        return None, Problem(name, 1, "", "", EMPTY_FILE)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as error:
        return None, _parse_failure(name, text, str(error))
    return frame, None


# ----------------------------------------------------------------------- checking values


def _check_unique(col: Column, value: str) -> tuple[Any, str | None]:
    """One distinct non-empty value of a typed column: (stored value, problem or None)."""
    if col.kind == "date":
        match = _DATE.fullmatch(value)
        if not match:
            return None, NOT_A_DATE
        try:
            return dt.date.fromisoformat(match.group(1)), None
        except ValueError:
            return None, NOT_A_REAL_DATE
    if col.kind == "decimal":
        if not _DECIMAL.fullmatch(value):
            return None, NOT_A_DECIMAL
        number = float(value)
        if not math.isfinite(number):
            return None, NOT_A_DECIMAL
        if col.name in RANGES:
            low, high = RANGES[col.name]
            if not low <= number <= high:
                return None, OUT_OF_RANGE.format(low=f"{low:g}", high=f"{high:g}")
        return number, None
    if col.kind in ("positive_int", "star"):
        match = _WHOLE.fullmatch(value)
        number = int(match.group(1)) if match else 0
        if col.kind == "star":
            return (number, None) if 1 <= number <= 5 else (None, NOT_A_STAR)
        return (number, None) if 0 < number <= INT_MAX else (None, NOT_POSITIVE_INT)
    if col.kind == "enum":
        canonical = col.canonical().get(enum_key(value))
        if canonical is None:
            return None, NOT_IN_ENUM.format(values=", ".join(col.values))
        return canonical, None
    return value, None


def _check_column(col: Column, raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stored values, problem mask, problem messages) for one column's data rows.

    Typed columns are checked once per distinct value (a million incidents have a few
    thousand dates), so the cost is a factorize, not a Python loop over rows.
    """
    if col.kind == "text":
        trimmed = raw.str.strip()
        kept = raw if col.name in FREE_TEXT else trimmed
        empty = (trimmed == "").to_numpy(dtype=bool)
        values = kept.to_numpy(dtype=object, copy=True)
        values[empty] = None
        bad = empty if col.required else np.zeros(len(raw), dtype=bool)
        messages = np.full(len(raw), EMPTY_VALUE, dtype=object)
        if col.max_chars is not None:
            long = (kept.str.len() > col.max_chars).to_numpy(dtype=bool)
            messages[long] = TOO_LONG.format(limit=col.max_chars)
            bad = bad | long
        return values, bad, messages
    codes, uniques = pd.factorize(raw.str.strip())
    stored = np.empty(len(uniques), dtype=object)
    errors = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        if value == "":
            stored[i], errors[i] = None, (EMPTY_VALUE if col.required else None)
        else:
            stored[i], errors[i] = _check_unique(col, value)
    values = stored[codes]
    messages = errors[codes]
    bad = np.not_equal(messages, None)
    return values, bad.astype(bool), messages


def _problems_at(
    name: str,
    positions: np.ndarray,
    lines: Callable[[], np.ndarray],
    column: str,
    raw: pd.Series,
    messages: Iterable[str] | str,
) -> list[Problem]:
    """Problems for data rows at `positions` (0 = first data row), at most PROBLEMS_KEPT."""
    positions = positions[:PROBLEMS_KEPT]
    if not len(positions):
        return []
    line_of = lines()
    texts = [messages] * len(positions) if isinstance(messages, str) else list(messages)
    return [
        Problem(name, int(line_of[p + 1]), column, str(raw.iloc[p]), str(m))
        for p, m in zip(positions, texts, strict=False)
    ]


@dataclass
class _Sheet:
    """One decoded, parsed contract file."""

    name: str
    text: str
    frame: pd.DataFrame  # every record as text, header included as row 0
    header: list[str]  # the header's names as matched (header_key)
    body: pd.DataFrame  # the data rows, from position 0
    _lines: np.ndarray | None = None

    def lines(self) -> np.ndarray:
        """The line each record starts on (header = 1), worked out on first use."""
        if self._lines is None:
            self._lines = _record_lines(self.text, len(self.frame))
        return self._lines


# Problems found by one check step, and how many there were (more may exist than are kept).
_Step = tuple[list[Problem], int]


def _read_sheet(name: str, data: bytes, found: _Found) -> _Sheet | None:
    """The file decoded and parsed, or None with the reason added to `found`."""
    text, problem = _decode(name, data)
    if problem is not None or text is None:
        found.add([problem] if problem else [])
        return None
    frame, problem = _read_frame(name, text)
    if problem is not None or frame is None:
        found.add([problem] if problem else [])
        return None
    header = [header_key(str(h)) for h in frame.iloc[0]]
    return _Sheet(name, text, frame, header, frame.iloc[1:].reset_index(drop=True))


def _check_header(spec: FileSpec, sheet: _Sheet, checked: _Checked) -> tuple[dict[str, int], _Step]:
    """Each contract column's position in the file, and the header's problems.

    A column named twice and a required column missing are problems; a column the
    contract does not know is a warning (one with no name is ignored when it is empty).
    """
    name = sheet.name
    problems: list[Problem] = []
    position: dict[str, int] = {}
    for i, h in enumerate(sheet.header):
        if h in spec.column_names:
            if h in position:
                value = str(sheet.frame.iloc[0, i]).strip()
                problems.append(Problem(name, 1, h, value, DOUBLE_COLUMN))
            else:
                position[h] = i
        elif h or (sheet.body[i] != "").any():
            label = f"'{h}'" if h else f"number {i + 1} (no name)"
            checked.warnings.append(f"{name}: column {label} is not in the contract; ignored")
    for col in spec.columns:
        if col.required and col.name not in position:
            problems.append(Problem(name, 1, col.name, "", MISSING_COLUMN))
    checked.present = [c.name for c in spec.columns if c.name in position]
    return position, (problems, len(problems))


def _check_values(
    spec: FileSpec, sheet: _Sheet, position: dict[str, int], checked: _Checked
) -> _Step:
    """Checks every present column's values by its type; stores the typed values."""
    problems: list[Problem] = []
    counted = 0
    has_nul = "\x00" in sheet.text
    for col in spec.columns:
        if col.name not in position:
            continue
        raw = sheet.body[position[col.name]].fillna("").astype(str)
        values, bad, messages = _check_column(col, raw)
        if has_nul:
            nul = raw.str.contains("\x00", regex=False).to_numpy(dtype=bool)
            messages = np.where(nul, NUL_CHARACTER, messages)
            bad = bad | nul
        where = np.flatnonzero(bad)
        counted += len(where)
        problems += _problems_at(
            sheet.name, where, sheet.lines, col.name, raw, messages[where[:PROBLEMS_KEPT]]
        )
        checked.values[col.name] = values
    return problems, counted


def _check_providers(
    spec: FileSpec,
    sheet: _Sheet,
    position: dict[str, int],
    checked: _Checked,
    known: Callable[[], set[str]],
) -> _Step:
    """Rows naming a provider_id neither in the store nor in this load (where one is required)."""
    if not (spec.provider_required and "provider_id" in checked.values):
        return [], 0
    ids = checked.values["provider_id"]
    codes, uniques = pd.factorize(pd.Series(ids, dtype=object), use_na_sentinel=True)
    register = known()
    unknown_unique = np.array([u not in register for u in uniques] + [False], dtype=bool)
    where = np.flatnonzero(unknown_unique[codes])  # code -1 (empty) lands on the False
    raw = sheet.body[position["provider_id"]].astype(str)
    problems = _problems_at(sheet.name, where, sheet.lines, "provider_id", raw, UNKNOWN_PROVIDER)
    return problems, len(where)


def _check_record_ids(spec: FileSpec, sheet: _Sheet, checked: _Checked) -> _Step:
    """Sets each row's record id (built where the file has a fallback) and reports every
    id already used on an earlier row of the file."""
    record_ids = _record_ids(spec, checked)
    if spec.fallback_id and record_ids is not None:
        checked.values[spec.id_column] = record_ids
        if spec.id_column not in checked.present:
            checked.present.append(spec.id_column)
    if record_ids is None:
        return [], 0
    series = pd.Series(record_ids, dtype=object)
    repeated = series.duplicated(keep="first").to_numpy(dtype=bool) & series.notna().to_numpy()
    where = np.flatnonzero(repeated)
    if not len(where):
        return [], 0
    first = {}
    for p, v in enumerate(record_ids):
        if v is not None and v not in first:
            first[v] = p
    line_of = sheet.lines()
    problems = [
        Problem(
            sheet.name,
            int(line_of[p + 1]),
            spec.id_column,
            str(record_ids[p]),
            DUPLICATE_ID.format(row=int(line_of[first[record_ids[p]] + 1])),
        )
        for p in where[:PROBLEMS_KEPT]
    ]
    return problems, len(where)


def _check_file(
    spec: FileSpec, data: bytes, known: Callable[[], set[str]], found: _Found
) -> _Checked | None:
    """Checks one contract file against every rule; its typed values, or None if unreadable.

    Every problem goes to `found`, sorted by row and then by the contract's column order.
    """
    sheet = _read_sheet(spec.filename, data, found)
    if sheet is None:
        return None
    checked = _Checked(spec, len(sheet.body), [])
    position, header_step = _check_header(spec, sheet, checked)
    steps = [
        header_step,
        _check_values(spec, sheet, position, checked),
        _check_providers(spec, sheet, position, checked, known),
        _check_record_ids(spec, sheet, checked),
    ]
    problems = [p for step, _ in steps for p in step]
    problems.sort(key=lambda p: (p.row, _column_order(spec, p.column)))
    found.add(problems, sum(count for _, count in steps))
    for column, value in spec.stamped:
        checked.values[column] = np.full(checked.rows, value, dtype=object)
        checked.present.append(column)
    return checked


def _column_order(spec: FileSpec, column: str) -> int:
    names = spec.column_names
    return names.index(column) if column in names else -1


def _record_ids(spec: FileSpec, checked: _Checked) -> np.ndarray | None:
    """Each row's record id; where the file has no id column (or leaves it empty) the id is
    its fallback columns joined by ':' (inspections: 'provider_id:published_on'; verdicts:
    'provider_id:visit_on:enquiry_key'), None when one of those is empty."""
    given = checked.values.get(spec.id_column)
    if not spec.fallback_id:
        return given
    parts = [checked.values.get(c) for c in spec.fallback_id]
    if any(p is None for p in parts):
        return given
    built = np.array(
        [
            None if any(v is None for v in row) else ":".join(_iso(v) for v in row)
            for row in zip(*parts, strict=True)
        ],
        dtype=object,
    )
    if given is None:
        return built
    return np.where(np.not_equal(given, None), given, built)


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
