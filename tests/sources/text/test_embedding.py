"""The static sentence embedding: each sentence the unit-length sum of its tokens' vectors."""

from __future__ import annotations

import numpy as np

from sources.text.embedding import load_embedding


def test_a_sentence_is_the_normalised_sum_of_its_tokens_vectors() -> None:
    embedding = load_embedding()
    sentences = [
        "A carer slapped my mother.",
        "",
        "Staff were kind, staff were kind, staff were kind.",
        "🙂",
        "Nurses nurses NURSES",
    ]
    got = embedding.encode(sentences)
    for sentence, row in zip(sentences, got, strict=True):
        ids = embedding.tokenizer_.encode(sentence, add_special_tokens=False).ids
        ids = [i for i in ids if not embedding.skip_[i]]
        total = embedding.vectors_[ids].sum(axis=0) if ids else np.zeros(embedding.dims)
        norm = np.linalg.norm(total)
        expected = total / norm if norm else total
        assert np.allclose(row, expected, atol=1e-6)
    assert np.allclose(np.linalg.norm(got[[0, 2, 4]], axis=1), 1.0, atol=1e-6)
    assert not got[1].any()  # nothing to read: all zeros


def test_only_the_first_tokens_count() -> None:
    embedding = load_embedding()
    long = "care " * 10 + "slapped " * 300
    assert np.allclose(
        embedding.encode([long], max_tokens=10)[0], embedding.encode(["care " * 10])[0], atol=1e-6
    )
