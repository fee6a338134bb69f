"""Adapters from CQC's own register files to the contract's providers.csv and inspections.csv.

Three real layouts are known (`shared/data/README.md`, section cqc/):
- `cqc-2021`: the "latest ratings" file, one row per location, column names with dots;
- `cqc-2025`: the adult social care directory, quoted headers with spaces, US datetimes;
- `cqc-history`: ratings history from API records, one row per location and report.

Every value that does not fit the contract is either mapped (and counted) or dropped with
the reason (counted, with examples), so a person can see what the conversion did. A file
of another layout is refused as a whole (exit 2), never half-read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sources.contract import INSPECTIONS, KEY_QUESTIONS, PROVIDERS, RATINGS, enum_key

# CQC's primary inspection categories, folded with contract.enum_key, to the contract's
# comparable service types. A category not listed here is kept as its folded self.
CATEGORY_TYPES: dict[str, str] = {
    "residential_social_care": "care_home",
    "community_based_adult_social_care_services": "homecare",
    "gp_practices": "gp_practice",
    "out_of_hours": "gp_out_of_hours",
    "acute_hospital_nhs_non_specialist": "hospital",
    "acute_hospital_nhs_specialist": "hospital",
    "acute_hospital_independent_non_specialist": "hospital",
    "acute_hospital_independent_specialist": "hospital",
    "mental_health_community_&_hospital_independent": "mental_health",
    "mental_health_community_&_residential_nhs": "mental_health",
    "hospice_services": "hospice",
    "ambulance_service": "ambulance",
    "dentists": "dental",
    "independent_consulting_doctors": "independent_doctors",
    "residential_substance_misuse": "substance_misuse",
    "community_substance_misuse": "substance_misuse",
    "urgent_care_services_&_mobile_doctors": "urgent_care",
    "community_health_nhs_&_independent": "community_health",
    "remote_clinical_advice": "remote_advice",
    "slimming_clinics": "slimming_clinic",
}
# When the category says nothing ("Unspecified", empty), CQC's location type still does.
LOCATION_TYPES: dict[str, str] = {
    "primary_medical_services": "gp_practice",
    "primary_dental_care": "dental",
    "independent_ambulance": "ambulance",
    "nhs_healthcare_organisation": "hospital",
    "independent_healthcare_org": "hospital",
    "social_care_org": "social_care",
}
# The 2025 directory names ADASS regions; the register elsewhere uses the nine regions.
ADASS_REGIONS: dict[str, str] = {
    "Greater London": "London",
    "East": "East of England",
    "Yorkshire and Humber": "Yorkshire and The Humber",
}
# Values in rating columns that are not ratings: what each means, for the report.
NOT_A_RATING: dict[str, str] = {
    "inspected_but_not_rated": "inspected but not rated",
    "insufficient_evidence_to_rate": "insufficient evidence to rate",
    "no_published_rating": "no published rating",
    "no_action": "pre-2014 compliance outcome, not a rating",
    "compliance_action": "pre-2014 compliance outcome, not a rating",
}
_RATING_KEYS = {enum_key(r): r for r in RATINGS}


class LayoutError(ValueError):
    """The file is not of the layout asked for."""


@dataclass
class Dropped:
    """Values dropped for one reason: how many, and a few examples."""

    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < 3 and example not in self.examples:
            self.examples.append(example)


@dataclass
class ConversionReport:
    """What a conversion did: rows read and written, values mapped, values dropped and why."""

    layout: str
    rows: int = 0
    providers: int = 0
    inspections: int = 0
    mapped: Counter[str] = field(default_factory=Counter)  # "what -> how": rows
    dropped: dict[str, Dropped] = field(default_factory=dict)  # reason -> what was dropped

    def map(self, what: str, count: int = 1) -> None:
        """Counts `count` rows where `what` was mapped."""
        if count:
            self.mapped[what] += count

    def drop(self, reason: str, example: str) -> None:
        """Records one value dropped for `reason`."""
        self.dropped.setdefault(reason, Dropped()).add(example)

    def lines(self) -> list[str]:
        """The report as printable lines: a summary, then what was mapped, then dropped."""
        out = [
            f"{self.layout}: {self.rows} rows read; wrote {self.providers} providers "
            f"and {self.inspections} inspections",
            "mapped:",
        ]
        out += [f"  {n:>7}  {what}" for what, n in sorted(self.mapped.items())]
        out.append("dropped:" if self.dropped else "dropped: nothing")
        for reason, d in sorted(self.dropped.items()):
            examples = "; ".join(d.examples)
            out.append(f"  {d.count:>7}  {reason} (e.g. {examples})")
        return out


Converted = tuple[pd.DataFrame, pd.DataFrame, ConversionReport]


# -- values -------------------------------------------------------------------------------
def clean_text(value: object) -> str | None:
    """The value trimmed, inner runs of spaces made one; None when empty or a dash."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", " ", value).strip()
    return text if text and text != "-" else None


def parse_date(value: object, day_first: bool = True) -> dt.date | None:
    """The date in `value`: ISO, dd/mm/yyyy (day_first) or m/d/yyyy with an optional time."""
    text = clean_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+)?", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(
            r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AP]M)?)?", text
        )
        if not match:
            return None
        a, b, year = (int(g) for g in match.groups())
        day, month = (a, b) if day_first else (b, a)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_rating(value: object) -> tuple[str | None, str | None]:
    """(contract rating, None) or (None, why it is not one); (None, None) when empty."""
    text = clean_text(value)
    if text is None:
        return None, None
    key = enum_key(text)
    if key in _RATING_KEYS:
        return _RATING_KEYS[key], None
    return None, NOT_A_RATING.get(key, "not a rating")


def parse_capacity(value: object) -> int | None:
    """A positive whole capacity from "28", "28.0"; None for empty, zero or nonsense."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number >= 1 and number == int(number) else None


def service_type(category: object, care_home: object = None, location_type: object = None) -> str:
    """The contract service type of a location from CQC's category, care home flag and type."""
    key = enum_key(clean_text(category) or "")
    if key in CATEGORY_TYPES:
        return CATEGORY_TYPES[key]
    if clean_text(care_home) == "Y":
        return "care_home"
    if key and key != "unspecified":
        return key
    loc = enum_key(clean_text(location_type) or "")
    return LOCATION_TYPES.get(loc, loc or "unspecified")


# -- layouts ------------------------------------------------------------------------------
def _read(path: Path, layout: str, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayoutError(f"{path}: not a readable CSV file ({exc})") from exc
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise LayoutError(
            f"{path} is not the {layout} layout: missing columns {', '.join(missing)}"
            f"{_guess_hint(frame.columns)}"
        )
    return frame


def _guess_hint(columns: pd.Index) -> str:
    for layout, (_, required) in LAYOUTS.items():
        if all(c in columns for c in required):
            return f" (it looks like the {layout} layout)"
    return ""


def _frame(rows: list[dict[str, object]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


_PROVIDER_COLUMNS = PROVIDERS.column_names
_INSPECTION_COLUMNS = INSPECTIONS.column_names


def _type_note(report: ConversionReport, category: object, kind: str) -> None:
    report.map(f"type {clean_text(category) or '(empty)'!r} -> {kind}")


def _coordinate(value: object, low: float, high: float) -> float | None:
    try:
        number = float(clean_text(value) or "nan")
    except ValueError:
        return None
    return number if low <= number <= high else None


def convert_cqc_2021(path: Path) -> Converted:
    """(providers, inspections, report) from CQC's 2021 latest-ratings file (R-style names)."""
    frame = _read(path, "cqc-2021", LAYOUTS["cqc-2021"][1])
    report = ConversionReport("cqc-2021", rows=len(frame))
    providers: list[dict[str, object]] = []
    inspections: list[dict[str, object]] = []
    seen: set[str] = set()
    for n, row in enumerate(frame.to_dict("records"), start=2):
        pid = clean_text(row["Location.ID"])
        name = clean_text(row["Location.Name"])
        if pid is None or name is None:
            report.drop("location without an id or a name", f"line {n}")
            continue
        if pid in seen:
            report.drop("location id repeated (first row kept)", pid)
            continue
        seen.add(pid)
        kind = service_type(
            row["Location.Primary.Inspection.Category"], row["Care.Home."], row["Location.Type"]
        )
        _type_note(report, row["Location.Primary.Inspection.Category"], kind)
        lat = _coordinate(row["lat"], 49.0, 61.0)
        lon = _coordinate(row["long"], -9.0, 2.5)
        if lat is None or lon is None:
            report.drop("latitude/longitude empty or outside England (left empty)", pid)
            lat = lon = None
        organisation = clean_text(row["Provider.Name"])
        providers.append(
            {
                "provider_id": pid,
                "name": name,
                "type": kind,
                "region": clean_text(row["Location.Region"]),
                "local_authority": clean_text(row["Location.Local.Authority"]),
                "town": None,
                "postcode": clean_text(row["Location.Post.Code"]),
                "latitude": lat,
                "longitude": lon,
                "capacity": None,
                "organisation": organisation,
            }
        )
        overall, why = parse_rating(row["Overall"])
        published = parse_date(row["Publication.Date"], day_first=True)
        if overall is None:
            report.drop(f"rating: {why or 'empty'}", f"{pid} {row['Overall']!r}")
            continue
        if published is None:
            report.drop(
                "rating without a valid publication date", f"{pid} {row['Publication.Date']!r}"
            )
            continue
        report.map("rating with its dd/mm/yyyy publication date")
        inspections.append({"provider_id": pid, "published_on": published, "overall": overall})
    report.map("organisation = provider name", sum(1 for p in providers if p["organisation"]))
    return _finish(providers, inspections, report)


def convert_cqc_2025(path: Path) -> Converted:
    """(providers, inspections, report) from CQC's 2025 adult social care directory.

    Its "Publication Date" is the location's registration date (it equals "Location HSCA
    start date"), not the date of a rating; the layout has no rating date at all, so its
    ratings cannot become inspections: they are reported as dropped, never given a false
    date.
    """
    frame = _read(path, "cqc-2025", LAYOUTS["cqc-2025"][1])
    report = ConversionReport("cqc-2025", rows=len(frame))
    providers: list[dict[str, object]] = []
    seen: set[str] = set()
    same_as_registration = 0
    for n, row in enumerate(frame.to_dict("records"), start=2):
        pid = clean_text(row["Location ID"])
        name = clean_text(row["Location Name"])
        if pid is None or name is None:
            report.drop("location without an id or a name", f"line {n}")
            continue
        if pid in seen:
            report.drop("location id repeated (first row kept)", pid)
            continue
        seen.add(pid)
        if name != row["Location Name"]:
            report.map("name trimmed of spaces")
        category = clean_text(row["Primary inspection category"])
        if category is None:
            services = clean_text(row["Service Types"]) or ""
            if "Care home service" in services:
                kind = "care_home"
            elif re.search(r"Domiciliary|Supported living|Extra Care", services):
                kind = "homecare"
            else:
                kind = enum_key(services.split(",")[0]) or "unspecified"
            report.map(f"type from service types ({services!r}) -> {kind}")
        else:
            kind = service_type(category)
            _type_note(report, category, kind)
        beds = parse_capacity(row["Care homes beds"])
        if beds is None and clean_text(row["Care homes beds"]) not in (None, "0"):
            report.drop(
                "care home beds not a positive whole number", f"{pid} {row['Care homes beds']!r}"
            )
        elif beds is not None:
            report.map("capacity = care homes beds")
        region = clean_text(row["Location ADASS Region"])
        if region:
            bare = region.replace("(ADASS Region)", "").strip()
            region = ADASS_REGIONS.get(bare, bare)
            report.map(f"region {clean_text(row['Location ADASS Region'])!r} -> {region!r}")
        if clean_text(row["Dormant"]) == "Y":
            report.map("dormant location kept as a provider")
        providers.append(
            {
                "provider_id": pid,
                "name": name,
                "type": kind,
                "region": region,
                "local_authority": clean_text(row["Location Local Authority"]),
                "town": None,
                "postcode": None,
                "latitude": None,
                "longitude": None,
                "capacity": beds,
                "organisation": clean_text(row["Provider Name"]),
            }
        )
        overall, why = parse_rating(row["Location Latest Overall Rating"])
        registered = parse_date(row["Location HSCA start date"])
        publication = parse_date(row["Publication Date"], day_first=False)
        if publication is not None and publication == registered:
            same_as_registration += 1
        if overall is not None:
            report.drop(
                "latest rating: the layout has no rating date ('Publication Date' is the "
                "registration date)",
                f"{pid} {overall} 'Publication Date' {row['Publication Date']!r}",
            )
        elif why:
            report.drop(f"latest rating: {why}", f"{pid} {row['Location Latest Overall Rating']!r}")
    report.map("'Publication Date' equal to the registration date", same_as_registration)
    report.map("organisation = provider name", sum(1 for p in providers if p["organisation"]))
    return _finish(providers, [], report)


def convert_cqc_history(path: Path) -> Converted:
    """(providers, inspections, report) from a ratings history of CQC API location records."""
    frame = _read(path, "cqc-history", LAYOUTS["cqc-history"][1])
    report = ConversionReport("cqc-history", rows=len(frame))
    providers: dict[str, dict[str, object]] = {}
    inspections: dict[str, dict[str, object]] = {}
    for n, row in enumerate(frame.to_dict("records"), start=2):
        pid = clean_text(row["location_id"])
        name = clean_text(row["name"])
        if pid is None or name is None:
            report.drop("row without a location id or a name", f"line {n}")
            continue
        if pid not in providers:
            source = clean_text(row.get("source")) or ""
            if "care_home" in source:
                kind = "care_home"
            elif "hospital" in source:
                kind = "hospital"
            else:
                kind = LOCATION_TYPES.get(
                    enum_key(row["type"]), enum_key(row["type"]) or "unspecified"
                )
            report.map(f"type from {source or row['type']!r} -> {kind}")
            if clean_text(row.get("registration_status")) == "Deregistered":
                report.map("deregistered location kept with its history")
            providers[pid] = {
                "provider_id": pid,
                "name": name,
                "type": kind,
                "region": clean_text(row["region"]),
                "local_authority": clean_text(row["local_authority"]),
                "town": None,
                "postcode": clean_text(row["postcode"]),
                "latitude": None,
                "longitude": None,
                "capacity": parse_capacity(row["beds"]),
                # The file names the owning provider only by its CQC id.
                "organisation": clean_text(row["provider_id"]),
            }
        overall, why = parse_rating(row["overall"])
        published = parse_date(row["report_date"])
        if overall is None:
            report.drop(
                f"report: {why or 'empty rating'}", f"{pid} {row['overall']!r} {row['report_date']}"
            )
            continue
        if published is None:
            report.drop("report without a valid date", f"{pid} {row['report_date']!r}")
            continue
        # One report can cover several locations: the id is the location's copy of it.
        link = clean_text(row["report_link_id"]) or published.isoformat()
        record: dict[str, object] = {
            "provider_id": pid,
            "published_on": published,
            "overall": overall,
            "inspection_id": f"{pid}:{link}",
        }
        for question, column in zip(KEY_QUESTIONS, QUESTION_COLUMNS, strict=True):
            value, odd = parse_rating(row[column])
            record[question] = value
            if odd:
                report.map(f"{column} {odd!r} -> left empty")
        if record["inspection_id"] in inspections:
            report.drop(
                "report repeated for the same location (first kept)", str(record["inspection_id"])
            )
            continue
        inspections[str(record["inspection_id"])] = record
        report.map("report with its ISO date and five key questions")
    report.map("organisation = CQC provider id (no provider name in this layout)", len(providers))
    report.map("capacity = beds", sum(1 for p in providers.values() if p["capacity"]))
    return _finish(list(providers.values()), list(inspections.values()), report)


QUESTION_COLUMNS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")


def _finish(
    providers: list[dict[str, object]],
    inspections: list[dict[str, object]],
    report: ConversionReport,
) -> Converted:
    provider_frame = _frame(providers, _PROVIDER_COLUMNS)
    inspection_frame = _frame(inspections, _INSPECTION_COLUMNS)
    provider_frame["capacity"] = provider_frame["capacity"].astype("Int64")
    report.providers = len(provider_frame)
    report.inspections = len(inspection_frame)
    return provider_frame, inspection_frame, report


LAYOUTS: dict[str, tuple[Callable[[Path], Converted], tuple[str, ...]]] = {
    "cqc-2021": (
        convert_cqc_2021,
        (
            "Location.ID",
            "Location.Name",
            "Care.Home.",
            "Location.Type",
            "Location.Primary.Inspection.Category",
            "Location.Post.Code",
            "Location.Local.Authority",
            "Location.Region",
            "Provider.Name",
            "Publication.Date",
            "lat",
            "long",
            "Overall",
        ),
    ),
    "cqc-2025": (
        convert_cqc_2025,
        (
            "Location ID",
            "Location Name",
            "Location Local Authority",
            "Location ADASS Region",
            "Primary inspection category",
            "Service Types",
            "Care homes beds",
            "Location HSCA start date",
            "Dormant",
            "Location Latest Overall Rating",
            "Publication Date",
            "Provider Name",
        ),
    ),
    "cqc-history": (
        convert_cqc_history,
        (
            "location_id",
            "provider_id",
            "name",
            "type",
            "local_authority",
            "region",
            "postcode",
            "beds",
            "report_date",
            "report_link_id",
            "overall",
            *QUESTION_COLUMNS,
        ),
    ),
}


def convert_file(layout: str, path: Path, out_dir: Path) -> ConversionReport:
    """Converts `path` of `layout` into providers.csv and inspections.csv in `out_dir`."""
    convert, _ = LAYOUTS[layout]
    providers, inspections, report = convert(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    providers.to_csv(out_dir / PROVIDERS.filename, index=False)
    inspections.to_csv(out_dir / INSPECTIONS.filename, index=False)
    return report


def run_convert_command(args: argparse.Namespace) -> int:
    """`python -m sources convert LAYOUT FILE OUT_DIR`: 0 when written, 2 for a wrong file."""
    try:
        report = convert_file(args.format, Path(args.file), Path(args.out_dir))
    except FileNotFoundError:
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return 2
    except LayoutError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    print(f"wrote {Path(args.out_dir) / PROVIDERS.filename} and {INSPECTIONS.filename}")
    return 0
