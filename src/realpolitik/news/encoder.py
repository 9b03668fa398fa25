"""Sentence embeddings: all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-BERT training of
MiniLM, Wang et al. 2020; Apache-2.0), mean-pooled over the tokens and L2-normalised, 384
numbers per sentence.

The model ships in ``data/encoder`` as ONNX with 8-bit weights (made by
``scripts/export_encoder.py``; its embeddings have a cosine of 0.98-1.00 with the full-precision
model's) and runs on the CPU through ONNX Runtime, with no network and no PyTorch. Each sentence
is encoded alone, so its embedding never depends on the other sentences of a file; sentences are
spread over one worker per available core.
"""

from __future__ import annotations

import os
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
MAX_MODEL_BYTES = 64 * 2**20
MAX_CHARS = 1 << 16
"""Only a text's first characters are tokenised: 128 tokens never need more."""


def workers() -> int:
    """Cores this process may use (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one sentence per core is faster than one over two
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    path = data_file("encoder", MODEL)
    model = read_bounded(path, "model", MAX_MODEL_BYTES)
    try:
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as err:  # a damaged installation: name the file, no traceback
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise InputError.single(
            str(path), "", f"cannot load the sentence encoder: {first}"
        ) from None


@lru_cache(maxsize=1)
def _tokenizer() -> WordPiece:
    return WordPiece.from_lines(read_bounded(data_file("encoder", "vocab.txt")).decode("utf-8"))


@lru_cache(maxsize=1 << 14)
def embed_one(text: str) -> NDArray[np.float32]:
    """The embedding of one text (cached: a sentence met again is not encoded again)."""
    ids = np.array([_tokenizer().encode(text[:MAX_CHARS], MAX_TOKENS)], dtype=np.int64)
    out = _session().run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
    return np.asarray(out[0][0], dtype=np.float32)


def embed(texts: list[str]) -> NDArray[np.float32]:
    """One unit-length row of 384 numbers per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    _session(), _tokenizer()  # loaded once, before the workers start
    n = min(workers(), len(texts))
    if n == 1:
        return np.vstack([embed_one(t) for t in texts])
    with ThreadPoolExecutor(n) as pool:
        return np.vstack(list(pool.map(embed_one, texts)))
