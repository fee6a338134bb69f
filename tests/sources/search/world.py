"""A small world of texts to search, written as contract files: every kind of text, with
phrasings chosen to tell phrase from words, stems from prefixes, and NOT from AND."""

from __future__ import annotations

import csv
from pathlib import Path

PROVIDERS = [
    {
        "provider_id": "P1",
        "name": "Oak House",
        "type": "care_home",
        "region": "North West",
        "local_authority": "Bolton",
        "capacity": "30",
    },
    {
        "provider_id": "P2",
        "name": "Elm Surgery",
        "type": "gp_practice",
        "region": "London",
        "local_authority": "Camden",
        "capacity": "9000",
    },
    {
        "provider_id": "P3",
        "name": "Ash Homecare",
        "type": "homecare",
        "region": "North West",
        "local_authority": "Wigan",
        "capacity": "40",
    },
]
COMMENTS = [
    ("C1", "2025-01-05", "P1", "The night staff never answered the call bell."),
    ("C2", "2025-02-10", "P1", "Staff at night were kind; the day team was rushed."),
    ("C3", "2025-03-15", "P1", "Mum fell twice and nobody told us about the falls."),
    ("C4", "2025-04-20", "P2", "My medication was changed without anyone explaining why."),
    ("C5", "2025-05-25", "P2", "Reception were rude, and the medicines review never happened."),
    ("C6", "2025-06-30", "P3", "Carers arrive late; my dad's well-being is suffering."),
    ("C7", "2025-07-04", "P3", "Mrs O'Brien, the manager, didn’t return my calls."),
    ("C8", "2025-08-08", "P3", "<script>alert('x')</script> **bold** [link](http://x) $x$"),
    ("C9", "2025-09-09", "P1", "Lovely café and garden, staff are wonderful."),
    ("C10", "2025-10-10", "P2", "Waited 3 weeks for an appointment; not good enough."),
]
NOTES = [
    (
        "N1",
        "2025-02-01",
        "P1",
        "Night staff seemed stretched; one carer for twelve people.",
        "EbE-7",
    ),
    ("N2", "2025-06-01", "P3", "People told me medicines are often late.", "EbE-9"),
]
ALERTS = [
    (
        "A1",
        "2025-03-01",
        "P1",
        "neglect",
        "high",
        "J.S. (88) found on the floor after a fall at night.",
    ),
    (
        "A2",
        "2025-05-01",
        "P3",
        "financial",
        "medium",
        "Carer suspected of taking money from R.T. (79).",
    ),
]
INCIDENTS = [
    ("I1", "2025-01-20", "P1", "moderate", "falls", "Resident fell from bed during the night."),
    (
        "I2",
        "2025-04-02",
        "P2",
        "low",
        "medication",
        "Wrong medication dose given; spotted next day.",
    ),
]


def _write(path: Path, header: list[str], rows: list[tuple] | list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for row in rows:
            out.writerow([row[h] for h in header] if isinstance(row, dict) else row)


def write_world(folder: Path, extra_comments: list[tuple] = ()) -> Path:
    """The world's six contract files in `folder` (inspections empty of rows but present)."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "providers.csv", list(PROVIDERS[0]), PROVIDERS)
    _write(
        folder / "comments.csv",
        ["comment_id", "received_on", "provider_id", "text"],
        [*COMMENTS, *extra_comments],
    )
    _write(
        folder / "ebe_notes.csv", ["note_id", "visit_on", "provider_id", "text", "author"], NOTES
    )
    _write(
        folder / "safeguarding.csv",
        ["alert_id", "raised_on", "provider_id", "abuse_type", "risk_level", "summary"],
        ALERTS,
    )
    _write(
        folder / "incidents.csv",
        ["incident_id", "occurred_on", "provider_id", "harm", "category", "description"],
        INCIDENTS,
    )
    return folder
