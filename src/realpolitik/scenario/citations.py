"""Verbatim quotes: find each cited quote in its source's text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from realpolitik.files import read_bounded

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u00ad": "",
    }
)
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Fold whitespace and typographic quotes/dashes so that a quote matches its source."""
    return _WS.sub(" ", text.translate(_TRANSLATE)).strip()


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def source_text(path: Path) -> str:
    """A source document's text: plain text or Markdown as is, HTML without its markup.
    Bounded like every read (:func:`realpolitik.files.read_bounded`): a folder, a device or a
    huge file raises :class:`InputError` naming the path."""
    raw = read_bounded(path, "source").decode("utf-8-sig", errors="replace")
    if path.suffix.lower() in (".html", ".htm"):
        parser = _TextOnly()
        parser.feed(raw)
        return " ".join(parser.parts)
    return raw


def resolve_source_path(rel: str, scenario_file: Path | None) -> Path | None:
    """Find a source file: relative to the scenario's folder, then to each folder above it."""
    p = Path(rel)
    if p.is_absolute():
        return p if p.exists() else None
    bases = [scenario_file.parent, *scenario_file.parent.parents] if scenario_file else []
    bases.append(Path.cwd())
    for base in bases:
        cand = base / p
        if cand.exists():
            return cand
    return None
