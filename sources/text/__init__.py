"""Reading people's words: sentiment, themes and serious concerns in comments and notes.

What runs at load: `reader` (the shipped model, `read_texts`), `reading` (a batch read with
a given model), `model` (what a fitted model holds and its file), and the pieces they use
(`sentiment`, `themes`, `concerns`, `keywords`, `ngrams`, `vader`). Training, never imported
when reading a comment except to build a model that is missing: `training`, `feedback`
(the labelled data and its fixed split) and `teacher` (the fine-tuned teachers).

May import: `sources.settings`, `sources.progress` and the vocabularies of
`sources.contract`; nothing else of `sources`, and nothing of `risk` or `pages`.
"""
