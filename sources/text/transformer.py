"""A fine-tuned all-MiniLM-L6-v2: tokenizer, encoder and a linear head, and reading with it.

Fine-tuning is `sources.text.training.teacher.fine_tune`; the sentiment teachers and the serious-
concern detector's judge are both of this shape. PyTorch is imported only when one reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_TOKENS = 128


@dataclass
class Teacher:
    """The fine-tuned transformer: tokenizer, encoder and a head (for sentiment, three
    classes in LABELS order)."""

    tokenizer: Any
    encoder: Any
    head: Any

    def proba(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """Returns the class probabilities of each text."""
        import torch

        self.encoder.eval()
        # Batches of like lengths pad little: several times faster on a mix of comments
        # and short pieces.
        order = np.argsort([len(t) for t in texts], kind="stable")
        proba = np.zeros((len(texts), self.head.out_features))
        with torch.no_grad():
            for start in range(0, len(texts), batch):
                part = order[start : start + batch]
                logits = self._logits([texts[i] for i in part])
                proba[part] = torch.softmax(logits, -1).numpy()
        return proba

    def _logits(self, texts: Sequence[str]) -> Any:
        """Mean-pooled encoder output through the head (as the model was pre-trained)."""
        encoded = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        hidden = self.encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return self.head((hidden * mask).sum(1) / mask.sum(1))
