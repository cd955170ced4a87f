"""The citation check: every answer, whatever wrote it, keeps only the sentences its sources support.

A generator's text cites `hits[n-1]` with `[n]`. The check reads the text sentence by sentence
(as it streams in), and keeps a sentence only when at least one passage it cites supports it:

    support = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic
    lexical  = share of the sentence's content words (stemmed) found in the passage (with its title)
    semantic = best cosine between the sentence and one sentence of the passage (same embedder as
               retrieval: the index's query embedder, so a fast query path applies here too)

and every number the sentence states appears in the passage (a changed figure is the commonest
fabrication, and overlap scores barely notice it). A sentence with no `[n]` is dropped: an answer
makes no claim it does not source. Markers are renumbered 1, 2, … in order of first use, and each
`Citation` quotes the passage sentence that best supports the first sentence citing it. An answer
left with no sentence abstains.

`SUPPORT_MIN` was calibrated with `eval/calibrate_support.py` (see that script and
eval/answers.md): corpus sentences cited against their own passage (supported) versus against
other passages of the same corpus (fabricated), on the tune half's retrieved passages only.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rag.chunking import at_quote, sentence_end, sentences_at
from rag.types import Chunk, Citation, Hit

LEXICAL_WEIGHT = 0.5
SUPPORT_MIN = 0.65  # calibrated: see the module docstring (tune half: keeps 100%, rejects 99.6%)

# English function words (closed-class words: articles, pronouns, auxiliaries, prepositions,
# conjunctions, question words). They carry no content, so they count neither for overlap nor
# for how much of a question a passage covers.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me might more
    most must my myself no nor not now of off on once only or other ought our ours ourselves out over own
    same shall she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom whose
    why will with would you your yours yourself yourselves s t d ll m re ve also according said says say
    tell told us get got ever yet one ones""".split()
) | frozenset(
    # How a question points at its source ("the article", "mentioned in the video") says nothing
    # about what it asks: such words are never in the passage that answers it.
    """article articles piece pieces story stories video videos talk mention mentioned mentions
    discuss discussed discusses describe described describes corpus passage passages text""".split()
)

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


_SENTENCE_END = sentence_end(".!?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the Snowball stemmers, a small C extension

    return Stemmer.Stemmer("english")


def tokens(text: str) -> list[str]:
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def content_terms(text: str) -> set[str]:
    """The stemmed content words of `text` ("emotions" and "emotional" both give "emot")."""
    words = [t for t in tokens(text) if t not in STOPWORDS and not t.isdigit() and len(t) > 1]
    parts = [p for w in words for p in ([w] + w.split("-") if "-" in w else [w])]
    return set(_stemmer().stemWords(parts))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(MARKER.sub(" ", text))}


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage (or an answer), markers kept with the sentence they end."""
    return sentences_at(_SENTENCE_END, text)


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(MARKER.sub("", text).split()))


def query_embedder(index):
    """The embedder to use at answer time: the index's query path (fast, no torch) when it has one."""
    return getattr(index, "query_embedder", None) or index.embedder


class SentenceVectors:
    """Embeddings of short texts with the query embedder, cached (a chat re-reads the same passages)."""

    def __init__(self, embedder, capacity: int = 20_000):
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[str, object] = OrderedDict()

    def __call__(self, texts: Sequence[str]):
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.embedder.encode(missing, kind="query")):
                self._cache[text] = vector
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


def passage_sentences(chunk: Chunk) -> list[str]:
    """The citable sentences of a chunk (its text, without the title line the index prepends)."""
    return [s for s in split_sentences(chunk.text) if tokens(s)]


def passage_context(chunk: Chunk) -> str:
    """What a reader sees around a quote: the passage's title and heading."""
    return " ".join(x for x in (chunk.title, chunk.heading or "", chunk.provider or "") if x)


@dataclass(frozen=True)
class Support:
    score: float
    lexical: float
    semantic: float
    quote: str  # the passage sentence closest to the claim


def support(claim: str, chunk: Chunk, vectors: SentenceVectors) -> Support:
    """How well `chunk` supports `claim` (markers already stripped)."""
    sentences = passage_sentences(chunk) or [chunk.text]
    terms = content_terms(claim)
    passage_terms = content_terms(chunk.text + " " + passage_context(chunk))
    lexical = len(terms & passage_terms) / len(terms) if terms else 0.0
    vecs = vectors([claim, *sentences])
    sims = vecs[1:] @ vecs[0]
    best = int(sims.argmax())
    semantic = max(0.0, float(sims[best]))
    score = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * semantic
    if not numbers(claim) <= numbers(chunk.text + " " + passage_context(chunk)):
        score = 0.0  # a figure the passage does not state
    return Support(score, lexical, semantic, sentences[best])


class CitationCheck:
    """Checks an answer's text as it streams in; yields only supported, renumbered sentences.

        check = CitationCheck(hits, vectors)
        for piece in generator.stream(...):
            yield from check.feed(piece)
        yield from check.finish()
        check.citations, check.dropped
    """

    def __init__(self, hits: Sequence[Hit], vectors: SentenceVectors, min_support: float = SUPPORT_MIN):
        self.hits = list(hits)
        self.vectors = vectors
        self.min_support = min_support
        self.citations: list[Citation] = []
        self.dropped: list[str] = []  # sentences removed, for debugging and tests
        self.emitted: list[str] = []  # what was yielded
        self._number: dict[int, int] = {}  # hit index (0-based) → new marker number
        self._buffer = ""
        self._kept = 0

    def feed(self, piece: str) -> Iterator[str]:
        self._buffer += piece
        *complete, self._buffer = _units(self._buffer)
        for unit in complete:
            yield from self._emit(unit)

    def finish(self) -> Iterator[str]:
        rest, self._buffer = self._buffer, ""
        for unit in split_sentences(rest):
            yield from self._emit(unit)

    @property
    def answered(self) -> bool:
        return bool(self.emitted)

    def _emit(self, unit: str) -> Iterator[str]:
        checked = self.check_sentence(unit)
        if checked is None:
            if unit.strip():
                self.dropped.append(unit.strip())
            return
        piece = (" " if self._kept else "") + checked
        self.emitted.append(piece)
        self._kept += 1
        yield piece

    def check_sentence(self, sentence: str) -> str | None:
        """The sentence with its supported markers renumbered, or None when nothing supports it."""
        cited = [int(n) for group in MARKER.findall(sentence) for n in group.split(",")]
        claim = strip_markers(sentence)
        if not cited or not content_terms(claim):
            return None
        supported: dict[int, Support] = {}
        for n in dict.fromkeys(cited):
            if 1 <= n <= len(self.hits):
                s = support(claim, self.hits[n - 1].chunk, self.vectors)
                if s.score >= self.min_support:
                    supported[n - 1] = s
        if not supported:
            return None
        for i, s in supported.items():
            if i not in self._number:
                self._number[i] = len(self._number) + 1
                self.citations.append(Citation(self._number[i], at_quote(self.hits[i].chunk, s.quote), s.quote))

        def renumber(m: re.Match) -> str:
            keep = [int(n) - 1 for n in m.group(1).split(",") if int(n) - 1 in supported]
            return "".join(f"[{self._number[i]}]" for i in dict.fromkeys(keep))

        text = MARKER.sub(renumber, sentence.strip())
        text = re.sub(r"(?:\s*\[\d+\])+", lambda m: " " + m.group(0).strip(), text)  # " [1][2]"
        return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def _units(text: str) -> list[str]:
    """`text` cut after each complete sentence; the last element is the unfinished rest."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    out.append(text[start:])
    return out


def check_answer(text: str, hits: Sequence[Hit], vectors: SentenceVectors) -> tuple[str, list[Citation], list[str]]:
    """The whole-text form: (checked text, citations, dropped sentences)."""
    check = CitationCheck(hits, vectors)
    out = "".join([*check.feed(text), *check.finish()])
    return out, check.citations, check.dropped
