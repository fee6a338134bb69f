"""What the pages show, shaped from the store: plain functions returning pandas frames.

Owns every frame and figure's data a page draws, one module per family of screens:
`glance` (the store's stamp, what it holds, the days scored, the loads), `triage` (the
ranked list, its filters, movers, the headline of new serious concerns and the overview's
counts), `areas` (the overview's map), `provider` (one provider's record, events, voices
and changes since its inspection),
`inbox` (unlinked comments, unseen serious concerns), `explanation` (the stored
explanation of a score, its indicator table and evidence), `method` (weights, bands,
backtest), `export` (formula-safe CSV), `paging` (long lists a page of rows at a time)
and `frames` (how store rows become columns).

Pages never compute: they call these (through the cached loaders in pages/ui/loaders.py)
and draw the result; `from risk.views import X` reaches every public name. Read-only:
what people do in the app is written by sources.people.actions, scores by risk.score.

May import: `risk.score` (the bands, `Explanation`), `risk.backtest` (for types only) and
`sources`; never streamlit, never `sources.people.actions`. The modules import `frames`
and `glance`, and `method` imports `explanation`'s labels; no other module of the package
imports another.
"""

from risk.score import BANDS
from risk.views.areas import (
    AREA_PRIOR_PROVIDERS,
    CELL_LATITUDE,
    CELL_LONGITUDE,
    area_providers,
    map_cells,
    map_frame,
)
from risk.views.explanation import (
    EVIDENCE_KIND_PART,
    INDICATOR_LABELS,
    PART_LABELS,
    PERSONAL_SOURCE,
    contribution_parts,
    evidence_with_personal,
    explanation_evidence,
    explanation_indicators,
    indicator_table,
    stored_explanation,
)
from risk.views.export import (
    FORMULA_START,
    neutralise_formula,
    safe_csv,
)
from risk.views.frames import (
    split_list,
)
from risk.views.glance import (
    holds_evidence,
    loads_frame,
    newest_scoring,
    provider_count,
    providers_frame,
    scored_dates,
    store_stamp,
)
from risk.views.inbox import (
    as_given,
    unlinked_comments,
    unlinked_count,
    unseen_serious,
    unseen_serious_total,
)
from risk.views.method import (
    BACKTEST_COLUMNS,
    backtest_day,
    backtest_frame,
    band_bounds,
    weights_frame,
    weights_in_force,
)
from risk.views.paging import (
    PAGE_ROWS,
    Page,
    page_at,
    page_label,
    pages_of,
)
from risk.views.provider import (
    ITEM_KIND_NAMES,
    PIN_COLUMNS,
    VERDICT_COLUMNS,
    VOICE_COLUMNS,
    VoiceFilter,
    brief_pins,
    changes_since_inspection,
    concern_label,
    evidence_item,
    filter_voices,
    item_lines,
    last_verdicts,
    provider_events,
    provider_ratings,
    provider_record,
    provider_scores,
    provider_voices,
    themes_over_time,
    with_concern_kinds,
)
from risk.views.triage import (
    COUNT_DAYS,
    EVIDENCE,
    NEW_DAYS,
    NO_RECENT_VOICE,
    NO_VOICE_MARK,
    NOT_RATED,
    RATING_SHORT,
    SCORE_BIN,
    SILENT,
    TRIAGE_COLUMNS,
    SeriousHeadline,
    TriageFilter,
    band_counts,
    biggest_movers,
    evidence_counts,
    filter_triage,
    latest_ratings,
    mark_silent,
    new_since,
    previous_visit,
    rating_choices,
    score_bins,
    serious_headline,
    triage_display,
    triage_frame,
    unseen_serious_count_query,
)

__all__ = [
    "BANDS",
    "store_stamp",
    "newest_scoring",
    "provider_count",
    "holds_evidence",
    "scored_dates",
    "providers_frame",
    "loads_frame",
    "COUNT_DAYS",
    "EVIDENCE",
    "TRIAGE_COLUMNS",
    "evidence_counts",
    "unseen_serious_count_query",
    "latest_ratings",
    "triage_frame",
    "TriageFilter",
    "NOT_RATED",
    "filter_triage",
    "biggest_movers",
    "rating_choices",
    "NO_RECENT_VOICE",
    "NO_VOICE_MARK",
    "RATING_SHORT",
    "SILENT",
    "mark_silent",
    "triage_display",
    "NEW_DAYS",
    "new_since",
    "previous_visit",
    "SeriousHeadline",
    "serious_headline",
    "SCORE_BIN",
    "band_counts",
    "score_bins",
    "map_frame",
    "CELL_LATITUDE",
    "CELL_LONGITUDE",
    "AREA_PRIOR_PROVIDERS",
    "map_cells",
    "area_providers",
    "provider_record",
    "provider_ratings",
    "provider_scores",
    "provider_events",
    "VOICE_COLUMNS",
    "concern_label",
    "with_concern_kinds",
    "provider_voices",
    "VoiceFilter",
    "filter_voices",
    "last_verdicts",
    "themes_over_time",
    "changes_since_inspection",
    "PIN_COLUMNS",
    "VERDICT_COLUMNS",
    "brief_pins",
    "evidence_item",
    "ITEM_KIND_NAMES",
    "item_lines",
    "unlinked_comments",
    "as_given",
    "unlinked_count",
    "unseen_serious_total",
    "unseen_serious",
    "PART_LABELS",
    "INDICATOR_LABELS",
    "contribution_parts",
    "stored_explanation",
    "indicator_table",
    "explanation_indicators",
    "EVIDENCE_KIND_PART",
    "explanation_evidence",
    "PERSONAL_SOURCE",
    "evidence_with_personal",
    "weights_frame",
    "weights_in_force",
    "band_bounds",
    "backtest_day",
    "BACKTEST_COLUMNS",
    "backtest_frame",
    "FORMULA_START",
    "neutralise_formula",
    "safe_csv",
    "split_list",
    "PAGE_ROWS",
    "Page",
    "page_at",
    "page_label",
    "pages_of",
]
