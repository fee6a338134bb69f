"""Training the text room's models: the commands that write what sources/text reads.

Owns `train-text` (sentiment and themes, `sentiment`), `teach-text` (the fine-tuned
teachers, `teacher`), `train-concerns` (the serious-concern detector, `detector`) and the
labelled feedback they learn from (`feedback`). PyTorch and transformers are imported here
only, and only when fine-tuning.

May import the rest of sources.text and sources.settings/progress; nothing that runs at
load imports this package, except the reader's fallback that trains the text model when
the shipped file cannot be read (another scikit-learn).
"""
