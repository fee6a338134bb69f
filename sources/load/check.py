"""The all-or-nothing loader: contract files in, checked against every rule, upserted by id.

A load reads whichever contract files it is given, checks every row of every file first
(vectorised with pandas, once per distinct value rather than per row), and only then writes,
in one transaction. One bad row anywhere and nothing is stored; every problem is reported as
`file:row: column 'x' = 'value': what is wrong`. Records are upserted by their id: loading the
same files again adds nothing and updates nothing. Each load, whatever its outcome, is kept
as a Load row. `python -m sources load DIR` and the app's Data page both call this module.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import multiprocessing
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Date,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from sources.contract import BY_FILENAME, FILES, Column, FileSpec, enum_key, header_key
from sources.people import audit
from sources.progress import Progress
from sources.store import Load, get_engine, make_engine, utcnow
from sources.text.reader import READER_VERSION

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
NUL_CHARACTER = "contains a NUL character, which no text can hold"
NOT_UTF8 = "not UTF-8 text: save the file as UTF-8"
EMPTY_FILE = "the file is empty: the first row must be the header"
TOO_MANY_VALUES = "{found} values where the header has {expected} columns"
NOT_CSV = "not readable as CSV: {why}"
NO_FILES = "no contract files found; expected any of: {names}"
STORE_FAILED = "the load failed and nothing was stored: {why}"

PROBLEMS_PRINTED = 50  # the CLI prints this many, then how many more
WARNINGS_LISTED = 20  # of one kind, then how many more
PROBLEMS_KEPT = 10_000  # per load; beyond this only the count is kept
CHUNK_ROWS = 20_000  # rows per executemany: bounds memory, not speed
ID_CHUNK = 2_000  # ids per IN (...) query
SQLITE_CACHE_KIB = 256 * 1024  # page cache of the loading connection
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default (2 MB)
TEXT_CHUNK = 2_000  # texts read or comments linked between two progress notes
# Fewer texts to read (or comments to link) than this are worked in the loading process:
# starting a worker (Python, scikit-learn, the model or the register) costs about as much
# as reading a few thousand texts.
PARALLEL_ITEMS = 20_000

# Free text keeps its spacing exactly as written; every other value is trimmed.
FREE_TEXT = frozenset({"text", "description", "summary"})
RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}
INT_MAX = 2**31 - 1  # the store's INTEGER columns on PostgreSQL

_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\+?(\d+)(?:\.0*)?")

# Comment columns a person sets in the inbox; a reload keeps them when a person linked.
LINK_COLUMNS = ("provider_id", "link_method", "link_confidence", "linked_by")
PERSON_LINKS = ("person", "dismissed")
READING_COLUMNS = (
    "sentiment",
    "sentiment_score",
    "themes",
    "serious",
    "serious_terms",
    "concern_kinds",
    "concern_confidence",
    "concern_sentence",
    "read_by",
)


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
class LoadResult:
    """What a load did: stored (ok) or not, and why; counts per file name."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    load_id: int | None = None
    # All problems found; `problems` keeps the first PROBLEMS_KEPT of them.
    problem_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # data rows per file name
    failed: bool = False  # the files were fine but reading texts or writing failed (rolled back)


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
    return checked


def _column_order(spec: FileSpec, column: str) -> int:
    names = spec.column_names
    return names.index(column) if column in names else -1


def _record_ids(spec: FileSpec, checked: _Checked) -> np.ndarray | None:
    """Each row's record id; inspections without inspection_id use 'provider_id:published_on'."""
    given = checked.values.get(spec.id_column)
    if not spec.fallback_id:
        return given
    parts = [checked.values.get(c) for c in spec.fallback_id]
    if any(p is None for p in parts):
        return given
    built = np.array(
        [
            None if a is None or b is None else f"{a}:{_iso(b)}"
            for a, b in zip(parts[0], parts[1], strict=True)
        ],
        dtype=object,
    )
    if given is None:
        return built
    return np.where(np.not_equal(given, None), given, built)


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# --------------------------------------------------------------------------- the store


def _store_provider_ids(engine: Engine) -> set[str]:
    """Every provider id in the store."""
    table = _table("provider")
    with engine.connect() as conn:
        return set(conn.execute(select(table.c.provider_id)).scalars())


def _table(name: str) -> Table:
    from sqlmodel import SQLModel

    return SQLModel.metadata.tables[name]


def _existing(
    conn: Connection, table: Table, id_column: str, ids: list[str], columns: list[str]
) -> dict[str, dict[str, Any]]:
    """The stored rows among `ids` (only `columns`), by id."""
    query = select(*(table.c[c] for c in [id_column, *columns])).where(
        table.c[id_column].in_(bindparam("ids", expanding=True))
    )
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), ID_CHUNK):
        for row in conn.execute(query, {"ids": ids[start : start + ID_CHUNK]}).mappings():
            found[row[id_column]] = dict(row)
    return found


def _upsert_statement(
    conn: Connection, table: Table, id_column: str, columns: list[str], source: Any = None
) -> Any:
    """INSERT ... ON CONFLICT (id) DO UPDATE the given columns, only where a value differs.

    The WHERE makes an identical row a no-op, so a reload updates nothing; a comment a
    person linked or dismissed keeps its link whatever the file says. With `source` (a
    SELECT of `columns`), the rows come from it instead of parameters.
    """
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    if source is not None:
        statement = statement.from_select(columns, source)
    new = statement.excluded
    changes: dict[str, Any] = {}
    for name in columns:
        if name == id_column:
            continue
        value: Any = new[name]
        if table.name == "comment" and name in LINK_COLUMNS:
            # Literal values, not binds: the statement then takes exactly one parameter per
            # column, which the SQLite fast path in _write relies on.
            person = table.c.link_method.in_([literal_column(f"'{p}'") for p in PERSON_LINKS])
            value = case((person, table.c[name]), else_=new[name])
        changes[name] = value
    differs = or_(*(table.c[n].is_distinct_from(v) for n, v in changes.items()))
    return statement.on_conflict_do_update(
        index_elements=[table.c[id_column]], set_=changes, where=differs
    )


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _write(
    conn: Connection,
    table: Table,
    id_column: str,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> tuple[int, int]:
    """Upserts `rows` rows given as columns; returns (added, updated).

    Added is how much the table grew (nothing is ever deleted); updated is the rows the
    upsert changed less those added, since an identical row is not touched.
    """
    names = list(columns)
    before = _count(conn, table)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        changed = _write_postgresql(conn, table, id_column, columns, rows, progress)
    else:
        statement = _upsert_statement(conn, table, id_column, names)
        if conn.dialect.name == "sqlite":
            changed = _write_sqlite(conn, table, id_column, statement, columns, rows, progress)
        else:
            changed = _write_generic(conn, table, id_column, statement, columns, rows, progress)
    added = _count(conn, table) - before
    return added, changed - added


def _write_generic(
    conn: Connection,
    table: Table,
    id_column: str,
    statement: Any,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """Executes the upsert in chunks of dicts; returns the rows inserted or changed."""
    # psycopg reports no rowcount for an executemany (-1) whatever the dialect flag says:
    # count the rows RETURNING gives back (only inserted or changed rows come back).
    sane_rowcount = conn.dialect.name == "sqlite"
    if not sane_rowcount:
        statement = statement.returning(table.c[id_column])
    names = list(columns)
    changed = 0
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        chunk = [
            dict(zip(names, values, strict=True))
            for values in zip(*(columns[n][start:stop].tolist() for n in names), strict=True)
        ]
        result = conn.execute(statement, chunk)
        changed += result.rowcount if sane_rowcount else len(result.all())
        progress(stop)
    return changed


def _write_sqlite(
    conn: Connection,
    table: Table,
    id_column: str,
    statement: Any,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """The same upsert, compiled once and given plain tuples; returns the rows changed.

    SQLAlchemy's per-value bind processing (dicts, dates to text) is half the time of a
    million-row load; here dates become ISO text once per distinct date instead.
    """
    compiled = statement.compile(dialect=conn.dialect, column_keys=list(columns))
    order = list(compiled.positiontup or [])
    if set(order) != set(columns):
        # A column default would need a value this path does not know: the general way.
        return _write_generic(conn, table, id_column, statement, columns, rows, progress)
    arrays = []
    for name in order:
        values = columns[name]
        if isinstance(table.c[name].type, Date):
            codes, uniques = pd.factorize(pd.Series(values, dtype=object))
            iso = np.array([_iso(d) for d in uniques] + [None], dtype=object)
            values = iso[codes]  # code -1 (no date) picks the None
        arrays.append(values)
    sql = compiled.string
    # The provider-and-date index takes rows in random order; with SQLite's default 2 MB
    # page cache a million-row load spends its time re-reading index pages.
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    changed = 0
    for start in range(0, rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, rows)
        chunk = list(zip(*(a[start:stop].tolist() for a in arrays), strict=True))
        changed += conn.exec_driver_sql(sql, chunk).rowcount
        progress(stop)
    # The connection goes back to the pool: give it SQLite's default cache again.
    conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE}")
    return changed


def _write_postgresql(
    conn: Connection,
    table: Table,
    id_column: str,
    columns: dict[str, np.ndarray],
    rows: int,
    progress: Callable[[int], None],
) -> int:
    """The same upsert on PostgreSQL: rows COPied into a staging table, then one INSERT.

    COPY and one INSERT ... SELECT ... ON CONFLICT are much faster than an executemany with
    RETURNING, and stay in the same transaction. Returns the rows inserted or changed.
    """
    names = list(columns)
    staging = f"carelens_load_{table.name}"
    listed = ", ".join(f'"{n}"' for n in names)
    # Same column types, no constraints; dropped with the transaction, committed or not.
    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{staging}"')
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE "{staging}" ON COMMIT DROP AS '
        f'SELECT {listed} FROM "{table.name}" WITH NO DATA'
    )
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{staging}" ({listed}) FROM STDIN') as copy:
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, rows)
            for row in zip(*(columns[n][start:stop].tolist() for n in names), strict=True):
                copy.write_row(row)
            progress(stop)
    cursor.close()
    source_table = sa_table(staging, *(sa_column(n) for n in names))
    upsert = _upsert_statement(conn, table, id_column, names, select(*source_table.c))
    changed = upsert.returning(table.c[id_column]).cte("changed")
    return int(conn.execute(select(func.count()).select_from(changed)).scalar_one())


# --------------------------------------------------------------------- texts and links


def read_stored_texts(texts: list[str]) -> list[dict[str, Any]]:
    """The reading columns (READING_COLUMNS) per text.

    The one place the loader calls sources.text.reader.read_texts.
    """
    if not texts:
        return []
    from sources.text.reader import read_texts, themes_to_str

    readings = read_texts(texts)
    return [
        {
            "sentiment": r.sentiment,
            "sentiment_score": float(r.sentiment_score),
            "themes": themes_to_str(r.themes) or None,
            "serious": bool(r.serious),
            "serious_terms": ";".join(r.serious_terms) or None,
            "concern_kinds": ";".join(r.concern_kinds) or None,
            "concern_confidence": r.concern_confidence if r.serious else None,
            "concern_sentence": r.concern_sentence or None,
            "read_by": READER_VERSION,
        }
        for r in readings
    ]


def _in_workers(
    work: Callable[[Any], Any],
    chunks: list[Any],
    workers: int,
    setup: Callable[..., None] | None = None,
    setup_args: tuple[Any, ...] = (),
) -> Iterator[Any]:
    """work(chunk) for each chunk, in order, in `workers` worker processes.

    Reading and linking comments is pure CPU and most of a national load's time; one process
    uses one core. Workers are spawned, not forked (forking a threaded process, such as the
    app's server, can copy a lock some other thread holds), so each imports the main module
    again, and each runs setup(*setup_args) once. If a worker dies (e.g. out of memory), the
    chunks not yet done are worked here.
    """
    done = 0
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=setup,
        initargs=setup_args,
    )
    try:
        for result in pool.map(work, chunks):
            yield result
            done += 1
    except BrokenProcessPool:
        if setup is not None:
            setup(*setup_args)
        yield from map(work, chunks[done:])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worth_workers(workers: int, chunks: int, items: int) -> int:
    """How many worker processes to start for `items` in `chunks` (below 2: none, work here)."""
    return min(workers, chunks) if items >= PARALLEL_ITEMS else 1


def _read_in_order(chunks: list[list[str]], workers: int) -> Iterator[list[dict[str, Any]]]:
    """read_stored_texts of each chunk, in order, in worker processes when there are many."""
    workers = _worth_workers(workers, len(chunks), sum(len(c) for c in chunks))
    if workers < 2:
        return map(read_stored_texts, chunks)
    from sources.text.reader import load_model

    load_model()  # trains and saves the model once, here, if no usable file exists yet
    return _in_workers(read_stored_texts, chunks, workers)


def link_comments(
    providers: pd.DataFrame,
    names: list[str | None],
    places: list[str | None],
    texts: list[str],
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> list[tuple[str | None, float | None]]:
    """(provider_id or None, confidence) per comment with no usable provider_id.

    The one place the loader calls sources.linking.Linker; `providers` has provider_id,
    name, type, town, local_authority, postcode. `progress` hears how many are linked.
    """
    if not names:
        return []
    chunks = [
        (
            names[start : start + TEXT_CHUNK],
            places[start : start + TEXT_CHUNK],
            texts[start : start + TEXT_CHUNK],
        )
        for start in range(0, len(names), TEXT_CHUNK)
    ]
    links: list[tuple[str | None, float | None]] = []
    workers = _worth_workers(workers, len(chunks), len(names))
    if workers > 1:
        parts = _in_workers(_link_chunk, chunks, workers, _start_linker, (providers,))
    else:
        # A Linker of this call's own: the app's threads may run two loads at once.
        from sources.linking import Linker

        linker = Linker(providers)
        parts = (_link_rows(linker, chunk) for chunk in chunks)
    for part in parts:
        links += part
        if progress:
            progress(len(links))
    return links


# A worker process's Linker (one load at a time in a worker; set by _start_linker).
_WORKER_LINKER: Any = None


def _start_linker(providers: pd.DataFrame) -> None:
    """Builds the worker's Linker over the register, once, as the worker starts."""
    global _WORKER_LINKER
    from sources.linking import Linker

    _WORKER_LINKER = Linker(providers)


def _link_chunk(
    chunk: tuple[list[str | None], list[str | None], list[str]],
) -> list[tuple[str | None, float | None]]:
    """_link_rows with the worker's Linker."""
    return _link_rows(_WORKER_LINKER, chunk)


def _link_rows(
    linker: Any, chunk: tuple[list[str | None], list[str | None], list[str]]
) -> list[tuple[str | None, float | None]]:
    """(provider_id or None, confidence) for each comment of a chunk (names, places, texts)."""
    names, places, texts = chunk
    rows = pd.DataFrame({"provider_name": names, "place": places, "text": texts})
    return [(r.provider_id, float(r.confidence)) for r in linker.link_many(rows)]


def _register(engine: Engine, load_providers: _Checked | None) -> tuple[pd.DataFrame, bool]:
    """The providers linking may choose from (the store's, this load's over them), and
    whether that is the register the store already had (same ids, names and places)."""
    wanted = ["provider_id", "name", "type", "town", "local_authority", "postcode"]
    table = _table("provider")
    with engine.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(select(*(table.c[c] for c in wanted))).all(), columns=wanted
        )
    if load_providers is None or not load_providers.rows:
        return stored, True
    new = pd.DataFrame(
        {c: load_providers.values.get(c, np.full(load_providers.rows, None)) for c in wanted},
        dtype=object,
    )
    kept = set(stored.astype(object).itertuples(index=False, name=None))
    same = all(row in kept for row in new.itertuples(index=False, name=None))
    stored = stored[~stored["provider_id"].isin(set(new["provider_id"]))]
    return pd.concat([stored, new], ignore_index=True), same


def _enrich_texts(
    engine: Engine, checked: _Checked, note: Progress, share: tuple[float, float], workers: int
) -> None:
    """Adds the reading columns; texts unchanged since the store read them keep their reading."""
    spec = checked.spec
    ids = checked.values[spec.id_column].tolist()
    texts = checked.values["text"].tolist()
    table = _table(spec.table)
    with engine.connect() as conn:
        stored = _existing(conn, table, spec.id_column, ids, ["text", *READING_COLUMNS])
    reading: list[dict[str, Any] | None] = [None] * len(ids)
    fresh: list[int] = []
    for i, (record_id, text) in enumerate(zip(ids, texts, strict=True)):
        old = stored.get(record_id)
        if old is not None and old["text"] == text and old["read_by"] == READER_VERSION:
            reading[i] = {c: old[c] for c in READING_COLUMNS}
            reading[i]["serious"] = bool(old["serious"])  # SQLite gives 0/1
        else:
            fresh.append(i)
    low, high = share
    batches = [fresh[start : start + TEXT_CHUNK] for start in range(0, len(fresh), TEXT_CHUNK)]
    done = 0
    read = _read_in_order([[texts[i] for i in batch] for batch in batches], workers)
    for batch, readings in zip(batches, read, strict=True):
        for i, r in zip(batch, readings, strict=True):
            reading[i] = r
        done += len(batch)
        note(
            low + (high - low) * done / len(fresh),
            f"reading {spec.filename}: {done:,} of {len(fresh):,} texts",
        )
    for column in READING_COLUMNS:
        checked.values[column] = np.array([r[column] for r in reading], dtype=object)  # type: ignore[index]


def _link(
    engine: Engine,
    checked: _Checked,
    register: pd.DataFrame,
    same_register: bool,
    warnings: list[str],
    note: Progress,
    workers: int,
) -> None:
    """Sets provider_id, link_method and link_confidence of every comment.

    A comment a person linked or dismissed is linked here too, but the upsert keeps the
    person's link (see _upsert_statement). A stored comment with the same name, place and
    text keeps its link while the register is unchanged: the linker would say the same.
    """
    n = checked.rows
    given = checked.values.get("provider_id", np.full(n, None, dtype=object))
    known = set(register["provider_id"])
    method = np.full(n, "unlinked", dtype=object)
    confidence = np.full(n, None, dtype=object)
    provider = np.full(n, None, dtype=object)
    to_link: list[int] = []
    ids = checked.values["comment_id"]
    strangers = 0
    for i, pid in enumerate(given):
        if pid is None:
            to_link.append(i)
        elif pid in known:
            provider[i], method[i], confidence[i] = pid, "given", 1.0
        else:
            strangers += 1
            if strangers <= WARNINGS_LISTED:
                warnings.append(
                    f"comments.csv: comment '{ids[i]}' names provider_id '{pid}', which is "
                    "not a known provider; linked by its name and place instead"
                )
            to_link.append(i)
    if strangers > WARNINGS_LISTED:
        warnings.append(
            f"comments.csv: {strangers - WARNINGS_LISTED} more comments name an unknown "
            "provider_id; linked by name and place instead"
        )
    names = checked.values.get("provider_name", np.full(n, None, dtype=object))
    places = checked.values.get("place", np.full(n, None, dtype=object))
    texts = checked.values["text"]
    if same_register and to_link:
        wanted = ["provider_name", "place", "text", "provider_id", "link_method", "link_confidence"]
        with engine.connect() as conn:
            stored = _existing(
                conn, _table("comment"), "comment_id", [ids[i] for i in to_link], wanted
            )
        still: list[int] = []
        for i in to_link:
            old = stored.get(ids[i])
            if (
                old is not None
                and old["link_method"] in ("fuzzy", "unlinked")
                and (old["provider_name"], old["place"], old["text"])
                == (names[i], places[i], texts[i])
            ):
                provider[i], method[i] = old["provider_id"], old["link_method"]
                confidence[i] = old["link_confidence"]
            else:
                still.append(i)
        to_link = still
    links = link_comments(
        register,
        [names[i] for i in to_link],
        [places[i] for i in to_link],
        [texts[i] for i in to_link],
        lambda done: note(
            0.55 + 0.1 * done / len(to_link), f"linking comments: {done:,} of {len(to_link):,}"
        ),
        workers,
    )
    for i, (pid, conf) in zip(to_link, links, strict=True):
        confidence[i] = conf if conf else None
        if pid is not None:
            provider[i], method[i] = pid, "fuzzy"
    checked.values["provider_id"] = provider
    checked.values["link_method"] = method
    checked.values["link_confidence"] = confidence


# ------------------------------------------------------------------------------- loads


def load_folder(
    folder: Path,
    engine: Engine | None = None,
    by: str = "cli",
    progress: Progress | None = None,
    workers: int = 1,
) -> LoadResult:
    """Loads the contract files found in `folder` (not its subfolders), all or nothing.

    `workers` > 1 reads and links the comments of a big load in that many spawned worker
    processes (see _in_workers): only from a program whose main module is guarded by
    `if __name__ == "__main__"`, as `python -m sources load` is, since spawning imports it.
    """
    folder = Path(folder)
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.suffix.lower() != ".csv":
                continue
            if path.name.lower() in BY_FILENAME:
                files[path.name.lower()] = path.read_bytes()
            else:
                warnings.append(f"{path.name}: not a contract file; ignored")
    return _load(files, engine, by, progress, warnings, str(folder), workers)


def load_files(
    files: Mapping[str, bytes],
    engine: Engine | None = None,
    by: str = "app",
    progress: Progress | None = None,
) -> LoadResult:
    """Loads files given as {file name: bytes} (the Data page's uploads), all or nothing."""
    chosen: dict[str, bytes] = {}
    warnings: list[str] = []
    for name, data in files.items():
        base = Path(name).name.lower()
        if base in BY_FILENAME:
            chosen[base] = data
        else:
            warnings.append(f"{Path(name).name}: not a contract file; ignored")
    return _load(chosen, engine, by, progress, warnings, "upload", 1)


def _load(
    files: Mapping[str, bytes],
    engine: Engine | None,
    by: str,
    progress: Progress | None,
    warnings: list[str],
    source: str,
    workers: int,
) -> LoadResult:
    engine = engine or get_engine()
    note = progress or (lambda _done, _message: None)
    started = utcnow()
    names = [spec.filename for spec in FILES if spec.filename in files]
    found = _Found()
    if not names:
        expected = ", ".join(spec.filename for spec in FILES)
        found.add([Problem(source, 0, "", "", NO_FILES.format(names=expected))])
        return _reject(engine, by, started, names, 0, found, warnings)

    store_ids: list[set[str]] = []
    load_provider_ids: set[str] = set()

    def known() -> set[str]:
        if not store_ids:
            store_ids.append(_store_provider_ids(engine) | load_provider_ids)
        return store_ids[0]

    checked: dict[str, _Checked] = {}
    for k, name in enumerate(names):
        spec = BY_FILENAME[name]
        note(0.3 * k / len(names), f"checking {name}")
        result = _check_file(spec, files[name], known, found)
        if result is None:
            continue
        checked[name] = result
        warnings.extend(result.warnings)
        if spec is BY_FILENAME["providers.csv"] and "provider_id" in result.values:
            load_provider_ids.update(p for p in result.values["provider_id"] if p is not None)
    rows = {name: c.rows for name, c in checked.items()}
    total = sum(rows.values())
    if found.count:
        return _reject(engine, by, started, names, total, found, warnings, rows)

    note(0.3, "reading texts")
    try:
        for name in ("ebe_notes.csv", "comments.csv"):
            if name in checked:
                share = (0.3, 0.4) if name == "ebe_notes.csv" else (0.4, 0.55)
                _enrich_texts(engine, checked[name], note, share, workers)
        if "comments.csv" in checked:
            comments = checked["comments.csv"]
            register, same = _register(engine, checked.get("providers.csv"))
            _link(engine, comments, register, same, warnings, note, workers)
        result = _commit(engine, by, started, names, checked, rows, warnings, note)
    except Exception as error:  # the store or a reader failed: rolled back, said, kept
        why = f"{type(error).__name__}: {error}"
        load_id = _record(engine, by, started, names, total, 0, 0, "failed", why)
        failure = Problem("(store)", 0, "", "", STORE_FAILED.format(why=why))
        return LoadResult(False, [failure], warnings, {}, {}, load_id, 1, rows, failed=True)
    try:
        note(0.98, "marking copies of one concern")
        _mark_duplicates(engine, checked)
    except Exception as error:  # the load is stored; only the copies' marks are missing
        warnings.append(f"copies of one concern were not marked: {type(error).__name__}: {error}")
    note(1.0, "loaded")
    return result


def _commit(
    engine: Engine,
    by: str,
    started: dt.datetime,
    names: list[str],
    checked: dict[str, _Checked],
    rows: dict[str, int],
    warnings: list[str],
    note: Progress,
) -> LoadResult:
    """Writes every checked file and the Load row in one transaction."""
    added: dict[str, int] = {}
    updated: dict[str, int] = {}
    total = sum(rows.values())
    done = 0
    with engine.begin() as conn:
        for name in names:
            if name not in checked:
                continue
            c = checked[name]
            spec = c.spec
            columns = {n: c.values[n] for n in _stored_columns(c)}

            def step(stop: int, name: str = name, base: int = done) -> None:
                share = (base + stop) / max(total, 1)
                note(0.65 + 0.33 * share, f"writing {name}: {stop:,} of {rows[name]:,} rows")

            added[name], updated[name] = _write(
                conn, _table(spec.table), spec.id_column, columns, c.rows, step
            )
            done += c.rows
        message = "; ".join(f"{n}: {added[n]} added, {updated[n]} updated" for n in added)
        load_id = _insert_load(
            conn,
            by,
            started,
            names,
            total,
            sum(added.values()),
            sum(updated.values()),
            "ok",
            message,
        )
    return LoadResult(True, [], warnings, added, updated, load_id, 0, rows)


def _stored_columns(c: _Checked) -> list[str]:
    """The columns a file writes: those it has, plus what the loader derives for it."""
    names = list(c.present)
    if c.spec.table in ("comment", "ebenote"):
        names += list(READING_COLUMNS)
    if c.spec.table == "comment":
        names += [n for n in ("link_method", "link_confidence") if n not in names]
        if "provider_id" not in names:
            names.append("provider_id")
    return names


def _mark_duplicates(engine: Engine, checked: dict[str, _Checked]) -> None:
    """Marks copies of one concern among the loaded comments' providers (sources.duplicates)."""
    if "comments.csv" not in checked:
        return
    from sources.duplicates import mark_duplicates

    providers = {p for p in checked["comments.csv"].values["provider_id"] if p is not None}
    if providers:
        mark_duplicates(engine, providers)


def _reject(
    engine: Engine,
    by: str,
    started: dt.datetime,
    names: list[str],
    total: int,
    found: _Found,
    warnings: list[str],
    rows: dict[str, int] | None = None,
) -> LoadResult:
    message = f"{found.count} problem(s); first: {found.kept[0]}" if found.kept else None
    load_id = _record(engine, by, started, names, total, 0, 0, "rejected", message)
    return LoadResult(False, found.kept, warnings, {}, {}, load_id, found.count, rows or {})


def _record(
    engine: Engine,
    by: str,
    started: dt.datetime,
    names: list[str],
    rows: int,
    added: int,
    updated: int,
    outcome: str,
    message: str | None,
) -> int | None:
    with engine.begin() as conn:
        return _insert_load(conn, by, started, names, rows, added, updated, outcome, message)


def _insert_load(
    conn: Connection,
    by: str,
    started: dt.datetime,
    names: list[str],
    rows: int,
    added: int,
    updated: int,
    outcome: str,
    message: str | None,
) -> int | None:
    table = Load.__table__
    if message is not None:
        message = message.replace("\x00", "\\x00")  # PostgreSQL text cannot hold NUL
    result = conn.execute(
        insert(table).values(
            started_at=started,
            finished_at=utcnow(),
            loaded_by=by,
            files=",".join(names),
            rows=rows,
            added=added,
            updated=updated,
            outcome=outcome,
            message=message,
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key and key[0] is not None else None


# --------------------------------------------------------------------------------- CLI


def print_result(result: LoadResult, out: Any = None, err: Any = None) -> None:
    """Prints a load's outcome: counts per file, or the first problems and how many more."""
    out = out or sys.stdout
    err = err or sys.stderr
    for warning in result.warnings:
        print(f"warning: {warning}", file=err)
    if result.ok:
        for name in result.added:
            rows = result.rows.get(name, 0)
            print(
                f"{name}: {rows} rows, {result.added[name]} added, {result.updated[name]} updated",
                file=out,
            )
        print(f"Loaded {len(result.added)} file(s) as load {result.load_id}.", file=out)
        return
    for problem in result.problems[:PROBLEMS_PRINTED]:
        print(str(problem), file=err)
    more = max(result.problem_count, len(result.problems)) - PROBLEMS_PRINTED
    if more > 0:
        print(f"... and {more} more problem(s)", file=err)
    print(
        f"Nothing was stored: {max(result.problem_count, len(result.problems))} problem(s).",
        file=err,
    )


def record_in_audit(engine: Engine, result: LoadResult, target: str, by: str) -> None:
    """Appends the load (or its refusal) to the audit log: the app and the command alike."""
    detail = (
        f"stored {sum(result.added.values()):,} new, {sum(result.updated.values()):,} updated"
        if result.ok
        else f"refused: {max(result.problem_count, len(result.problems)):,} problem(s)"
    )
    audit.record(engine, by, "load", target, detail)


def run_load_command(args: argparse.Namespace) -> int:
    """`python -m sources load DIR`: 0 loaded, 2 rejected (every problem printed), 1 failed."""
    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"{folder}: not a folder", file=sys.stderr)
        return 2
    engine = make_engine(args.database_url) if args.database_url else get_engine()
    by = getattr(args, "by", "cli") or "cli"
    result = load_folder(folder, engine, by=by, workers=getattr(args, "workers", 1) or 1)
    print_result(result)
    if not result.failed:
        record_in_audit(engine, result, str(folder), by)
    if result.failed:
        return 1
    return 0 if result.ok else 2
