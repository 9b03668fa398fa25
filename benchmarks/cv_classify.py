"""How the event classifier's settings were chosen: 5-fold stratified cross-validation on the
ConfliBERT training split (the only labelled sentences like the held-out ones), macro-F1 per
fold. The CAMEO and PLOVER example sentences, when used, join the training folds only; scores
are always on ConfliBERT sentences. A second, shifted check: train on ConfliBERT (plus the CAMEO
examples when the setting uses extra data) and score the PLOVER gold-standard sentences, written
by other coders for other purposes.

First it reports how alike the training sentences are (each one's nearest neighbour by cosine of
word 1-2-gram TF-IDF): near-duplicates split across folds would inflate the CV score, and
near-duplicates labelled differently show the labels' noise.

    python benchmarks/cv_classify.py [--folds 5] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold

from realpolitik.news.classify import (
    EventClassifier,
    Settings,
    cameo_examples,
    conflibert,
    metrics,
    plover_examples,
)

GRID = {
    "word 1-2-grams, C=1 (plain)": Settings(C=1, extra=False, mask=False, char=False),
    "word+char, C=10": Settings(C=10, extra=False, mask=False),
    "word+char, C=10, masked": Settings(C=10, extra=False, mask=True),
    "word+char, C=10, masked, extra": Settings(C=10, extra=True, mask=True),
}


def f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(metrics(y, p)["macro_f1"])  # type: ignore[arg-type]


def neighbours(texts: list[str], labels: np.ndarray) -> None:
    """Print the nearest-neighbour similarities and how often near neighbours share a label."""
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sim = (x @ x.T).toarray()
    np.fill_diagonal(sim, 0.0)
    near, nearest = sim.max(axis=1), sim.argmax(axis=1)
    agree = labels[nearest] == labels
    q = np.quantile(near, [0.5, 0.9, 0.99])
    print(f"{len(texts)} training sentences; nearest-neighbour cosine median {q[0]:.2f}, "
          f"90% {q[1]:.2f}, 99% {q[2]:.2f}")
    for t in (0.5, 0.9):
        m = near > t
        print(f"  above {t}: {m.mean():.1%} of the sentences; their neighbour has the same label "
              f"in {agree[m].mean():.0%} (all sentences: {agree.mean():.0%})")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    base = conflibert()
    neighbours(base.texts, base.labels)
    cameo, plover = cameo_examples(), plover_examples()
    texts = np.array(base.texts, dtype=object)
    folds = list(
        StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(texts, base.labels)
    )
    scores: dict[str, np.ndarray] = {}
    shifted: dict[str, float] = {}
    for name, s in GRID.items():
        row = []
        for train, test in folds:
            tr_x = list(texts[train])
            tr_y = base.labels[train]
            if s.extra:
                tr_x += cameo.texts + plover.texts
                tr_y = np.concatenate([tr_y, cameo.labels, plover.labels])
            model = EventClassifier(s).fit(tr_x, tr_y)
            row.append(f1(base.labels[test], model.predict(list(texts[test]))))
        scores[name] = np.array(row)
        tr_x = base.texts + (cameo.texts if s.extra else [])
        tr_y = np.concatenate([base.labels, cameo.labels]) if s.extra else base.labels
        model = EventClassifier(s).fit(tr_x, tr_y)
        shifted[name] = f1(plover.labels, model.predict(plover.texts))
        print(
            f"{name:34s} CV macro-F1 {scores[name].mean():.3f} +- {scores[name].std(ddof=1):.3f}"
            f"   PLOVER {shifted[name]:.3f}",
            flush=True,
        )
    ref = next(iter(GRID))
    print(f"\ndifference to '{ref}' (paired over folds, 95% t interval):")
    for name, row in scores.items():
        d = row - scores[ref]
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        print(f"{name:34s} {d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]")


if __name__ == "__main__":
    main()
