"""Method: how the score works, in plain words, with its weights and latest backtest."""

from __future__ import annotations

import streamlit as st

from pages.ui import cache, gate, loaders
from sources.people import access

gate.via_app(__file__)
gate.require(access.VIEW_PROVIDERS)

stamp = cache.stamp()
st.title("How the score works")
st.markdown(
    """
Carelens gives every provider a **risk of poor care** score from 0 to 100. It says where to
look first and why. It is not a rating, and a high score is a reason to look, not a finding.

1. **Evidence, put on the same footing.** For each provider Carelens counts incidents (by
   harm), safeguarding alerts (by risk level), public comments and experts' notes (what they
   say, how negative, whether they describe something serious) and the ratings history. Each
   count is compared with what a provider of the same type and size would be expected to
   have, so a large hospital is not flagged for being large.
2. **Small numbers are treated with caution.** A provider with little evidence is pulled
   towards the average for its type (empirical Bayes), so one bad month at a small care home
   does not put it at the top of the list. The *uncertainty* says how much evidence there is.
   Fewer harms and safeguarding alerts than peers of the size count in a provider's favour
   only as far as its own open reporting of small incidents vouches for its record, and not
   while they are rising; more harm or another alert never lowers a score.
3. **Recent evidence counts more.** Older events fade with a half-life, so the score moves
   smoothly over time rather than jumping when an event leaves a window.
4. **One weighted sum.** The indicators are standardised within type and added with the
   weights below, then turned into a 0-100 score. Every provider starts from the same
   baseline; the rest of its score is shared between indicators in proportion to weight
   times indicator, so the parts add up to the score exactly. The Provider page shows those
   parts and the evidence behind the largest.
5. **Bands.** The score is cut into low, moderate, high and very high.
6. **Checked against what happened.** The backtest scores providers as of a past date, using
   only the evidence known then, and asks how well the ranking picked out the providers later
   rated Requires improvement or Inadequate.

Text from the public is read for sentiment, themes (the five key questions and topics such as
staffing or medicines) and serious concerns. Serious concerns are always sent to a person in
the Inbox, not only counted.
"""
)

st.subheader("Weights")
found = loaders.weights(stamp)
if found is None or found[0].empty:
    st.info("The weights are not available yet (risk/weights.py).")
else:
    table, bands = found
    st.write(
        "Each weight is the change in the log-odds of a poor next rating when the indicator "
        "is one peer spread above the usual for the provider's type. A negative weight "
        "lowers the score: reporting many small incidents is a sign of a safety culture. "
        "The two indicators of fewer harms or alerts than peers are zero or below, so their "
        "weights can only lower a score."
    )
    applied = loaders.weights_in_force(stamp)
    if applied:
        st.caption(applied)
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "weight": st.column_config.NumberColumn(format="%+.2f"),
            "meaning": st.column_config.TextColumn(width="large"),
        },
        height=(len(table) + 1) * 35 + 3,
        key="weights",
    )
    if bands:
        st.write("Bands: " + "; ".join(f"**{band}** {span}" for band, span in bands) + ".")

st.subheader("Latest backtest")
result = loaders.backtest(stamp)
if result is None:
    st.write(
        "The backtest scores every provider as of a year before the newest rating, using only "
        "what was known then, and checks the ranking against the ratings that followed."
    )
    if st.button("Run the backtest", key="run_backtest"):
        with st.spinner("Running the backtest: the store is scored twice…"):
            result = loaders.run_backtest(stamp)
        if result is None:
            st.info("No backtest possible yet: the store needs ratings a year after a day.")
if result is not None:
    summary, table = result
    st.write(summary)
    st.dataframe(table, hide_index=True, key="backtest")
