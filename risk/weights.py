"""The score's weights and thresholds, in one readable place.

Every number that decides how evidence becomes a score is here. A change to any of them is
a reviewed commit with a test that shows its effect and a line under "Scoring" in the
CHANGELOG. A refit on ratings and verdicts (risk/refit.py, `python -m risk weights`) may
propose other indicator weights, signs kept as below; they score only once an admin applies
them (risk/weight_sets.py, audited), and these stay the default.

How the score is made (risk/indicators.py, risk/score.py):
1. each indicator k is a peer-compared, size-normalised, time-decayed, shrunk value x_k
   with 0 meaning "as expected for a provider of this type and size" (or "no evidence");
2. z_k = x_k / spread_k, the spread taken over the provider's peers (same type), clipped
   to +-Z_CLIP, so one weight means the same across types;
3. the linear predictor is L = INTERCEPT + sum_k WEIGHTS[k].weight * z_k (log-odds of a poor
   next rating);
4. score = 100 * sigmoid(L / SCORE_SCALE); the base term is 100 * sigmoid(INTERCEPT /
   SCORE_SCALE) (an average provider with no unusual evidence), and the rest, score - base,
   is shared between indicators in proportion to w_k * z_k, so the parts add up to the
   score exactly and keep their sign.
"""

from __future__ import annotations

from dataclasses import dataclass

# ------------------------------------------------------------------ time decay (months)
# Each event weighs 0.5 ** (age_in_months / half_life) (METHOD-NOTES 1.4); the expected
# counts are decayed the same way, so ratios compare like with like.
HALF_LIFE_COMMENTS = 3.5
HALF_LIFE_INCIDENTS = 6.0  # moderate harm and no/low-harm reporting
HALF_LIFE_SERIOUS = 12.0  # severe harm, death, high-risk safeguarding
HALF_LIFE_SAFEGUARDING = 6.0
HALF_LIFE_NOTES = 24.0  # expert-by-experience notes
HALF_LIFE_RATINGS = 24.0  # published ratings, in the ratings history
# Evidence older than this adds nothing worth reading (0.5 ** (48 / 12) = 6%).
LOOKBACK_MONTHS = 48

# ------------------------------------------------------------------ what one event counts
# Within the harm signals: a death counts twice a severe harm. No/low harm is a separate
# "reporting culture" indicator with a negative weight (Hutchinson 2009: services that
# report more small incidents are safer, not riskier).
SEVERE_HARM_WEIGHTS: dict[str, float] = {"severe": 1.0, "death": 2.0}
# Safeguarding: abuse done or allowed by the service counts most; self-neglect and domestic
# abuse happen mostly outside its control.
ABUSE_TYPE_WEIGHTS: dict[str, float] = {
    "physical": 1.2,
    "sexual": 1.5,
    "psychological": 1.0,
    "financial": 0.8,
    "neglect": 1.2,
    "discriminatory": 1.0,
    "organisational": 1.5,
    "domestic": 0.3,
    "modern_slavery": 1.0,
    "self_neglect": 0.3,
}
RISK_LEVEL_WEIGHTS: dict[str, float] = {"low": 0.5, "medium": 1.0, "high": 2.0}
# Ratings on an ordinal scale; Good is 0, the usual rating.
RATING_POINTS: dict[str, float] = {
    "Outstanding": -1.0,
    "Good": 0.0,
    "Requires improvement": 1.0,
    "Inadequate": 2.0,
}
# A star rating at or below this is a complaint, whatever the text says.
LOW_STARS = 2

# ------------------------------------------------------------------ shrinkage and peers
# Moment estimates of the prior variance are floored so a type whose providers look alike
# still shrinks small services hard rather than not at all.
EB_MIN_VARIANCE = 0.02
# Fewer peers than this: compare with every provider instead of the type alone.
MIN_PEERS = 8
# Spreads are floored so an indicator that barely varies in a type cannot blow up its z.
MIN_SPREAD = 0.05
Z_CLIP = 4.0
# Expert-by-experience tone is a mean over notes, shrunk to the type mean with this many
# pseudo-notes (METHOD-NOTES 1.3: n0 pseudo-reviews).
NOTES_PRIOR_WEIGHT = 1.0
# The ratings history is shrunk to Good with this many pseudo-ratings (a fresh one weighs 1).
RATINGS_PRIOR_WEIGHT = 1.0

# ------------------------------------------------------------------ change detection
# Poisson CUSUM against the provider's own baseline (METHOD-NOTES 1.5): detect a rate
# multiplied by CUSUM_RHO, over the last CUSUM_MONTHS months, the baseline shrunk from the
# months before those. CUSUM_ALARM is the log-likelihood ratio read as an alarm.
CUSUM_RHO = 2.0
CUSUM_MONTHS = 12
CUSUM_BASELINE_MONTHS = 24
CUSUM_ALARM = 3.0

# ------------------------------------------------------------------ the linear score


@dataclass(frozen=True)
class Weight:
    """One indicator's weight in the score, its source and what it means."""

    weight: float  # log-odds of a poor next rating per peer spread (z = 1)
    source: str  # one of risk.score.SOURCES
    meaning: str


# Log-odds per unit z. Set by hand from the method notes, then checked against a logistic
# regression on an earlier, fully matured cut-off of demo worlds whose seeds are not the
# ones reported in the backtest (risk/backtest.py fit_weights). Signs are fixed by meaning:
# more harm never lowers the score.
WEIGHTS: dict[str, Weight] = {
    "inc_severe": Weight(
        0.25, "incidents", "severe harm and deaths, per size, against peers (12-month half-life)"
    ),
    "inc_moderate": Weight(
        0.25, "incidents", "moderate-harm incidents, per size, against peers (6-month half-life)"
    ),
    "inc_reporting": Weight(
        -0.05,
        "incidents",
        "no/low-harm reporting per size: a reporting culture lowers risk, silence raises it",
    ),
    "inc_cusum": Weight(
        0.05, "incidents", "recent rise in moderate-or-worse incidents against its own past"
    ),
    "inc_fewer_harms": Weight(
        0.2,
        "incidents",
        "fewer moderate-or-worse harms than peers of its size, as far as its no/low-harm "
        "reporting shows its record can be trusted (only lowers the score)",
    ),
    "sg_weighted": Weight(
        0.5,
        "safeguarding",
        "safeguarding alerts weighted by abuse type and risk level, per size, against peers",
    ),
    "sg_high": Weight(
        0.15, "safeguarding", "high-risk safeguarding alerts, per size (12-month half-life)"
    ),
    "sg_fewer_alerts": Weight(
        0.3,
        "safeguarding",
        "fewer safeguarding alerts (by type and risk) than peers of its size, as far as its "
        "no/low-harm reporting shows it is an open service (only lowers the score)",
    ),
    "sg_cusum": Weight(
        0.2, "safeguarding", "recent rise in safeguarding alerts against its own past"
    ),
    "cm_negative": Weight(
        0.5, "comments", "share of public comments that are negative (shrunk to the peer share)"
    ),
    "cm_serious": Weight(
        0.05, "comments", "share of comments raising a serious concern (abuse, neglect, injury)"
    ),
    "cm_low_stars": Weight(0.05, "comments", "share of 1-2 star ratings among rated comments"),
    "cm_volume": Weight(
        0.1, "comments", "more comments than peers of its size (never lowered by silence)"
    ),
    "cm_cusum": Weight(0.05, "comments", "recent rise in negative comments against its own past"),
    "ebe_negative": Weight(
        0.2, "ebe_notes", "tone of expert-by-experience notes at the last visits"
    ),
    "ebe_serious": Weight(0.1, "ebe_notes", "serious concerns in expert-by-experience notes"),
    "rt_last": Weight(
        0.1, "ratings", "last overall rating (Good 0, RI 1, Inadequate 2, Outstanding -1)"
    ),
    "rt_safe": Weight(0.05, "ratings", "last rating of the Safe key question"),
    "rt_decline": Weight(0.0, "ratings", "the last rating was worse than the one before"),
    "rt_history": Weight(
        1.6,
        "ratings",
        "mean of every published rating and its key questions, newer weighing more "
        "(24-month half-life, one pseudo-rating at Good)",
    ),
    "rt_age": Weight(0.0, "ratings", "years since the last published rating (evidence goes stale)"),
}
# Log-odds of a poor next rating for a provider with nothing unusual: the base term.
INTERCEPT = -2.0

# The score is 100 * sigmoid(L / SCORE_SCALE), so score / (100 - score) is the odds of a poor
# next rating to the power 1 / SCORE_SCALE. With 1 (the probability itself) the top of the
# list crowded at 99.x-100.0 and moved by +0.0 when its odds doubled; with 2 (the square root
# of the odds) the top 1% spreads over about 90-99, the order is unchanged, and doubling
# the odds moves a top score by several points. The weights stay in log-odds.
SCORE_SCALE = 2.0

# Bands by score (0-100): below the first bound is "low", and so on up to "very high".
# With SCORE_SCALE 2 they mark a chance of a poor next rating of about 15%, 30% and 50%
# (the bands' meaning before the scale changed): 100 * sigmoid(logit(p) / 2).
BAND_BOUNDS: tuple[float, float, float] = (30.0, 40.0, 50.0)
