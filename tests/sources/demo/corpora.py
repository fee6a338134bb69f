"""Texts the text-reading tests share: the demo world's comments, as its generator writes them."""

from __future__ import annotations

import random

from sources.demo import words as demo_text


def demo_texts(n: int, seed: int = 3) -> list[str]:
    """n demo comments of every kind and tone, two themes each, some with a serious concern."""
    r = random.Random(seed)
    kinds, themes = list(demo_text.VOCAB), list(demo_text.NEGATIVE)
    return [
        demo_text.compose_comment(
            r,
            r.choice(kinds),
            r.choice(["positive", "mixed", "negative"]),
            r.sample(themes, 2),
            r.choice([None, *demo_text.SERIOUS]),
        )
        for _ in range(n)
    ]
