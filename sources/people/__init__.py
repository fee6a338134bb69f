"""People in the app: accounts and passwords (`accounts`), what each role may do (`access`),
the append-only audit log (`audit`), and what people do to evidence (`actions`: link,
dismiss, mark seen, mark used; each write audited, and the only writes of people's doings).

May import: `sources.store`; nothing of `risk` or `pages`.
"""
