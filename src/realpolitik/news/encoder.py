"""Two encoders built on all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-BERT training of
MiniLM, Wang et al. 2020; Apache-2.0), sharing its WordPiece vocabulary:

- the **sentence encoder**: the model as released, mean-pooled over the tokens and
  L2-normalised, 384 numbers per sentence (:func:`embed`; ``scripts/export_encoder.py``);
- the **penta classifier**: the model fine-tuned on the shipped event sentences to give the five
  CAMEO penta-class probabilities (:func:`penta_proba`; ``scripts/finetune_penta.py``).

Both ship in ``data/encoder`` as ONNX with 8-bit weights per output channel and run on the CPU
through ONNX Runtime, with no network and no PyTorch. Each sentence is encoded alone, so its
result never depends on the other sentences of a file; sentences are spread over one worker per
available core.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from realpolitik.errors import InputError
from realpolitik.files import read_bounded
from realpolitik.news.wordpiece import WordPiece
from realpolitik.paths import data_file

MODEL = "all-MiniLM-L6-v2-int8.onnx"
DIM = 384
MAX_TOKENS = 128
"""Longer sentences are truncated (the model was trained on at most 128 tokens)."""
PENTA_MODEL = "penta-MiniLM-L6-int8.onnx"
PENTA_TOKENS = 64
"""The penta classifier was fine-tuned on sentences cut at 64 tokens, and reads them so."""
MAX_MODEL_BYTES = 64 * 2**20
MAX_CHARS = 1 << 16
"""Only a text's first characters are tokenised: 128 tokens never need more."""


def workers() -> int:
    """Cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=2)
def _session(name: str) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one sentence per core is faster than one over two
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    path = data_file("encoder", name)
    model = read_bounded(path, "model", MAX_MODEL_BYTES)
    try:
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as err:  # a damaged installation: name the file, no traceback
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise InputError.single(
            str(path), "", f"cannot load the encoder model: {first}"
        ) from None


@lru_cache(maxsize=1)
def _tokenizer() -> WordPiece:
    return WordPiece.from_lines(read_bounded(data_file("encoder", "vocab.txt")).decode("utf-8"))


def _run(name: str, text: str, max_tokens: int) -> NDArray[np.float32]:
    """The model's output row for one text."""
    ids = np.array([_tokenizer().encode(text[:MAX_CHARS], max_tokens)], dtype=np.int64)
    out = _session(name).run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    return np.asarray(out[0][0], dtype=np.float32)


@lru_cache(maxsize=1 << 14)
def embed_one(text: str) -> NDArray[np.float32]:
    """The embedding of one text (cached: a sentence met again is not encoded again)."""
    return _run(MODEL, text, MAX_TOKENS)


@lru_cache(maxsize=1 << 14)
def penta_one(text: str) -> NDArray[np.float32]:
    """The penta-class probabilities of one text (cached)."""
    return _run(PENTA_MODEL, text, PENTA_TOKENS)


def _each(
    one: Callable[[str], NDArray[np.float32]], name: str, texts: list[str]
) -> NDArray[np.float32]:
    """``one`` over ``texts`` in order, one worker per core, the model loaded first."""
    _session(name), _tokenizer()  # loaded once, before the workers start
    n = min(workers(), len(texts))
    if n == 1:
        return np.vstack([one(t) for t in texts])
    with ThreadPoolExecutor(n) as pool:
        return np.vstack(list(pool.map(one, texts)))


def embed(texts: list[str]) -> NDArray[np.float32]:
    """One unit-length row of 384 numbers per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return _each(embed_one, MODEL, texts)


def penta_proba(texts: list[str]) -> NDArray[np.float64]:
    """One row of five class probabilities (penta classes 0-4) per text."""
    if not texts:
        return np.zeros((0, 5), dtype=np.float64)
    return np.asarray(_each(penta_one, PENTA_MODEL, texts), dtype=np.float64)
