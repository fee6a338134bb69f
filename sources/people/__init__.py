"""People in the app: accounts and passwords (`accounts`), what each role may do (`access`),
the append-only audit log (`audit`), and what people do to evidence (`actions`: link,
dismiss, mark seen, mark used, pin, record a visit's verdicts; each write audited, and the
only writes of people's doings).

May import: `sources.store` and `sources.contract`; nothing of `risk` or `pages`.
"""
