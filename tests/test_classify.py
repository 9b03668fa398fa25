"""`realpolitik classify`: a sentence's CAMEO penta class from a model trained on the shipped
data; metrics as sklearn computes them; the cache; bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_bad_input, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from realpolitik.news import classify as cl

OBVIOUS = [
    ("The minister made an optimistic statement about the economy.", 0),
    ("Both governments agreed to hold consultations on the border next week.", 1),
    ("Japan sent humanitarian aid and medical supplies to the flood victims.", 2),
    ("The foreign ministry condemned the statement and accused Seoul of lying.", 3),
    ("Troops opened fire on protesters, killing twelve people.", 4),
    ("Fighter jets bombed rebel positions near the city overnight.", 4),
]


@pytest.fixture(scope="session", autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory):
    """Models are cached in a temporary folder, never in the user's data folder (one folder for
    all xdist workers of this run, so a model one worker trained is read by the others)."""
    old = os.environ.get(cl.ENV_CACHE)
    base = tmp_path_factory.getbasetemp()
    folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ[cl.ENV_CACHE] = str(folder / "classify-models")
    cl.load_model.cache_clear()
    yield
    cl.load_model.cache_clear()
    if old is None:
        os.environ.pop(cl.ENV_CACHE, None)
    else:
        os.environ[cl.ENV_CACHE] = old


@pytest.fixture(scope="session")
def model(_cache) -> cl.EventClassifier:
    return cl.load_model()


FAST = cl.Settings(C=10, char=False, extra=True, mask=True)
"""A quick configuration (word features only) for the properties that hold for any setting."""


def test_training_data_assembled():
    base, cameo, plover = cl.conflibert(), cl.cameo_examples(), cl.plover_examples()
    assert len(base.texts) == 1349
    assert np.bincount(base.labels).tolist() == [240, 248, 303, 337, 221]
    # the codebook example of 190 "Use conventional military force" is material conflict
    assert len(cameo.texts) > 250 and set(cameo.labels.tolist()) == {0, 1, 2, 3, 4}
    assert len(plover.texts) > 300 and 0 not in plover.labels  # PLOVER has no "statement"
    i = plover.texts.index(next(t for t in plover.texts if t.startswith("Libya has offered")))
    assert plover.labels[i] == 1  # AGREE: verbal cooperation


def test_masking_hides_actors():
    assert cl.mask_actors("Putin met Abe in Tokyo.") == "ACTOR met ACTOR in ACTOR."
    assert "ACTOR" not in cl.mask_actors("The talks ended without a deal.")


def test_obvious_sentences(model: cl.EventClassifier):
    pred = model.predict([s for s, _ in OBVIOUS])
    assert pred.tolist() == [y for _, y in OBVIOUS]


def test_average_of_the_linear_model_and_the_fine_tuned_encoder(model: cl.EventClassifier):
    from realpolitik.news.encoder import penta_proba

    texts = [s for s, _ in OBVIOUS] + cl.conflibert().texts[:40]
    linear = model.classifier.predict_proba(model._matrix(texts, False))
    tuned = penta_proba([cl.mask_actors(t) for t in texts])
    assert model.settings.tuned == 0.5
    np.testing.assert_allclose(model.predict_proba(texts), 0.5 * tuned + 0.5 * linear)
    assert model.predict(texts).tolist() == (tuned + linear).argmax(axis=1).tolist()
    alone = cl.EventClassifier(cl.Settings(tuned=0))
    alone.features, alone.classifier = model.features, model.classifier
    np.testing.assert_allclose(alone.predict_proba(texts), linear)


def test_fits_its_training_sentences(model: cl.EventClassifier):
    base = cl.conflibert()
    assert float(np.mean(model.predict(base.texts) == base.labels)) > 0.95


def test_same_seed_same_model():
    corpus = cl.training_corpus(True)
    a = cl.EventClassifier(FAST).fit(corpus.texts, corpus.labels)
    b = cl.EventClassifier(FAST).fit(corpus.texts, corpus.labels)
    probe = [s for s, _ in OBVIOUS] + corpus.texts[:200]
    assert np.array_equal(a.predict_proba(probe), b.predict_proba(probe))


def test_cache_round_trip(model: cl.EventClassifier):
    key = cl.cache_key(cl.Settings())
    assert (Path(os.environ[cl.ENV_CACHE]) / f"classify-{key}.pkl").is_file()
    cl.load_model.cache_clear()
    again = cl.load_model()
    assert again is not model  # read back from the file
    probe = cl.conflibert().texts[:300]
    assert np.array_equal(again.predict_proba(probe), model.predict_proba(probe))


def test_corrupt_cache_is_retrained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(cl.ENV_CACHE, str(tmp_path))
    path = tmp_path / f"classify-{cl.cache_key(FAST)}.pkl"
    path.write_bytes(b"not a pickle")
    model = cl.load_model(FAST)
    assert model.predict([OBVIOUS[4][0]]).tolist() == [4]
    assert path.read_bytes().startswith(b"\x80")  # replaced by a real pickle
    cl.load_model.cache_clear()


labels = st.lists(st.integers(0, 4), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_metrics_match_sklearn(data: st.DataObject):
    y = np.array(data.draw(labels), dtype=np.int64)
    p = np.array(
        data.draw(st.lists(st.integers(0, 4), min_size=len(y), max_size=len(y))), dtype=np.int64
    )
    m = cl.metrics(y, p)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert m["macro_f1"] == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
    assert m["confusion"] == confusion_matrix(y, p, labels=range(5)).tolist()


def test_cli_without_labels(model: cl.EventClassifier, tmp_path: Path):
    f = tmp_path / "s.txt"
    f.write_text("\n".join(s for s, _ in OBVIOUS) + "\n\n", encoding="utf-8")
    run = run_cli("classify", f, "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout) == {"predictions": [y for _, y in OBVIOUS]}
    table = run_cli("classify", f)
    assert table.code == 0 and "material confl." in table.stdout


def test_cli_with_labels(model: cl.EventClassifier, tmp_path: Path):
    rows = [*OBVIOUS, ("The minister said the summit had been useful.", 3)]  # one wrong label
    f = tmp_path / "s.tsv"
    f.write_text("".join(f"{s}\t{y}\n" for s, y in rows), encoding="utf-8")
    out = json.loads(run_cli("classify", f, "--json").stdout)
    y = [y for _, y in rows]
    p = out["predictions"]
    assert set(out) == {"predictions", "metrics"} and p[:-1] == y[:-1] and p[-1] != 3
    assert out["metrics"]["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert out["metrics"]["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    assert out["metrics"]["confusion"] == confusion_matrix(y, p, labels=range(5)).tolist()


def test_cli_some_lines_unlabelled_gives_no_metrics(model: cl.EventClassifier, tmp_path: Path):
    f = tmp_path / "s.tsv"
    f.write_text(f"{OBVIOUS[4][0]}\t4\n{OBVIOUS[0][0]}\n", encoding="utf-8")
    assert json.loads(run_cli("classify", f, "--json").stdout) == {"predictions": [4, 0]}


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"", ["no sentence"]),
        (b"\n  \n", ["no sentence"]),
        (b"fine\n\x00\x01\x02binary", ["line 2", "binary"]),
        (b"ok\nstill ok\n\xff\xfe bad", ["line 3", "UTF-8"]),
        (b"Troops fired.\t4\nTalks began.\t7\n", ["line 2", "'7'", "0-4"]),
        (b"Troops fired.\tx\n", ["line 1", "'x'"]),
        (b"\t2\n", ["line 1", "without a sentence"]),
    ],
)
def test_bad_input(tmp_path: Path, content: bytes, needles: list[str]):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    run = run_cli("classify", f, "--json")
    assert_bad_input(run, str(f), *needles)
    assert run.stdout == ""


def test_huge_and_missing_files(tmp_path: Path):
    f = tmp_path / "huge.txt"
    with f.open("wb") as h:
        h.truncate(100 * 2**20)
    assert_bad_input(run_cli("classify", f, "--json"), str(f), "MiB")
    assert_bad_input(run_cli("classify", tmp_path / "nope.txt"), "nope.txt", "no such")


def test_tabs_inside_sentences_and_partial_labels(model: cl.EventClassifier, tmp_path: Path):
    f = tmp_path / "s.tsv"
    f.write_text("Russia\tattacked Georgia.\t4\nChina praised Russia.\t\n", encoding="utf-8")
    texts, labels = cl.read_sentences(f)
    assert texts == ["Russia attacked Georgia.", "China praised Russia."]
    assert labels == [4, None]
    run = run_cli("classify", f, "--json")
    assert run.code == 0 and set(json.loads(run.stdout)) == {"predictions"}
    assert "1 of 2 lines have a label" in run.stderr
    f.write_text("Japan threatened China.\t3\nThe talks\twent well.\t1\n", encoding="utf-8")
    table = run_cli("classify", f)
    assert table.code == 0 and "confusion matrix" in table.stdout and "macro-F1" in table.stdout
    f.write_text("Japan threatened China.\t7\n", encoding="utf-8")
    assert_bad_input(run_cli("classify", f), "line 1", "'7'")
