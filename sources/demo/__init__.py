"""The fictional demo world: providers, evidence and hidden truth (`world`), the words of
its comments and notes (`words`) and what its inspectors found on visits (`visits`), written
as contract files and verdicts.csv.

May import: `sources.contract` and `sources.progress`; it writes files and never touches
the store.
"""
