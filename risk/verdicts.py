"""What inspectors' verdicts say of the score's evidence: per indicator and per kind of
serious concern, how often the lines of enquiry it was behind were confirmed on a visit.

Read from the stored verdicts (sources.store.Verdict). A verdict recorded in the app keeps
the indicators and kinds of concern behind its line on the day; a loaded one names only
its line's key, whose kind gives the indicators (risk.brief.LINE_INDICATORS) and no kinds
of concern. "Not looked at" says nothing of the evidence: counted, never in the share.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from risk.brief import LINE_INDICATORS
from sources.store import Verdict, read_frame

RATE_COLUMNS: tuple[str, ...] = (
    "what",
    "name",
    "confirmed",
    "not_found",
    "not_looked_at",
    "confirmed_share",
)


def line_indicators(stored: object, key: str) -> list[str]:
    """The indicators a verdict speaks for: those stored with it (recorded in the app),
    else those its line's kind reads (risk.brief.LINE_INDICATORS; a loaded verdict)."""
    if isinstance(stored, str) and stored:
        return stored.split(";")
    return list(LINE_INDICATORS.get(key.partition(":")[2], ()))


def verdict_rates(engine: Engine) -> pd.DataFrame:
    """One row per indicator ("what" = indicator) and per kind of serious concern ("what"
    = concern) that some verdict's line was behind (RATE_COLUMNS): how many lines were
    confirmed, not found, not looked at, and confirmed / (confirmed + not found), 0..1,
    NaN when none was looked at. Indicators first, then concerns, each by name."""
    t = Verdict.__table__
    columns = ["enquiry_key", "verdict", "indicators", "concern_kinds"]
    found = read_frame(engine, select(*(t.c[c] for c in columns)), columns)
    rows = []
    for v in found.itertuples(index=False):
        rows += [("indicator", n, v.verdict) for n in line_indicators(v.indicators, v.enquiry_key)]
        if isinstance(v.concern_kinds, str) and v.concern_kinds:
            rows += [("concern", n, v.verdict) for n in v.concern_kinds.split(";")]
    if not rows:
        return pd.DataFrame(columns=list(RATE_COLUMNS))
    long = pd.DataFrame(rows, columns=["what", "name", "verdict"])
    counts = pd.crosstab([long["what"], long["name"]], long["verdict"])
    counts = counts.reindex(columns=["confirmed", "not_found", "not_looked_at"], fill_value=0)
    looked = counts["confirmed"] + counts["not_found"]
    counts["confirmed_share"] = (counts["confirmed"] / looked.where(looked > 0)).round(3)
    table = counts.reset_index()
    table["order"] = table["what"].map({"indicator": 0, "concern": 1})
    table = table.sort_values(["order", "name"]).drop(columns="order")
    table.columns.name = None
    return table[list(RATE_COLUMNS)].reset_index(drop=True)


def rates_text(rates: pd.DataFrame) -> str:
    """The verdict rates as the backtest prints them, or a line saying there are none."""
    if rates.empty:
        return "Verdicts: none stored yet (record them on a provider's page, or load verdicts.csv)."
    head = (
        "Verdicts: how often the lines of enquiry each indicator and kind of concern was "
        "behind were confirmed (share of those looked at)"
    )
    return head + "\n" + rates.to_string(index=False, na_rep="-")
