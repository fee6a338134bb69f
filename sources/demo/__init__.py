"""The fictional demo world: providers, evidence and hidden truth (`world`) and the words
of its comments and notes (`words`), written as contract files.

May import: `sources.contract` and `sources.progress`; it writes files and never touches
the store.
"""
