"""The adapters from CQC's real register files, run on the real files in shared/data/cqc/."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from sources.cqc import (
    LayoutError,
    convert_cqc_2021,
    convert_cqc_2025,
    convert_cqc_history,
    parse_date,
    parse_rating,
    run_convert_command,
    service_type,
)
from sources.store import Inspection, Provider

CQC = Path(__file__).resolve().parents[3] / "shared" / "data" / "cqc"
FILE_2021 = CQC / "cqc_locations_2021.csv"
FILE_2025 = CQC / "cqc_directory_2025_sample.csv"
FILE_HISTORY = CQC / "cqc_devon_rating_history.csv"

pytestmark = pytest.mark.skipif(not CQC.is_dir(), reason="shared CQC data not present")


def convert(layout: str, file: Path, out: Path) -> int:
    return run_convert_command(argparse.Namespace(format=layout, file=file, out_dir=out))


@pytest.mark.parametrize(
    ("value", "day_first", "expected"),
    [
        ("20/11/2019", True, dt.date(2019, 11, 20)),
        ("2015-04-20", True, dt.date(2015, 4, 20)),
        ("1/2/2025 12:00:00 AM", False, dt.date(2025, 1, 2)),
        ("12/20/2010 12:00:00 AM", False, dt.date(2010, 12, 20)),
        ("31/02/2019", True, None),
        ("", True, None),
        ("soon", True, None),
    ],
)
def test_parse_date(value: str, day_first: bool, expected: dt.date | None):
    assert parse_date(value, day_first) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Requires Improvement", ("Requires improvement", None)),
        (" good ", ("Good", None)),
        ("Inspected but not rated", (None, "inspected but not rated")),
        ("Insufficient evidence to rate", (None, "insufficient evidence to rate")),
        ("No action", (None, "pre-2014 compliance outcome, not a rating")),
        ("", (None, None)),
    ],
)
def test_parse_rating(value: str, expected: tuple[str | None, str | None]):
    assert parse_rating(value) == expected


def test_service_type_keeps_unknown_categories_folded():
    assert service_type("Residential social care") == "care_home"
    assert service_type("GP Practices") == "gp_practice"
    assert service_type("Acute Services - Non Hospital") == "acute_services_non_hospital"
    assert service_type("Unspecified", "Y") == "care_home"
    assert service_type("", "N", "Primary Dental Care") == "dental"


def test_2021_register_converts_and_loads(tmp_path: Path, engine, capsys):
    from sources.load import load_folder

    assert convert("cqc-2021", FILE_2021, tmp_path) == 0
    printed = capsys.readouterr().out
    assert "31959 providers" in printed and "insufficient evidence to rate" in printed
    result = load_folder(engine, tmp_path)
    assert result.ok, "\n".join(str(p) for p in result.problems[:5])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 31959
        assert session.scalar(select(func.count()).select_from(Inspection)) == 31959 - 14
        home = session.get(Provider, "1-1000587219")
        assert home.name == "Highlands Borders Care Home" and home.type == "care_home"
        assert home.local_authority == "Devon" and home.organisation.startswith("Highlands")
        rating = session.scalars(
            select(Inspection).where(Inspection.provider_id == "1-1000587219")
        ).one()
        assert pd.Timestamp(rating.published_on).date() == dt.date(2020, 5, 6)
        assert rating.overall == "Good"


def test_2021_report_accounts_for_every_row():
    providers, inspections, report = convert_cqc_2021(FILE_2021)
    assert report.rows == len(providers) == 31959
    dropped_ratings = sum(d.count for r, d in report.dropped.items() if r.startswith("rating"))
    assert len(inspections) + dropped_ratings == report.rows
    assert report.dropped["rating: insufficient evidence to rate"].count == 14
    assert sum(n for what, n in report.mapped.items() if what.startswith("type ")) == 31959
    assert set(inspections["overall"]) == {
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    }


def test_2025_directory_never_dates_a_rating_by_registration(tmp_path: Path, engine):
    from sources.load import load_folder

    providers, inspections, report = convert_cqc_2025(FILE_2025)
    assert len(providers) == 999 and inspections.empty
    no_date = next(d for r, d in report.dropped.items() if "no rating date" in r)
    assert no_date.count == 747
    assert not providers["name"].str.startswith(" ").any()
    assert providers["capacity"].dropna().gt(0).all()
    assert set(providers["region"]) <= {
        "London", "South East", "South West", "East of England", "East Midlands",
        "West Midlands", "North West", "North East", "Yorkshire and The Humber",
    }  # fmt: skip
    assert convert("cqc-2025", FILE_2025, tmp_path) == 0
    result = load_folder(engine, tmp_path)
    assert result.ok, "\n".join(str(p) for p in result.problems[:5])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == 999


def test_history_keeps_every_rated_report(tmp_path: Path, engine):
    from sources.load import load_folder

    providers, inspections, report = convert_cqc_history(FILE_HISTORY)
    assert len(providers) == 759
    dropped = sum(d.count for r, d in report.dropped.items() if r.startswith("report"))
    assert len(inspections) + dropped == report.rows
    assert inspections["inspection_id"].is_unique
    assert report.dropped["report: inspected but not rated"].count == 90
    # One report covering two locations is kept once per location.
    shared = inspections[
        inspections["inspection_id"].str.endswith("c14bff10-1b7b-4196-aa91-ef748405cb71")
    ]
    assert set(shared["provider_id"]) == {"1-149210468", "1-9786536853"}
    assert convert("cqc-history", FILE_HISTORY, tmp_path) == 0
    result = load_folder(engine, tmp_path)
    assert result.ok, "\n".join(str(p) for p in result.problems[:5])
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == len(inspections)


@pytest.mark.parametrize(
    ("layout", "file"),
    [("cqc-2021", FILE_HISTORY), ("cqc-2025", FILE_2021), ("cqc-history", FILE_2025)],
)
def test_wrong_layout_is_refused(tmp_path: Path, capsys, layout: str, file: Path):
    assert convert(layout, file, tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert f"is not the {layout} layout: missing columns" in error
    assert not (tmp_path / "out").exists()


def test_missing_or_unreadable_file_is_refused(tmp_path: Path, capsys):
    assert convert("cqc-2021", tmp_path / "absent.csv", tmp_path / "out") == 2
    binary = tmp_path / "register.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(LayoutError):
        convert_cqc_2021(binary)
