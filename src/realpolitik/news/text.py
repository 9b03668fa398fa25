"""Articles as dated sentences: reading .txt, .md and .html files offline, splitting sentences,
finding the article's date and resolving relative dates ("in December", "last week", "in 1956").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.scenario.limits import FIRST_YEAR, LAST_YEAR
from realpolitik.scenario.reading import read_text

MAX_ARTICLE_BYTES = 8 * 1024 * 1024
"""An article larger than this is refused (news articles are kilobytes)."""
SUFFIXES = (".txt", ".md", ".html", ".htm")

MONTHS = {
    m: k
    for k, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_ABBREV = (
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "Gen",
    "Col",
    "Lt",
    "Sgt",
    "Prof",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "No",
    "Vol",
    "vs",
    "U.S",
    "U.N",
    "U.K",
    "e.g",
    "i.e",
    "etc",
    "Inc",
    "Ltd",
    "Co",
)


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    """The sentence with its whitespace runs made single spaces (what the coders read)."""
    quote: str
    """The sentence exactly as the article has it (line breaks, no-break spaces and all)."""


@dataclass(frozen=True)
class Document:
    id: str
    path: str
    date: dt.date | None
    sentences: tuple[Sentence, ...]


def read_document(path: Path, as_of: dt.date | None = None, doc_id: str | None = None) -> Document:
    """A file as a document: its text (HTML through trafilatura), sentences and date (a dateline
    among the first lines, or an HTML page's publication date; else ``as_of``). Binary,
    non-UTF-8, empty or huge files are bad input. ``doc_id`` defaults to the file's stem."""
    if path.suffix.lower() not in SUFFIXES:
        raise InputError.single(str(path), "", f"not an article: expected {', '.join(SUFFIXES)}")
    text = read_text(path, "article", MAX_ARTICLE_BYTES)
    published = None
    if path.suffix.lower() in (".html", ".htm"):
        text, published = html_text(text)
    if not text.strip():  # an HTML page without article text
        raise InputError.single(str(path), "", "empty article")
    return Document(
        doc_id or path.stem,
        str(path),
        published or find_date(text) or as_of,
        tuple(Sentence(k, " ".join(q.split()), q) for k, q in enumerate(split_sentences(text))),
    )


def html_text(html: str) -> tuple[str, dt.date | None]:
    """The article text of an HTML page without boilerplate, and its publication date from the
    page's own markup (meta tags, ``<time>``; not dates in the text), through trafilatura and
    htmldate, offline."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    meta = trafilatura.extract_metadata(html, extensive=False)
    published = None
    if meta is not None and meta.date:
        try:
            published = dt.date.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    return text, published


_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences, each exactly as the text has it: paragraphs and list items split on blank
    lines and bullets, then on sentence ends (. ! ? and a closing quote) followed by a capital,
    not after common abbreviations or initials."""
    out: list[str] = []
    lines = [ln for ln in text.splitlines() if ln.strip()]
    long_lines = bool(lines) and sorted(len(ln) for ln in lines)[len(lines) // 2] > 100
    # crawled articles hold one paragraph per line; hard-wrapped text only breaks on blank lines
    paras = lines if long_lines else re.split(r"\n\s*\n|\n(?=\s*[•*-]\s)", text)
    for para in paras:
        para = re.sub(r"^\s*[•*-]\s+", "", para).strip()
        if not para:
            continue
        start = 0
        for m in _SENTENCE_END.finditer(para):
            before = para[start : m.start()].split()
            last = before[-1] if before else ""
            if last.rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", last):
                continue
            out.append(para[start : m.end()].strip())
            start = m.end()
        tail = para[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if re.search(r"[A-Za-z]{2}", s)]


DATELINE_CHARS = 60
"""A line this short (or shorter) that holds a full date, among the first lines, is a dateline."""


def find_date(text: str) -> dt.date | None:
    """The article's date from a dateline: a short line among the first 600 characters that
    holds a full date ("Thursday, November 22, 2018", "Monday 20th of May 2024", "Published:
    2018-09-30") and is not a sentence (no final full stop). A date inside the text ("signed on
    September 8, 1951, ...") is what a sentence reports, not when the article appeared: None."""
    seen = 0
    for raw in text.splitlines():
        seen += len(raw) + 1
        if seen > 600:  # whole lines only: a long line cut short is no dateline
            break
        line = raw.strip()
        if not line or len(line) > DATELINE_CHARS or line.rstrip("\"”’')").endswith("."):
            continue
        found = _full_date(line)
        if found is not None and _only_a_date(line):
            return found
    return None


DATELINE_WORDS = frozenset({"updated", "published", "posted", "modified", "last", "on", "at",
                            "the", "of", "am", "pm", "utc", "gmt", "by"})
"""Lower-case words a dateline may hold besides the date (names and weekdays are capitalised)."""


def _only_a_date(line: str) -> bool:
    """No lower-case word but :data:`DATELINE_WORDS`: "Published: January 15, 2021" is a
    dateline, "signed on September 8, 1951" the end of a sentence."""
    return all(w in DATELINE_WORDS or w in MONTHS for w in re.findall(r"\b[a-z][a-z]+\b", line))


def _full_date(s: str) -> dt.date | None:
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", s)
    if m:
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    m = re.search(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s)
    if m:
        return _safe(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(\d{4})", s)
    if m:
        return _safe(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    return None


def _safe(y: int, m: int, d: int) -> dt.date | None:
    """The date, or None when there is no such day or the year is implausible for news (outside
    :data:`~realpolitik.scenario.limits.FIRST_YEAR` to ``LAST_YEAR``: arithmetic such as "last
    week" must not fall off the calendar)."""
    if not FIRST_YEAR <= y <= LAST_YEAR:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def event_date(sentence: str, doc_date: dt.date | None) -> str | None:
    """The date a sentence reports, as precise as it says: "in March 2014" -> "2014-03", "in
    1956" -> "1956", "in December" -> the latest December on or before the article's date,
    "on 11 September" likewise with the day; "yesterday", "last week/month/year", "this year",
    "earlier this month" from the article's date. Otherwise the article's date (None when
    unknown). A deadline after the article's date ("by 2030"), or a date in a clause about what
    is to come ("in December Putin will meet Abe"), is a plan: what the sentence reports (the
    plan) is dated by the article. A later date reported as past is kept (the article's date
    may be only ``--as-of``)."""
    found = _reported_date(sentence, doc_date)
    if found is not None and doc_date is not None:
        first_day = partial_date(found)
        if first_day is not None and first_day > doc_date and (
            DEADLINE.search(sentence) or _future(sentence)
        ):
            return doc_date.isoformat()
    return found  # a later date reported as past ("In January 2020, Russia attacked"): kept


def _reported_date(s: str, doc_date: dt.date | None) -> str | None:
    m = re.search(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s) or None
    if m:
        d = _safe(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
        if d:
            return d.isoformat()
    m = re.search(r"\b(?i:in|since|by|from|until)\s+" + _MONTH + r",?\s+(\d{4})\b", s)
    if m:
        return f"{int(m[2]):04d}-{MONTHS[m[1].lower()]:02d}"
    m = re.search(r"\b(?i:on\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"\b(?!,?\s+\d{4})", s)
    if m and doc_date:
        if _future(s, m.end()):
            return doc_date.isoformat()  # "on 5 September Xi will visit": a plan, dated now
        month, day = MONTHS[m[2].lower()], int(m[1])
        past = (month, day) <= (doc_date.month, doc_date.day)
        year = doc_date.year if past else doc_date.year - 1
        d = _safe(year, month, day)
        if d:
            return d.isoformat()
    m = re.search(r"\b(?i:in|since|by|from|until|of)\s+(1[89]\d\d|20\d\d)\b", s)
    if m:
        return m[1]
    m = re.search(r"\b(?i:in)\s+" + _MONTH + r"\b(?!,?\s+\d)", s)
    if m and doc_date:
        if _future(s, m.end()):
            return doc_date.isoformat()  # "in December Putin will meet Abe": likewise
        month = MONTHS[m[1].lower()]
        year = doc_date.year if month <= doc_date.month else doc_date.year - 1
        return f"{year:04d}-{month:02d}"
    if doc_date is None:
        return None
    low = s.lower()
    if re.search(r"\byesterday\b", low):
        return (doc_date - dt.timedelta(days=1)).isoformat()
    if "last week" in low:
        return (doc_date - dt.timedelta(days=7)).isoformat()
    if "last month" in low:
        first = doc_date.replace(day=1) - dt.timedelta(days=1)
        return f"{first.year:04d}-{first.month:02d}"
    if "last year" in low:
        return f"{doc_date.year - 1:04d}"
    if "earlier this month" in low or "this month" in low:
        return f"{doc_date.year:04d}-{doc_date.month:02d}"
    if "this year" in low:
        return f"{doc_date.year:04d}"
    return doc_date.isoformat()


FUTURE = re.compile(
    r"\b(?<!its )(?<!their )(?<!his )(?<!her )(?<!the )(will|shall)\b(?! to\b)"
    r"|\b(is to|are to|upcoming|scheduled|planned for)\b",
    re.I,
)
"""Words of a clause about what is to come ("will" the verb, not "its will to")."""
DEADLINE = re.compile(r"\b(by|until|before)\s+(the end of\s+)?(" + _MONTH[1:-1] + r"\s+)?\d{4}\b",
                      re.I)
"""A deadline: "by 2030", "before the end of 2019"."""


def _future(s: str, after: int = 0) -> bool:
    """Whether the clause that follows position ``after`` (up to " and ", ";" or the end) speaks
    of what is to come: "In December, Putin met Abe and said they would meet again" does not."""
    clause = re.split(r"\s+and\s+|;", s[after:].lstrip(" ,"), maxsplit=1)[0]
    return bool(FUTURE.search(s[:after] + " " + clause))


def partial_date(text: str | None) -> dt.date | None:
    """The first day a (possibly partial) ISO date covers: "2014-03" -> 2014-03-01, "1956" ->
    1956-01-01; None for None or nonsense."""
    if not text:
        return None
    try:
        parts = [int(p) for p in text.split("-")]
        return dt.date(
            parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
        )
    except (ValueError, IndexError):
        return None
