"""What the command line's outputs mean, in a regulator's words.

The columns `python -m risk score` writes and the rows and columns `python -m risk backtest`
prints, each with its meaning and units. `--help`, the backtest's printed legend and the
tests read them from here; the README's "Command line" section says the same. Imports
only risk.weights, so `python -m risk --help` stays quick.
"""

from __future__ import annotations

import math
import textwrap

from risk import weights as W

_LOW, _MODERATE, _HIGH = W.BAND_BOUNDS
BASE_POINTS = 100.0 / (1.0 + math.exp(-W.INTERCEPT / W.SCORE_SCALE))

# The columns of `python -m risk score`, in the order written (riskiest provider first).
SCORE_COLUMNS: dict[str, str] = {
    "provider_id": "the provider's id, as in providers.csv",
    "name": "its name, as registered",
    "type": "its service type; the score compares it with providers of the same type",
    "region": "its region (empty when the register gives none)",
    "score": "risk of poor care, 0-100: the higher, the likelier its next rating is Requires "
    "improvement or Inadequate; where to look first, not a rating",
    "band": f"low (below {_LOW:g}), moderate ({_LOW:g}-{_MODERATE:g}), high "
    f"({_MODERATE:g}-{_HIGH:g}) or very high ({_HIGH:g} and over)",
    "c_incidents": "points of the score from patient-safety incidents (harm per size against "
    "peers, reporting culture, recent rises); negative when they lower it",
    "c_safeguarding": "points from safeguarding alerts (by abuse type and risk level, per size)",
    "c_comments": "points from public comments (negative share, serious concerns, low stars, "
    "volume)",
    "c_ebe_notes": "points from experts by experience's notes (tone, serious concerns)",
    "c_ratings": "points from the ratings history (last rating, Safe, every rating since)",
    "c_base": f"the points of a provider with nothing unusual ({BASE_POINTS:.1f}); c_base "
    "plus the five c_ columns make the score, a negative part lowering it",
}

# The rows of `python -m risk backtest`: each a way of ranking providers as of the day.
BACKTEST_METHODS: dict[str, str] = {
    "score": "the risk score, from the evidence known on the day",
    "score, learned weights": "the same indicators weighted by a logistic regression fitted "
    "one horizon earlier, on outcomes known by the day (a challenger to the set weights)",
    "set weights": "with `risk weights`, when other weights are applied: the same "
    "indicators with the set weights of risk/weights.py",
    "refit, ratings": "with `risk weights`: the indicators weighted by a refit on the ratings "
    "published in the horizon before the day (signs kept to their meaning)",
    "refit, +verdicts": "with `risk weights`: the same refit on those ratings and the "
    "verdicts of the visits in the horizon before the day together",
    "last rating": "the last published overall rating alone (at a tie, the older riskier)",
    "incidents per bed": "incidents in the year before the day, per unit of size (beds, "
    "places or registered patients)",
    "harmful per bed": "moderate, severe and fatal incidents in the year before, per size",
    "safeguarding count": "safeguarding alerts raised in the year before",
    "IM-like flags": "an Intelligent-Monitoring-like count of flags: for each count that "
    "raises the score (severe and moderate harm, weighted and high-risk safeguarding alerts, "
    "comment volume), 1 when above its peers' funnel limit at z 1.96 (95%), 2 when above "
    "z 3.09 (99.8%)",
    "random": "a random order: what chance alone gives",
    "hidden latent (ceiling)": "with --truth only: the demo world's hidden quality on the "
    "day; later ratings are noisy, so no method can expect to beat it",
}

# The columns of `python -m risk backtest`. AUC: the chance that a provider with the outcome
# ranks above one without it (0.5 chance, 1 perfect); P@10%: the share with the outcome
# among the top 10% of those measured.
BACKTEST_COLUMNS: dict[str, str] = {
    "AUC all": "AUC for a poor first rating (Requires improvement or Inadequate) within the "
    "horizon, over every provider rated in it",
    "P@10% all": "of the top 10% of those, the share whose first rating was poor",
    "AUC G/O": "the same AUC over providers last rated Good or Outstanding on the day (the "
    "hidden declines)",
    "P@10% G/O": "the same top-10% share over those",
    "AUC failing now": "with --truth only: AUC for failing, in the demo world's hidden "
    "state, on the day",
    "AUC failing in horizon": "with --truth only: AUC for failing in any month within the horizon",
    "small in top 10%": "of the top 10% of every provider scored, the share in the smallest "
    "fifth by size of their type; 0.20 is proportionate, more means small services are "
    "flagged out of proportion",
}


def describe(meanings: dict[str, str], names: list[str] | None = None, width: int = 88) -> str:
    """A plain-text list of `names` (default: all) and their meanings, wrapped to `width`."""
    chosen = list(meanings) if names is None else [n for n in names if n in meanings]
    pad = max((len(n) for n in chosen), default=0) + 4
    lines = []
    for name in chosen:
        lines += textwrap.wrap(
            meanings[name],
            width=width,
            initial_indent=f"  {name:<{pad - 2}}",
            subsequent_indent=" " * pad,
        )
    return "\n".join(lines)
