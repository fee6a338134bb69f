"""Who may see what: accounts and passwords (`accounts`), what each role may do (`access`),
and the append-only audit log (`audit`).

May import: `sources.store`; nothing of `risk` or `pages`.
"""
