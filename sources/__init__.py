"""Reading evidence into the Carelens store.

The top of this package is intake: the contract (`contract`), the store's tables and
engine (`store`), the monthly rollups every writer of evidence keeps in step (`rollups`),
settings, the all-or-nothing loader (`load`), adapters from other formats (`cqc`), copies
across channels (`duplicates`) and linking comments to providers (`linking`). Its rooms:

- `sources.text`: reading words (sentiment, themes, serious concerns) and training that;
- `sources.people`: who may see what (accounts, roles, the audit log);
- `sources.demo`: the fictional demo world.

May import: nothing of `risk` or `pages`, and never streamlit.
"""
