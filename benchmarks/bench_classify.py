"""Event classification speed: sentences per second of ``realpolitik classify``'s model
(actor masking, word and character TF-IDF, logistic regression, the fine-tuned encoder) against
the plain word-TF-IDF model (no masking, no character n-grams, no encoder) in the same run, both
predicting the ConfliBERT training sentences (masking and embedding caches cleared before each
timing, so every sentence is masked and encoded anew). The issue asks for 200 sentences/s on
2 cores.

    python benchmarks/bench_classify.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from realpolitik.news.classify import EventClassifier, Settings, conflibert, mask_actors, train
from realpolitik.news.encoder import embed_one, penta_one, workers

PLAIN = Settings(C=1, extra=False, mask=False, char=False, tuned=0)


def rate(model: EventClassifier, texts: list[str], repeat: int) -> tuple[float, float]:
    """(sentences per wall-clock second, sentences per CPU second)."""
    wall = cpu = 0.0
    for _ in range(repeat):
        mask_actors.cache_clear()
        embed_one.cache_clear()
        penta_one.cache_clear()
        t0, c0 = time.perf_counter(), time.process_time()
        model.predict(texts)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
    n = len(texts) * repeat
    return n / wall, n / cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = conflibert().texts
    ours, plain = train(), train(PLAIN)
    ref_wall, ref_cpu = rate(plain, texts, args.repeat)
    wall, cpu = rate(ours, texts, args.repeat)
    print(f"{len(texts)} sentences x {args.repeat}, {workers()} cores")
    print(f"plain word TF-IDF (reference): {ref_wall:8.0f} sentences/s ({ref_cpu:.0f} per CPU s)")
    print(f"classify model               : {wall:8.0f} sentences/s ({cpu:.0f} per CPU s)")
    print(f"ratio (classify / reference) : {wall / ref_wall:.3f}")


if __name__ == "__main__":
    main()
