"""What kind of event a sentence reports: its CAMEO penta class (0 statement/appeal, 1 verbal
cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict; the penta task of
ConfliBERT, Hu et al. 2022, NAACL).

Two models, their class probabilities averaged with equal weight, both trained from data shipped
in ``data/events``:

- the ConfliBERT training split (``conflibert_cameo_class_train.tsv``, 1,349 sentences);
- the example sentences of the CAMEO 1.1b3 codebook (Schrodt 2012; ICEWS copy), labelled by the
  root of their code (:func:`realpolitik.news.events.penta_class`);
- the PLOVER gold-standard records (Open Event Data Alliance 2016), labelled by the penta class
  of the CAMEO codes that the PLOVER manual (draft 0.8, Schrodt 2021) maps to their event type.

1. A linear model on text features, trained here at first use. After actor masking (every name
   the gazetteer knows becomes ``ACTOR``, so the model learns what was done, not who did it):
   TF-IDF of word 1-2-grams and of character 2-5-grams inside word boundaries, both with
   sublinear term frequency (Manning, Raghavan & Schutze 2008, eq. 6.13); multinomial logistic
   regression with class weights inversely proportional to class frequency. (Appending the
   sentence encoder's embeddings, :attr:`Settings.encoder`, was the shipped model until the
   fine-tuned encoder beat it.)
2. all-MiniLM-L6-v2 fine-tuned on the same masked sentences
   (:func:`realpolitik.news.encoder.penta_proba`; trained once, seeded, on the CPU by
   ``scripts/finetune_penta.py`` and shipped as 8-bit ONNX).

The choice of these settings and their cross-validated scores are in
``benchmarks/cv_classify.py``, ``benchmarks/cv_classify_finetune.py`` and docs/accuracy.md
("Event classification").

A fitted linear model is cached in the user's data folder, keyed by the training data, the
settings, the sentence encoder when used, this module's :data:`CODE_VERSION` and the
scikit-learn version, so only the first run trains.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from realpolitik.errors import InputError
from realpolitik.files import read_bounded, write_atomic
from realpolitik.news.events import penta_class
from realpolitik.news.gazetteer import load_gazetteer
from realpolitik.paths import data_file

CODE_VERSION = "3"
"""Bump when the features or the training data assembly change (invalidates cached models)."""

N_CLASSES = 5
MAX_INPUT_BYTES = 16 * 1024 * 1024
ENV_CACHE = "REALPOLITIK_CACHE"
"""Folder for cached models (default: ``models/`` in the user's data folder)."""

PLOVER_PENTA = {
    # PLOVER draft 0.8 event types: the penta class of every CAMEO code CAMEO2PLOVER-2021 maps
    # to them (each type maps to one class only)
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1,
    "COOPERATE": 2, "AID": 2, "CONCEDE": 2, "RETREAT": 2,
    "ACCUSE": 3, "REQUEST": 3, "REJECT": 3, "THREATEN": 3,
    "PROTEST": 4, "MOBILIZE": 4, "SANCTION": 4, "COERCE": 4, "ASSAULT": 4,
    # the older type names of the gold-standard file (PLOVER 0.5b1): DEMAND is CAMEO 10,
    # DISAPPROVE 11, INVESTIGATE 09, FIGHT 19-20
    "DEMAND": 3, "DISAPPROVE": 3, "INVESTIGATE": 3, "FIGHT": 4,
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """How the model is built (the defaults are the ones chosen by cross-validation)."""

    C: float = 10.0
    """Inverse L2 penalty of the logistic regression."""
    extra: bool = True
    """Add the CAMEO codebook and PLOVER example sentences to the training data."""
    mask: bool = True
    """Replace actor names by ``ACTOR`` before extracting features."""
    char: bool = True
    """Add character 2-5-grams to the word 1-2-grams."""
    encoder: float = 0.0
    """Weight of the sentence embeddings (:func:`realpolitik.news.encoder.embed`) appended to the
    TF-IDF features; 0 leaves them out."""
    tuned: float = 0.5
    """Weight of the fine-tuned encoder's class probabilities
    (:func:`realpolitik.news.encoder.penta_proba`) in the average with the linear model's; 0
    leaves it out. Its model was trained on all the shipped sentences, so a cross-validation of
    the linear model (``cv_classify.py``) sets it to 0 and ``cv_classify_finetune.py`` fine-tunes
    a fresh one inside each training fold."""
    seed: int = 0


@dataclass(frozen=True)
class Corpus:
    texts: list[str]
    labels: NDArray[np.int64]
    source: list[str]
    """``conflibert``, ``cameo`` or ``plover`` per sentence."""


def conflibert() -> Corpus:
    """The ConfliBERT penta training split (``text<TAB>label``)."""
    raw = read_bounded(data_file("events", "conflibert_cameo_class_train.tsv")).decode("utf-8")
    texts, labels = [], []
    for line in raw.splitlines():
        if line.strip():
            text, label = line.rsplit("\t", 1)
            texts.append(text.strip())
            labels.append(int(label))
    return Corpus(texts, np.array(labels, dtype=np.int64), ["conflibert"] * len(texts))


def cameo_examples() -> Corpus:
    """Example sentences of the CAMEO 1.1b3 codebook, labelled by their code's root."""
    raw = read_bounded(data_file("events", "icews_cameo_codes_with_examples.utf8.csv"))
    texts, labels = [], []
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        example = (row.get("example") or "").strip()
        if example and example != "NA":
            texts.append(example)
            labels.append(penta_class(row["code"]))
    return Corpus(texts, np.array(labels, dtype=np.int64), ["cameo"] * len(texts))


def plover_examples() -> Corpus:
    """PLOVER gold-standard sentences, labelled through :data:`PLOVER_PENTA`."""
    records = json.loads(read_bounded(data_file("events", "PLOVER_GSR_CAMEO.json")))
    texts, labels = [], []
    for r in records:
        if r.get("text") and r.get("event") in PLOVER_PENTA:
            texts.append(r["text"].strip())
            labels.append(PLOVER_PENTA[r["event"]])
    return Corpus(texts, np.array(labels, dtype=np.int64), ["plover"] * len(texts))


def training_corpus(extra: bool = True) -> Corpus:
    parts = [conflibert(), *((cameo_examples(), plover_examples()) if extra else ())]
    return Corpus(
        [t for p in parts for t in p.texts],
        np.concatenate([p.labels for p in parts]),
        [s for p in parts for s in p.source],
    )


@lru_cache(maxsize=1 << 16)
def mask_actors(text: str) -> str:
    """``text`` with every gazetteer name (countries, demonyms, capitals, leaders,
    organisations) replaced by ``ACTOR``."""
    gaz = load_gazetteer()
    return gaz.pattern.sub("ACTOR", text)


class EventClassifier:
    """TF-IDF features, optionally with sentence embeddings, and logistic regression, averaged
    with the fine-tuned encoder's probabilities; ``fit`` then ``predict``."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.features, self.classifier = self._parts()

    def _parts(self):  # type: ignore[no-untyped-def]
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        s = self.settings
        parts = [("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1))]
        if s.char:
            parts.append(
                (
                    "char",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                    ),
                )
            )
        clf = LogisticRegression(C=s.C, class_weight="balanced", max_iter=3000, random_state=s.seed)
        return FeatureUnion(parts), clf

    def _matrix(self, texts: list[str], fit: bool):  # type: ignore[no-untyped-def]
        """The feature rows of ``texts``: TF-IDF blocks, then the weighted embedding."""
        from scipy import sparse

        prepared = [mask_actors(t) for t in texts] if self.settings.mask else list(texts)
        tfidf = self.features.fit_transform(prepared) if fit else self.features.transform(prepared)
        if not self.settings.encoder:
            return tfidf
        from realpolitik.news.encoder import embed

        dense = self.settings.encoder * embed(prepared)
        return sparse.hstack([tfidf, sparse.csr_matrix(dense)]).tocsr()

    def fit(self, texts: list[str], labels: NDArray[np.int64]) -> EventClassifier:
        self.classifier.fit(self._matrix(texts, fit=True), np.asarray(labels))
        return self

    def predict(self, texts: list[str]) -> NDArray[np.int64]:
        if not texts:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.predict_proba(texts).argmax(axis=1), dtype=np.int64)

    def predict_proba(self, texts: list[str]) -> NDArray[np.float64]:
        """Class probabilities, one row per text: ``tuned`` x the fine-tuned encoder's plus
        ``1 - tuned`` x the logistic regression's."""
        if not texts:
            return np.zeros((0, N_CLASSES), dtype=np.float64)
        linear = np.asarray(
            self.classifier.predict_proba(self._matrix(texts, False)), dtype=np.float64
        )
        w = self.settings.tuned
        if not w:
            return linear
        from realpolitik.news.encoder import penta_proba

        # the fine-tuned encoder was trained on masked sentences, whatever ``mask`` says
        return w * penta_proba([mask_actors(t) for t in texts]) + (1.0 - w) * linear


def train(settings: Settings | None = None) -> EventClassifier:
    """A model fitted on the shipped training data."""
    s = settings or Settings()
    corpus = training_corpus(s.extra)
    return EventClassifier(s).fit(corpus.texts, corpus.labels)


def cache_key(settings: Settings) -> str:
    """The cached model's name: training data, gazetteer, settings, code and sklearn versions."""
    import sklearn

    h = hashlib.sha256()
    for name in (
        "conflibert_cameo_class_train.tsv",
        "icews_cameo_codes_with_examples.utf8.csv",
        "PLOVER_GSR_CAMEO.json",
        "countries.csv",
    ):
        h.update(read_bounded(data_file("events", name)))
    h.update(read_bounded(data_file("gazetteer.toml")))
    if settings.encoder:
        from realpolitik.news.encoder import MAX_MODEL_BYTES, MODEL

        h.update(read_bounded(data_file("encoder", MODEL), "model", MAX_MODEL_BYTES))
        h.update(read_bounded(data_file("encoder", "vocab.txt")))
    h.update(json.dumps([asdict(settings), CODE_VERSION, sklearn.__version__]).encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("realpolitik")) / "models"


@lru_cache(maxsize=4)
def load_model(settings: Settings | None = None) -> EventClassifier:
    """The fitted model: from the cache when its key matches, else trained and cached (a cache
    that cannot be read or written is ignored: the model is then trained for this run only)."""
    s = settings or Settings()
    path = cache_dir() / f"classify-{cache_key(s)}.pkl"
    try:
        with path.open("rb") as f:
            model = pickle.load(f)  # our own file, written below
        if isinstance(model, EventClassifier) and model.settings == s:
            return model
    except Exception:  # a missing, corrupt or stale cache file: train anew
        pass
    model = train(s)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pickle.dumps(model))
    except (OSError, InputError):
        pass
    return model


def metrics(y_true: NDArray[np.int64], y_pred: NDArray[np.int64]) -> dict[str, object]:
    """Accuracy, macro-averaged F1 (the unweighted mean of the per-class F1 over the classes
    present in either vector, each 2PR/(P+R), 0 when undefined) and the confusion matrix
    (rows: true class 0-4, columns: predicted class)."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    conf = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(conf, (t, p), 1)
    tp = np.diag(conf).astype(float)
    support, predicted = conf.sum(axis=1), conf.sum(axis=0)
    present = (support + predicted) > 0
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(N_CLASSES), where=denom > 0)
    return {
        "accuracy": float(tp.sum() / max(len(t), 1)),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "confusion": conf.tolist(),
    }


def read_sentences(path: Path | str) -> tuple[list[str], list[int | None]]:
    """Sentences of ``path``, one per non-blank line, and each line's label: an integer after
    the line's last tab (0-4), else None. Text after the last tab that is longer than three
    characters or holds a space belongs to the sentence (its tabs read as spaces); a trailing
    tab alone is no label. Bad input
    (binary, not UTF-8, no sentence, a label outside 0-4, larger than 16 MiB) raises
    :class:`InputError` naming the file and line."""
    raw = read_bounded(path, "sentence", MAX_INPUT_BYTES)
    name = str(path)
    if b"\x00" in raw:
        at = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError.single(name, f"line {at}", "binary file (NUL byte), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        at = raw[: err.start].count(b"\n") + 1
        raise InputError.single(name, f"line {at}", "not UTF-8 text") from None
    texts: list[str] = []
    labels: list[int | None] = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sentence, label = line, None
        if "\t" in line:
            head, tail = line.rsplit("\t", 1)
            tail = tail.strip()
            if len(tail) <= 3 and " " not in tail and tail:  # a label column (maybe a bad one)
                if tail not in {"0", "1", "2", "3", "4"}:
                    raise InputError.single(
                        name, f"line {i}", f"label {tail!r} is not a penta class 0-4"
                    )
                sentence, label = head, int(tail)
            elif not tail:
                sentence = head
        sentence = " ".join(sentence.split())
        if not sentence:
            raise InputError.single(name, f"line {i}", "a label without a sentence")
        texts.append(sentence)
        labels.append(label)
    if not texts:
        raise InputError.single(name, "", "no sentence: the file is empty")
    return texts, labels
