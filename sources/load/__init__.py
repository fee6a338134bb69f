"""The all-or-nothing loader: contract files in, checked against every rule, upserted by id.

A load reads whichever contract files it is given, checks every row of every file first,
and only then writes, in one transaction. One bad row anywhere and nothing is stored; every
problem is reported as `file:row: column 'x' = 'value': what is wrong`. Records are upserted
by their id: loading the same files again adds nothing and updates nothing. Each load,
whatever its outcome, is kept as a Load row. `python -m sources load DIR` and the app's
Data page both call this package.

Its stages, each importing only those below it (checked by `lint-imports`):
`command` (the CLI, `print_result`, `record_in_audit`) › `run` (`load_folder`,
`load_files`: register, read, link, commit or reject, record the Load row) › `link`
(comments to providers, `link_comments`) and `texts` (`read_stored_texts`, the reading
columns) › `pool` (work in spawned worker processes) and `write` (rows stored by id,
upserts per dialect) › `check` (decoding, parsing, every contract rule, `Problem`).

May import: `sources.contract`, `sources.store`, `sources.rollups`, `sources.progress`,
`sources.linking`, `sources.duplicates`, `sources.people.audit` and `sources.text.reader`;
nothing of `risk` or `pages`.
"""

from sources.load.check import Problem
from sources.load.command import print_result, record_in_audit, run_load_command
from sources.load.link import link_comments
from sources.load.run import LoadResult, load_files, load_folder
from sources.load.texts import READING_COLUMNS, read_stored_texts

__all__ = [
    "READING_COLUMNS",
    "LoadResult",
    "Problem",
    "link_comments",
    "load_files",
    "load_folder",
    "print_result",
    "read_stored_texts",
    "record_in_audit",
    "run_load_command",
]
