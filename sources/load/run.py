"""The load itself: files in, checked, texts read, comments linked, committed or rejected.

A load checks every row of every file first and only then writes, in one transaction. One
bad row anywhere and nothing is stored; each load, whatever its outcome, is kept as a Load
row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from sources.contract import BY_FILENAME, LOADED_FILES
from sources.load.check import NO_FILES, Problem, _check_file, _Checked, _Found
from sources.load.link import _link, _register
from sources.load.texts import READING_COLUMNS, _enrich_texts
from sources.load.write import _table, _write
from sources.progress import Progress
from sources.rollups import ROLLUPS, refresh_rollups, row_keys, stored_keys
from sources.search import index as search_index
from sources.store import Load, utcnow

STORE_FAILED = "the load failed and nothing was stored: {why}"


@dataclass
class LoadResult:
    """What a load did: stored (ok) or not, and why; counts per file name."""

    ok: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    load_id: int | None = None
    # All problems found; `problems` keeps the first check.PROBLEMS_KEPT of them.
    problem_count: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # data rows per file name
    failed: bool = False  # the files were fine but reading texts or writing failed (rolled back)


def _store_provider_ids(engine: Engine) -> set[str]:
    """Every provider id in the store."""
    table = _table("provider")
    with engine.connect() as conn:
        return set(conn.execute(select(table.c.provider_id)).scalars())


def load_folder(
    engine: Engine,
    folder: Path,
    by: str = "cli",
    progress: Progress | None = None,
    workers: int = 1,
) -> LoadResult:
    """Loads the contract files found in `folder` (not its subfolders), all or nothing.

    `workers` > 1 reads and links the comments of a big load in that many spawned worker
    processes (see pool._in_workers): only from a program whose main module is guarded by
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
    return _load(engine, files, by, progress, warnings, str(folder), workers)


def load_files(
    engine: Engine,
    files: Mapping[str, bytes],
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
    return _load(engine, chosen, by, progress, warnings, "upload", 1)


def _load(
    engine: Engine,
    files: Mapping[str, bytes],
    by: str,
    progress: Progress | None,
    warnings: list[str],
    source: str,
    workers: int,
) -> LoadResult:
    note = progress or (lambda _done, _message: None)
    started = utcnow()
    names = [spec.filename for spec in LOADED_FILES if spec.filename in files]
    found = _Found()
    if not names:
        expected = ", ".join(spec.filename for spec in LOADED_FILES)
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
    """Writes every checked file, recounts the rollups of the months it touched, and writes
    the Load row, in one transaction."""
    added: dict[str, int] = {}
    updated: dict[str, int] = {}
    total = sum(rows.values())
    done = 0
    with engine.begin() as conn:
        indexed = search_index.start_load(conn)
        for name in names:
            if name not in checked:
                continue
            c = checked[name]
            spec = c.spec
            columns = {n: c.values[n] for n in _stored_columns(c)}

            def step(stop: int, name: str = name, base: int = done) -> None:
                share = (base + stop) / max(total, 1)
                note(0.65 + 0.33 * share, f"writing {name}: {stop:,} of {rows[name]:,} rows")

            # The months the file's rows counted under before, then those they count under now.
            touched = stored_keys(conn, spec.table, c.values[spec.id_column])
            added[name], updated[name] = _write(
                conn, _table(spec.table), spec.id_column, columns, c.rows, step
            )
            if spec.table in ROLLUPS:
                note(0.65 + 0.33 * (done + c.rows) / max(total, 1), f"counting {name} by month")
                if touched is not None:  # None: the file rewrites most of the table
                    day = c.values[ROLLUPS[spec.table].date]
                    touched |= row_keys(c.values["provider_id"], day)
                refresh_rollups(conn, spec.table, touched)
            done += c.rows
        search_index.finish_load(conn, indexed)
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
