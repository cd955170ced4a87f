"""Turn a `Document` into the `Chunk`s that are embedded, retrieved and cited.

Per document: one summary chunk (title, provider, date and time, author, excerpt, topics, the
feed's scores, link, a video's id; none for a plain file with a body, whose summary would be its
title alone); body chunks that follow the markdown headings and stay within a
token budget, overlapping a little so no sentence loses its neighbour; one chunk per related
article (its byline, excerpt, score and link), cited by that article's own url. Markup is turned
into clean text: `[[wiki|links]]` keep their label, HTML goes, and video timestamp anchors
(`<a class="yt-timestamp" data-t="26:01">`) stay as "(26:01)" and become the chunk's `anchor`.
Opaque front matter (`secured`, image urls) never reaches a Document, so never a chunk.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlparse

from rag.types import Chunk, Document

# 2: a summary ends with the piece's link (and a video's id); 3: says whom it is from; 4: the time
# of day it came out, the feed's scores, and a related article's link; 5: no title-only summary for a
# plain file, and "Dr." or an initial ends no sentence; 6: a sentence may start with any capital ("Ça");
# 7 (rag.corpus): no script, style or comment text, no code-fence language, no non-web link, and a
# document whose date is no real date is kept (it was skipped); 8: the outlet is also read from
# `publisher`, `publication`, `outlet`, `site_name` or `source` (a document's and a related article's);
# 9: a list title or publisher, a bare year; 10: a sentence keeps its closing quote ('"works well."'),
# a byline says "in March 2023" for a year and month, a video's notes read "01:30 …" as a timestamp,
# a table row and a list item are sentences of their own; 11: so is a video's chapter or transcript
# line ("04:12 Why emotion AI fails"); 12 (rag.corpus): a title from `headline`, an author from
# `byline` or `writer`, topics from `keywords`, an excerpt from `abstract`, `subtitle`, `standfirst`
# or `dek`, a date from `datePublished` or (failing all) `updated`; a plain text's short first line
# is its title, and a date it ends with is its date; 13: a table row is about its year, not its
# first figure ("2022: Revenue 201.3; …"); 14: an excerpt or body opening with a byline ("By Dr.
# Fiona Achterberg.") gives the piece's author, and terminal control sequences are dropped from text
CHUNKER_VERSION = 14
HEADING_JOINER = " › "  # a section's heading path, outermost first: "Lefkonisi › Beaches › Kavos Bay"


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 200  # word-and-punctuation tokens; ~230 wordpieces, under MiniLM's 256
    overlap_tokens: int = 40

    def to_json(self) -> dict:
        return {"version": CHUNKER_VERSION, **asdict(self)}


_TOKEN = re.compile(r"\w+|[^\w\s]")
_TIMESTAMP_LINK = re.compile(r"<a\b[^>]*\bdata-t=\"([\d:]+)\"[^>]*>.*?</a>", re.IGNORECASE | re.DOTALL)
_WIKI_LINK = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_HEADING_LINE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# A full stop after a title or an initial ("Dr. Lena Holm", "J. Smith", "St. Gildas") ends no sentence.
_ABBREVIATIONS = "Dr Mr Mrs Ms Prof St Mt Jr Sr Fr Rev Gen Capt Lt Col Sgt Gov Sen Rep Inc Ltd Co Corp No vs etc".split()


def not_after_abbreviation(stop: str = "") -> str:
    """Lookbehinds that fail right after an abbreviation (followed by `stop`, the full stop when
    the pattern stands after it): a pattern's guard against ending a sentence there. Put it after
    a check that a stop is there: tried at every character, its lookbehinds make a split 15× slower."""
    return "".join(rf"(?<!\b{a}{stop})" for a in _ABBREVIATIONS) + rf"(?<!\b[A-Z]{stop})"


# What may start a sentence: a digit or a capital of the Latin, Greek or Cyrillic alphabets ("Ça
# coûte", "Über", "Это"), as a regex class.
SENTENCE_START = "0-9" + "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper())


def sentence_end(stops: str) -> re.Pattern:
    """A sentence ends at one of `stops` (closing quotes/brackets and citation markers belong to
    it) when what follows starts a new sentence, or at a line break. The citation check ends
    sentences at . ! ?; the chunker and a model's stream also at "…"."""
    return re.compile(
        rf"(?=[{stops}])" + not_after_abbreviation() + rf"[{stops}]+" + r"[\"”’')\]]*(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s+[\"“‘(]?["
        + SENTENCE_START + "])|\n+"
    )


def sentences_at(ends: re.Pattern, text: str) -> list[str]:
    """`text` cut after each match of `ends`: a sentence keeps its stop and its closing quote."""
    out, start = [], 0
    for m in ends.finditer(text):
        piece = text[start : m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out


_SENTENCE_END = sentence_end(".!?…")
# A summary's lines that say where the piece is (its address, a video's id): the answer to "what
# is its url?", and to nothing else (rag.generation.answer_types).
LINK_LINE, VIDEO_ID_LINE = "Link: ", "Video id: "
TOPICS_LINE = "Topics: "  # a summary's tags
SCORE_LINES = ("Quality score: ", "Heat score: ")  # the feed's scores, as `_score_lines` writes them
ANCHOR = re.compile(r"\((\d{1,2}(?::\d{2}){1,2})\)")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, split after . ! ? … before a capital; good enough for news prose.
    A closing quote stays with its sentence ('said it "works well." Then …')."""
    return sentences_at(_SENTENCE_END, " ".join(text.split()))


def clean_markdown(text: str) -> str:
    """Inline markup → plain text; timestamp anchors kept as "(mm:ss)"."""
    text = _TIMESTAMP_LINK.sub(lambda m: f"({m.group(1)})", text)
    text = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _HTML_TAG.sub(" ", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def chunk_document(doc: Document, settings: ChunkerSettings = ChunkerSettings()) -> list[Chunk]:
    summary = _summary_chunk(doc)
    body = [
        _make_chunk(doc, "body", doc.title, doc.url, text, heading=heading)
        for heading, paragraphs in _sections(doc.body, video=_is_video(doc.url))
        for text in _pack(paragraphs, settings)
    ]
    # A plain file's summary would say only its title, which every body chunk already carries:
    # it would take a place among the top k and answer nothing.
    chunks = body if body and summary.text == f"“{doc.title}”." else [summary, *body]
    for article in doc.related:
        byline = _byline(article.provider, article.published, article.published_time)
        lines = [f"“{article.title}”{byline}, linked from “{doc.title}”. {article.excerpt}".strip()]
        lines += _score_lines(article.quality)
        if article.url:
            lines.append(f"{LINK_LINE}{article.url}")
        text = "\n".join(lines)
        chunks.append(
            _make_chunk(
                doc, "related", article.title, article.url, text,
                provider=article.provider, published=article.published,
            )
        )
    return _unique_ids(chunks)


def _summary_chunk(doc: Document) -> Chunk:
    lines = [f"“{doc.title}”{_byline(doc.provider, doc.published, doc.published_time)}."]
    if doc.author:
        lines.append(f"{author_prefix(doc.title)}{doc.author}.")
    if doc.excerpt:
        lines.append(doc.excerpt)
    if doc.topics:
        lines.append(f"{TOPICS_LINE}{', '.join(doc.topics)}.")
    lines += _score_lines(doc.quality, doc.heat)
    # Where to read or watch it: a reader cites the address, and asks for what it holds (a
    # release's number, a video's id).
    if doc.video_id:
        lines.append(f"{VIDEO_ID_LINE}{doc.video_id}.")
    if doc.url:
        lines.append(f"{LINK_LINE}{doc.url}")
    return _make_chunk(doc, "summary", doc.title, doc.url, "\n".join(lines))


def author_prefix(title: str) -> str:
    """How a summary's sentence saying whose piece or recording it is begins: with the title, so
    it reads on its own as the answer to "whose talk is it?"."""
    return f"“{title}” is from "


MONTH_NAMES = "January February March April May June July August September October November December".split()
WEEKDAY_NAMES = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# A month or a weekday, lower-cased: written capitalized, but naming no person, place or thing.
CALENDAR_NAMES = frozenset(w.lower() for w in (*MONTH_NAMES, *WEEKDAY_NAMES))


def _byline(provider: str | None, published: str | None, time: str | None = None) -> str:
    on = " on" if published and len(published) == 10 else " in"  # "in 1987", "in June 2015" for a part of a date
    if published and len(published) == 7:
        published = f"{MONTH_NAMES[int(published[5:]) - 1]} {published[:4]}"
    when = f"{on} {published}" + (f" at {time}" if time else "") if published else ""
    if provider or when:
        return " was published" + (f" by {provider}" if provider else "") + when
    return ""


def _score_lines(quality: int | None, heat: int | None = None) -> list[str]:
    """The feed's scores, which a reader may quote ("a quality score of 92")."""
    return [f"{line}{value}." for line, value in zip(SCORE_LINES, (quality, heat)) if value is not None]


def _make_chunk(doc, kind, title, url, text, heading=None, provider=None, published=None) -> Chunk:
    anchor_match = ANCHOR.search(text) if kind == "body" else None
    anchor = anchor_match.group(1) if anchor_match else None
    digest = hashlib.sha256(f"{kind}\x1f{heading}\x1f{url}\x1f{text}".encode()).hexdigest()[:12]
    return Chunk(
        chunk_id=f"{doc.doc_id}#{digest}",
        doc_id=doc.doc_id,
        kind=kind,
        title=title,
        url=_at_time(url, anchor) if anchor else url,
        text=text,
        heading=heading,
        provider=provider if kind == "related" else doc.provider,
        published=published if kind == "related" else doc.published,
        topics=doc.topics,
        anchor=anchor,
        source_title=doc.title,
    )


def at_quote(chunk: Chunk, quote: str) -> Chunk:
    """The chunk as cited for `quote`: a passage of video notes that spans several timestamps is
    opened at the one the quoted sentence stands under (the last before its end), not its first."""
    at = chunk.text.find(quote) if chunk.anchor else -1
    if at < 0:
        return chunk
    before = ANCHOR.findall(chunk.text[: at + len(quote)])
    anchor = before[-1] if before else chunk.anchor
    if anchor == chunk.anchor:
        return chunk
    return replace(chunk, anchor=anchor, url=_at_time(_AT_TIME.sub("", chunk.url), anchor))


_AT_TIME = re.compile(r"[?&]t=\d+s$")  # what `_at_time` adds


def _is_video(url: str | None) -> bool:
    host = urlparse(url or "").netloc
    return "youtube.com" in host or "youtu.be" in host


def _at_time(url: str, anchor: str) -> str:
    """A video url that opens at the anchor; other urls are returned unchanged."""
    if not _is_video(url):
        return url
    seconds = 0
    for part in anchor.split(":"):
        seconds = seconds * 60 + int(part)
    return f"{url}{'&' if '?' in url else '?'}t={seconds}s"


def _unique_ids(chunks: list[Chunk]) -> list[Chunk]:
    """A document that repeats a passage word for word still gets distinct, stable ids."""
    seen: dict[str, int] = {}
    unique = []
    for chunk in chunks:
        n = seen.get(chunk.chunk_id, 0)
        seen[chunk.chunk_id] = n + 1
        if n:
            chunk = Chunk(**{**chunk.__dict__, "chunk_id": f"{chunk.chunk_id}-{n}"})
        unique.append(chunk)
    return unique


# A transcript's line that opens with its moment: "01:30 The glacier …", "[00:03:45] Host: …",
# "1:02:03 - Closing remarks". Read only in a video's notes: elsewhere "09:00 Doors open" is a clock.
# A line that opens with its moment: "01:30 …", "[00:03:45] …", "(12:30) …" (the notes and the
# show-notes lines the readers check too, `rag.generation.answer_types.opens_with_timestamp`).
LINE_TIMESTAMP = re.compile(r"^\s*[\[(]?((?:\d{1,2}:)?\d{1,2}:\d{2})[\])]?(?:\s*[-–—:|]\s*|\s+)(?=\S)")


def _sections(body: str, video: bool = False) -> list[tuple[str | None, list[str]]]:
    """Split a markdown body at its headings into (heading path, clean paragraphs). In a video's
    notes, a line that opens with a timestamp gets it as an anchor, "(01:30) …"."""
    sections: list[tuple[str | None, list[str]]] = []
    path: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    current: list[str] = []

    item = False  # the paragraph being read is a list item
    lead = ""  # the line that introduces the list being read ("For the dough:"), said with each item
    moment = False  # the paragraph being read is a video's chapter or transcript line

    def end_paragraph():
        nonlocal item, lead, moment
        text = clean_markdown(" ".join(current))
        if text and item:
            paragraphs.append(_sentence(f"{lead} {text}".strip()))
        elif text and moment:
            paragraphs.append(_sentence(text))  # "(04:12) Why emotion AI fails."
            moment = False
        elif text:
            paragraphs.append(text)
            lead = ""
        current.clear()
        item = False

    def end_section():
        nonlocal lead
        end_paragraph()
        lead = ""
        if paragraphs:
            sections.append((HEADING_JOINER.join(h for _, h in path) or None, paragraphs.copy()))
        paragraphs.clear()

    def timed(line: str) -> str:
        return LINE_TIMESTAMP.sub(r"(\1) ", line) if video else line

    header: list[str] = []  # the header row of the table being read
    for line in body.splitlines():
        heading = _HEADING_LINE.match(line.strip())
        row = _TABLE_ROW.match(line)
        if not row:
            header = []
        if heading:
            end_section()
            level = len(heading.group(1))
            path = [(lvl, h) for lvl, h in path if lvl < level] + [(level, clean_markdown(heading.group(2)))]
        elif row:
            # A table row is a sentence of its own, its cells named by the header: "Adult social
            # care: 2025/26 £78.2m; Change +6.1%." (the whole table was one run-on "sentence").
            end_paragraph()
            cells = [clean_markdown(c) for c in row.group(1).split("|")]
            if not header:
                header = cells
            elif not all(_TABLE_RULE.fullmatch(c) for c in cells):
                paragraphs.append(_row_sentence(header, cells))
                lead = ""
        elif not line.strip():
            end_paragraph()
        elif _LIST_ITEM.match(line):
            # A list item is a paragraph and a sentence of its own ("Adults: 140 DKK."), not a
            # clause of one long line; a wrapped item's next lines join it.
            end_paragraph()
            if not lead and paragraphs and paragraphs[-1].endswith(":"):
                # "For the dough (morning of day 2):" / "- 12 g fine salt": each item says what it
                # is part of ("For the dough (morning of day 2): 12 g fine salt.").
                *before, lead = split_sentences(paragraphs.pop())
                paragraphs.extend(before)
            current.append(timed(_LIST_ITEM.sub("", line)))
            item = True
        else:
            if item and not line[:1].isspace():
                end_paragraph()  # an item's wrapped lines are indented: this one follows the list
            if video and LINE_TIMESTAMP.match(line):
                # A chapter or transcript line ("04:12 Why emotion AI fails") is a sentence of its
                # own, with the lines that continue it: a chapter list was one run-on sentence,
                # quoted whole for "when in the video …?" and cited at its first moment.
                end_paragraph()
                moment = True
            current.append(timed(line))
    end_section()
    return sections


_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r":?-{2,}:?|")  # the row under the header: | --- | ---: |
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")


def _sentence(text: str) -> str:
    """`text` ending as a sentence does, so that the next one is split from it."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…:;\"”’)" else text + "."


def _row_sentence(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence: what the row is about (its first cell that is not a bare number:
    a league table's club, not its position), then each other cell after its column's name
    ("Redmill Rovers: Pos 1; Played 22; Won 16; Points 52.")."""
    header = header + [""] * (len(cells) - len(header))
    subject = next((i for i, c in enumerate(cells) if c and (_YEAR_CELL.fullmatch(c) or not _FIGURE_CELL.fullmatch(c))), 0)
    named = [f"{h} {c}".strip() if h else c for i, (h, c) in enumerate(zip(header, cells)) if c and i != subject]
    return _sentence(f"{cells[subject]}: {'; '.join(named)}" if named else cells[subject])


# "1", "1.", "#3", "(2)" (a rank), "201.3", "1,060", "€4.2m", "12%" (a measure): not what a row is
# about; a year is ("2022: Revenue 201.3; …", not "201.3: Year 2022; …").
_FIGURE_CELL = re.compile(r"[#(]?[-+]?[$€£¥]?\d[\d,.]*\s*(?:%|[kmb]n?|million|billion)?[.)]?", re.IGNORECASE)
_YEAR_CELL = re.compile(r"(?:FY\s?)?(?:1[0-9]|20)\d\d(?:[/–-]\d{2,4})?")


def _pack(paragraphs: list[str], settings: ChunkerSettings) -> list[str]:
    """Pack sentences into chunks of at most `max_tokens`, each new chunk starting with the last
    `overlap_tokens` worth of sentences of the one before. Paragraph breaks are kept."""
    units: list[tuple[str, bool]] = []  # (sentence, starts a paragraph)
    for paragraph in paragraphs:
        for i, sentence in enumerate(split_sentences(paragraph)):
            for piece in _split_long(sentence, settings.max_tokens):
                units.append((piece, i == 0))

    chunks: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    size = 0
    for unit in units:
        n = count_tokens(unit[0])
        if current and size + n > settings.max_tokens:
            chunks.append(current)
            overlap: list[tuple[str, bool]] = []
            kept = 0
            for prev in reversed(current):
                kept += count_tokens(prev[0])
                if kept > settings.overlap_tokens or kept + n > settings.max_tokens:
                    break
                overlap.insert(0, prev)
            current, size = overlap, sum(count_tokens(u[0]) for u in overlap)
        current.append(unit)
        size += n
    if current:
        chunks.append(current)
    return [_join(chunk) for chunk in chunks]


def _join(units: list[tuple[str, bool]]) -> str:
    text = ""
    for sentence, new_paragraph in units:
        text += ("\n\n" if new_paragraph and text else " " if text else "") + sentence
    return text


def _split_long(sentence: str, max_tokens: int) -> list[str]:
    """A sentence longer than the budget is cut into word runs that fit."""
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    pieces, current, size = [], [], 0
    for word in sentence.split():
        n = count_tokens(word)
        if current and size + n > max_tokens:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += n
    if current:
        pieces.append(" ".join(current))
    return pieces
