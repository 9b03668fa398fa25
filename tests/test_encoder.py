"""The sentence encoder: our WordPiece tokenizer against Hugging Face's ``tokenizers`` (an
independent implementation) on the shipped vocabulary, and the shipped 8-bit ONNX model against
embeddings of the full-precision model computed with PyTorch (``tests/data/minilm_reference.json``,
made by the original all-MiniLM-L6-v2 through transformers; neither is installed here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tokenizers import BertWordPieceTokenizer

from realpolitik.news import encoder
from realpolitik.news.classify import mask_actors, training_corpus
from realpolitik.news.wordpiece import WordPiece, words
from realpolitik.paths import data_file

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())
PENTA = json.loads((Path(__file__).parent / "data" / "penta_reference.json").read_text())


@pytest.fixture(scope="module")
def ours() -> WordPiece:
    return WordPiece.from_lines(data_file("encoder", "vocab.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def theirs() -> BertWordPieceTokenizer:
    tok = BertWordPieceTokenizer(
        str(data_file("encoder", "vocab.txt")),
        clean_text=True,
        handle_chinese_chars=True,
        strip_accents=None,
        lowercase=True,
    )
    tok.enable_truncation(128)
    return tok


def test_vocabulary():
    vocab = WordPiece.from_lines(data_file("encoder", "vocab.txt").read_text(encoding="utf-8"))
    assert len(vocab.vocab) == 30522
    assert [vocab.vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]")] == [0, 100, 101, 102]


def test_words():
    assert words("Crème brûlée, naïve!") == ["creme", "brulee", ",", "naive", "!"]
    assert words("東京\tU.S.-led\x00") == ["東", "京", "u", ".", "s", ".", "-", "led"]


def test_same_ids_as_tokenizers_on_the_training_sentences(ours, theirs):
    texts = training_corpus().texts
    assert [ours.encode(t) for t in texts] == [e.ids for e in theirs.encode_batch(texts)]


def test_long_words_and_sentences(ours, theirs):
    for text in ("a" * 150 + " b", " ".join(["word"] * 300), "", "antidisestablishmentarianism"):
        assert ours.encode(text) == theirs.encode(text).ids


# Latin, Greek, Cyrillic, punctuation and CJK: the blocks on which both implementations share a
# Unicode version (they differ on characters added since, and ``tokenizers`` spaces out CJK
# extension E from U+2B920 where BERT's own tokenizer does from U+2B820); written special tokens
# such as "[SEP]" are special to ``tokenizers`` only
CHARACTERS = st.one_of(
    st.characters(max_codepoint=0x052F, exclude_categories=("Cs",)),
    st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
    st.characters(min_codepoint=0x3000, max_codepoint=0x303F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)


@settings(max_examples=500, deadline=None)
@given(
    st.text(CHARACTERS, max_size=200) | st.text(st.sampled_from("aΣ éüñ東-.,'\u00a0\u200b\x07 "))
)
def test_same_ids_as_tokenizers_on_any_text(ours, theirs, text: str):
    assume(not any(t in text for t in ("[SEP]", "[CLS]", "[PAD]", "[UNK]", "[MASK]")))
    assert ours.encode(text) == theirs.encode(text).ids


def test_embeddings_close_to_full_precision():
    texts = [s["text"] for s in REFERENCE["sentences"]]
    ref = np.array([s["embedding"] for s in REFERENCE["sentences"]])
    got = encoder.embed(texts)
    assert got.shape == (len(texts), encoder.DIM)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cos = np.sum(got * ref, axis=1) / np.linalg.norm(ref, axis=1)
    assert cos.min() > 0.97, cos
    # and closer to its own reference than to any other sentence's
    assert (np.argmax(got @ ref.T, axis=1) == np.arange(len(texts))).all()


def test_a_sentence_is_encoded_alone():
    encoder.embed_one.cache_clear()
    texts = [s["text"] for s in REFERENCE["sentences"]]
    together = encoder.embed(texts)
    encoder.embed_one.cache_clear()
    alone = np.vstack([encoder.embed([t]) for t in reversed(texts)])[::-1]
    assert np.array_equal(together, alone)
    assert encoder.embed([]).shape == (0, encoder.DIM)


def test_penta_classifier_close_to_full_precision():
    """The shipped 8-bit fine-tuned encoder against the full-precision model it was made from."""
    texts = [mask_actors(s["text"]) for s in PENTA["sentences"]]
    ref = np.array([s["probabilities"] for s in PENTA["sentences"]])
    got = encoder.penta_proba(texts)
    assert got.shape == (len(texts), 5)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(got - ref).max() < 0.15
    assert (got.argmax(axis=1) == ref.argmax(axis=1)).mean() >= 0.95


def test_a_sentence_is_classified_alone():
    texts = [mask_actors(s["text"]) for s in PENTA["sentences"]][:12]
    encoder.penta_one.cache_clear()
    together = encoder.penta_proba(texts)
    encoder.penta_one.cache_clear()
    alone = np.vstack([encoder.penta_proba([t]) for t in reversed(texts)])[::-1]
    assert np.array_equal(together, alone)
    assert encoder.penta_proba([]).shape == (0, 5)


def test_meaning_not_words():
    a, b, c = encoder.embed(
        [
            "The army shelled the town overnight.",
            "Artillery bombarded the city during the night.",
            "The ministers signed a trade agreement.",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_damaged_model_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from realpolitik.errors import InputError

    bad = tmp_path / encoder.MODEL
    bad.write_bytes(b"not an onnx model")
    monkeypatch.setattr(encoder, "data_file", lambda *parts: tmp_path / parts[-1])
    encoder._session.cache_clear()
    try:
        with pytest.raises(InputError, match="cannot load the encoder model"):
            encoder._session(encoder.MODEL)
    finally:
        encoder._session.cache_clear()


def test_long_text_is_cut():
    long = "war " * 100_000
    assert encoder.embed([long])[0] @ encoder.embed(["war " * 200])[0] == pytest.approx(1.0)
