"""A slice of a contract folder: a few providers and every row that names one of them.

The app's first run loads a slice of the demo world first, so a newcomer can sign in while
the rest loads behind it (pages/ui/demo_build.py). The slice is the world's own rows, not a
smaller world: loading the whole folder afterwards updates the slice's records in place
(the loader upserts by record id) and adds the rest, so slice-then-whole stores exactly
what the whole folder alone would. Rows with no provider_id (comments the loader links by
name and place) wait for the whole folder, where the linker sees every provider.

Plain files in, plain files out: no store, no Streamlit.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sources.contract import LOADED_FILES, PROVIDERS

# The evidence dates risk.score.evidence_end reads (its "today"), per file: the slice is
# scored as of the whole world's newest one, so the whole world's scoring replaces the
# slice's day rather than adding a day only the slice has.
EVIDENCE_DATES = {
    "inspections.csv": "published_on",
    "incidents.csv": "occurred_on",
    "safeguarding.csv": "raised_on",
    "ebe_notes.csv": "visit_on",
    "comments.csv": "received_on",
}


@dataclass(frozen=True)
class FolderSlice:
    """A slice written by `write_slice`: where, which providers, and the whole it came from."""

    folder: Path  # the slice's contract files
    provider_ids: tuple[str, ...]  # the providers in the slice, in the whole's file order
    providers: int  # providers in the whole folder
    rows: dict[str, int]  # rows written per file
    newest: dt.date | None  # the whole folder's newest evidence date (EVIDENCE_DATES)


def choose_providers(providers: Sequence[tuple[str, str, str]], count: int) -> list[str]:
    """At most `count` provider ids from (provider_id, type, region) rows, in their order.

    A fair small sample: the first provider of each type, then the first of each region
    not yet covered (while `count` allows), then the rest in file order. The file's order
    is the demo world's random order, so the filling keeps the mix of the whole.
    """
    chosen: list[int] = []
    taken: set[int] = set()

    def take(i: int) -> None:
        if len(chosen) < count and i not in taken:
            chosen.append(i)
            taken.add(i)

    for column in (1, 2):  # type, then region
        covered = {providers[i][column] for i in chosen}
        for i, row in enumerate(providers):
            if row[column] and row[column] not in covered:
                covered.add(row[column])
                take(i)
    for i in range(len(providers)):
        take(i)
    return [providers[i][0] for i in sorted(chosen)]


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Column positions by the contract's name (matched as the loader matches them)."""
    return {name.strip().lower(): i for i, name in enumerate(header)}


def write_slice(whole: Path, folder: Path, count: int) -> FolderSlice:
    """Writes into `folder` the files a load reads (the contract's and verdicts.csv) of
    `whole`, restricted to `count` providers.

    providers.csv keeps the providers `choose_providers` picks; every other file keeps the
    rows whose provider_id is one of them (so comments with none are left out). Values are
    copied unchanged. Files absent from `whole` are absent from the slice. Raises
    FileNotFoundError when `whole` has no providers.csv.
    """
    whole, folder = Path(whole), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (whole / PROVIDERS.filename).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        at = _columns(next(reader, []))
        region = at.get("region")
        register = [
            (row[at["provider_id"]], row[at["type"]], row[region] if region is not None else "")
            for row in reader
        ]
    kept = set(choose_providers(register, count))
    rows: dict[str, int] = {}
    newest = ""
    for spec in LOADED_FILES:
        source = whole / spec.filename
        if not source.is_file():
            continue
        written = 0
        with (
            source.open(newline="", encoding="utf-8-sig") as handle,
            (folder / spec.filename).open("w", newline="", encoding="utf-8") as out,
        ):
            reader = csv.reader(handle)
            header = next(reader, [])
            at = _columns(header)
            provider = at.get("provider_id")
            dated = at.get(EVIDENCE_DATES.get(spec.filename, ""))
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            for row in reader:
                if not row:
                    continue
                if dated is not None and row[dated]:
                    newest = max(newest, row[dated][:10])
                if provider is not None and row[provider] in kept:
                    writer.writerow(row)
                    written += 1
        rows[spec.filename] = written
    return FolderSlice(
        folder=folder,
        provider_ids=tuple(pid for pid, _, _ in register if pid in kept),
        providers=len(register),
        rows=rows,
        newest=dt.date.fromisoformat(newest) if newest else None,
    )
