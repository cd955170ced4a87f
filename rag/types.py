"""The data that flows between stages: frozen dataclasses with no behaviour beyond small properties.

corpus → Document → chunking → Chunk → index/retrieval → Hit → generation → Answer(Citation…)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RelatedArticle:
    """An article a document links to, with its own title, excerpt and url (cited on its own)."""

    title: str
    excerpt: str
    url: str
    provider: str | None = None
    published: str | None = None  # ISO date, YYYY-MM-DD (or YYYY-MM, YYYY when the source gives only that)
    published_time: str | None = None  # "14:30 UTC", when the file gives a time of day
    quality: int | None = None  # the feed's quality score, when the file gives one


@dataclass(frozen=True)
class Document:
    """One corpus file. `doc_id` is the file name without its extension."""

    doc_id: str
    path: str
    title: str
    excerpt: str = ""
    url: str = ""
    published: str | None = None  # ISO date, YYYY-MM-DD (or YYYY-MM, YYYY when the source gives only that)
    published_time: str | None = None  # "14:30 UTC", when the file gives a time of day
    provider: str | None = None
    quality: int | None = None  # the feed's quality and heat scores, when the file gives them
    heat: int | None = None
    topics: tuple[str, ...] = ()
    video_id: str | None = None  # a video's id on its platform (YouTube's "v=")
    author: str | None = None  # who wrote or recorded it, when the file says
    body: str = ""
    related: tuple[RelatedArticle, ...] = ()
    content_hash: str = ""  # sha256 of the file's bytes: what incremental indexing compares


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that could not be read, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class FileNote:
    """A corpus file that was read with something left out, and what (a date it cannot read)."""

    path: str
    note: str


@dataclass(frozen=True)
class Chunk:
    """A passage that can be retrieved and cited.

    `kind` is "summary" (title, provider, date, excerpt), "body" (a piece of a section) or
    "related" (a linked article, cited by its own `url`). `anchor` is a video timestamp ("26:01")
    when the passage carries one.
    """

    chunk_id: str
    doc_id: str
    kind: str
    title: str
    url: str
    text: str
    heading: str | None = None
    provider: str | None = None
    published: str | None = None
    topics: tuple[str, ...] = ()
    anchor: str | None = None
    source_title: str = ""  # title of the corpus document the chunk comes from

    @property
    def search_text(self) -> str:
        """What is embedded and BM25-indexed: the passage with the context a reader would see."""
        context = self.title if not self.heading else f"{self.title} — {self.heading}"
        return f"{context}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    """A chunk returned by a retriever, with its score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int

    def to_json(self) -> dict:
        c = self.chunk
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "title": c.title,
            "url": c.url,
            "text": c.text,
        }


@dataclass(frozen=True)
class Citation:
    """What an `[n]` marker in an answer points at."""

    n: int
    chunk: Chunk
    quote: str

    def to_json(self) -> dict:
        c = self.chunk
        return {
            "n": self.n,
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "title": c.title,
            "url": c.url,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Answer:
    """A generated answer; `[n]` markers in `text` refer to `citations[n-1]`."""

    question: str
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
