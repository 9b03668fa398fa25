"""BERT's uncased tokenizer: text -> WordPiece ids (Devlin et al. 2019, section 3 and their
released tokenizer; Wu et al. 2016 for WordPiece), as the sentence encoder was trained with it.

1. Clean: drop NUL, U+FFFD, control, format and private-use characters; every white-space
   character becomes a space.
2. Put spaces around CJK ideographs (each is a word).
3. Lower-case character by character (a final capital sigma becomes σ, as in the Hugging Face
   tokenizer the model was trained with), then strip accents (Unicode NFD, drop the non-spacing
   marks).
4. Split on white space and around every punctuation character (Unicode class P, and the ASCII
   symbols ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~``).
5. WordPiece: each word greedily into the longest vocabulary entries from the left, pieces after
   the first prefixed ``##``; a word with no such split (or over 100 characters) is ``[UNK]``.

The sequence is ``[CLS] pieces [SEP]``, truncated to ``max_tokens`` in all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_WORD_CHARS = 100


def _is_punctuation(ch: str) -> bool:
    o = ord(ch)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(o: int) -> bool:
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x2A6DF
        or 0x2A700 <= o <= 0x2B73F
        or 0x2B740 <= o <= 0x2B81F
        or 0x2B820 <= o <= 0x2CEAF
        or 0xF900 <= o <= 0xFAFF
        or 0x2F800 <= o <= 0x2FA1F
    )


def _clean(text: str) -> str:
    out = []
    for ch in text:
        o = ord(ch)
        if o == 0 or o == 0xFFFD:
            continue
        category = unicodedata.category(ch)
        if ch in " \t\n\r" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cf", "Co"):
            continue
        elif _is_cjk(o):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return "".join(out)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def words(text: str) -> list[str]:
    """Steps 1-4: the lower-cased, accent-free words and punctuation marks of ``text``."""
    out: list[str] = []
    for token in _strip_accents("".join(map(str.lower, _clean(text)))).split():
        start = 0
        for i, ch in enumerate(token):
            if _is_punctuation(ch):
                if i > start:
                    out.append(token[start:i])
                out.append(ch)
                start = i + 1
        if start < len(token):
            out.append(token[start:])
    return out


@dataclass(frozen=True)
class WordPiece:
    vocab: dict[str, int]

    @classmethod
    def from_lines(cls, text: str) -> WordPiece:
        """A vocabulary file's text: one piece per line, its id the line number from 0."""
        return cls({line.rstrip("\r"): i for i, line in enumerate(text.split("\n")) if line})

    def pieces(self, word: str) -> list[str]:
        """Step 5 for one word."""
        if len(word) > MAX_WORD_CHARS:
            return ["[UNK]"]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            else:
                return ["[UNK]"]
            out.append(piece)
            start = end
        return out

    def encode(self, text: str, max_tokens: int = 128) -> list[int]:
        """``[CLS]`` + the pieces of ``text`` + ``[SEP]``, at most ``max_tokens`` ids."""
        ids = [self.vocab["[CLS]"]]
        for word in words(text):
            ids.extend(self.vocab[p] for p in self.pieces(word))
            if len(ids) >= max_tokens - 1:
                break
        return ids[: max_tokens - 1] + [self.vocab["[SEP]"]]
