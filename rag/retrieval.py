"""The retriever: from a question to ranked, citable chunks.

`Retriever(index, mode=...)` is the one object callers use. A mode names a `Ranker` in `RANKERS`,
which scores chunk rows of the index; the retriever restricts the rows first (`where` filters),
optionally reranks the candidates (a `Reranker` from `RERANKERS`), drops near-identical passages
(MMR over the stored vectors) and turns rows into `Hit`s.

    dense   cosine of MiniLM embeddings, through FAISS
    bm25    bm25s, Snowball-stemmed, English stop words
    hybrid  convex fusion of the two's min-max scaled scores, then Rocchio feedback reranking
            (reciprocal-rank fusion is there too: HybridRanker(index, "rrf"))
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

from rag.errors import QueryError
from rag.types import Chunk, Hit

if TYPE_CHECKING:  # numpy and the index (numpy, FAISS) load only when a search runs
    import numpy as np

    from rag.index import Index


# A terminal's escape sequences ("\x1b[31m"), other control characters (C0 and C1), and the
# invisible format characters (zero-width space and joiners, word joiner, BOM): a question of
# only those is empty.
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_query(text: str) -> str:
    """A question or query as plain text, whatever was typed or piped: bytes that were not UTF-8
    (Python passes them on as lone surrogates, which tokenizers and printing reject) become U+FFFD,
    escape sequences and control characters go, whitespace runs become one space."""
    if not isinstance(text, str):
        raise TypeError(f"a question or query is a string, not {type(text).__name__}")
    text = _LONE_SURROGATE.sub("\ufffd", text)
    return " ".join(_CONTROL.sub(" ", text).split())


Ranked = list[tuple[int, float]]  # (row, score), best first


# -- rankers -------------------------------------------------------------------------------------

class Ranker(Protocol):
    """Scores the index's chunks for a query: (row, score) pairs, best first."""

    def __init__(self, index: Index): ...

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked: ...


class DenseRanker:
    """Cosine similarity of the query's embedding to each chunk's, through FAISS."""

    def __init__(self, index: Index):
        self.index = index
        preload = getattr(index.query_embedder, "preload", None)
        if preload is not None:
            preload()  # the ONNX session loads while the caller gets on with its own set-up

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked:
        vector = self.index.encode_query(query)
        scores, rows = self.index.search_vectors(vector, k, allowed)
        return [(int(r), float(s)) for r, s in zip(rows, scores)]


class BM25Ranker:
    """BM25 (bm25s, Lucene variant) over each chunk's title, heading and text."""

    def __init__(self, index: Index):
        self.index = index

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked:
        return self.index.bm25.rank(query, k, allowed)


# Fusion settings, chosen on SciFact's train queries only (eval/retrieval.md has the grid and both
# splits): a convex combination of min-max normalized scores beat every RRF setting tried there.
FUSIONS = ("convex", "rrf")
FUSION = "convex"
ALPHA = 0.5  # convex: weight of the dense score; 1 - ALPHA goes to BM25
RRF_K = 60
DENSE_WEIGHT = 1.0  # rrf: weight of each ranker's reciprocal ranks
BM25_WEIGHT = 1.0
FUSION_DEPTH = 100  # candidates taken from each ranker before fusing


class HybridRanker:
    """Dense and BM25 fused over the union of their top-`depth` candidates.

    "convex" (default): alpha * dense + (1 - alpha) * bm25, each score min-max normalized over the
    candidates, both scores computed exactly for every candidate (Bruch et al., 2023, "An Analysis
    of Fusion Functions for Hybrid Retrieval"). "rrf": weighted reciprocal-rank fusion,
    sum of weight / (rrf_k + rank) (Cormack et al., 2009)."""

    def __init__(
        self,
        index: Index,
        fusion: str = FUSION,
        *,
        alpha: float = ALPHA,
        rrf_k: float = RRF_K,
        dense_weight: float = DENSE_WEIGHT,
        bm25_weight: float = BM25_WEIGHT,
        depth: int = FUSION_DEPTH,
    ):
        if fusion not in FUSIONS:
            raise QueryError(f"unknown fusion {fusion!r}: choose one of {', '.join(FUSIONS)}")
        if rrf_k < 0 or dense_weight < 0 or bm25_weight < 0 or not 0.0 <= alpha <= 1.0:
            raise QueryError("fusion constants must not be negative (and alpha at most 1)")
        self.index = index
        self.fusion = fusion
        self.alpha, self.rrf_k = alpha, rrf_k
        self.dense_weight, self.bm25_weight = dense_weight, bm25_weight
        self.dense = DenseRanker(index)
        self.depth = depth

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked:
        import numpy as np

        from rag.bm25 import top_k

        depth = max(k, self.depth)
        dense = self.dense.rank(query, depth, allowed)
        bm25_scores = self.index.bm25.scores(query)  # every row: exact scores for the union below
        masked = bm25_scores
        if allowed is not None:
            masked = np.full_like(bm25_scores, -np.inf)
            masked[allowed] = bm25_scores[allowed]
        bm25 = top_k(masked, depth, min_score=0.0)
        if self.fusion == "rrf":
            return rrf([(dense, self.dense_weight), (bm25, self.bm25_weight)], self.rrf_k)[:k]
        rows = np.array(sorted({r for r, _ in dense} | {r for r, _ in bm25}), dtype=np.int64)
        if len(rows) == 0:
            return []
        d = np.asarray(self.index.vectors[rows], dtype=np.float32) @ self.index.encode_query(query)
        fused = self.alpha * _minmax(d) + (1 - self.alpha) * _minmax(bm25_scores[rows])
        order = np.argsort(-fused, kind="stable")[:k]
        return [(int(rows[i]), float(fused[i])) for i in order]


def _minmax(x: np.ndarray) -> np.ndarray:
    import numpy as np

    span = float(x.max() - x.min())
    return (x - x.min()) / span if span > 0 else np.ones_like(x)  # all equal: all at the top


def rrf(lists: list[tuple[Ranked, float]], rrf_k: float = RRF_K) -> Ranked:
    """Reciprocal-rank fusion of ranked lists, each with its weight; ties broken by row."""
    fused: dict[int, float] = {}
    for ranked, weight in lists:
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda rs: (-rs[1], rs[0]))


RANKERS: dict[str, Callable[[Index], Ranker]] = {"dense": DenseRanker, "bm25": BM25Ranker, "hybrid": HybridRanker}
DEFAULT_MODE = "hybrid"  # SciFact and gold set: see eval/retrieval.md


# -- rerankers -----------------------------------------------------------------------------------
class Reranker(Protocol):
    """Re-scores a ranked candidate list for a query; returns it re-ordered, best first."""

    def rerank(self, index: Index, query: str, candidates: Ranked) -> Ranked: ...


class RocchioReranker:
    """Dense pseudo-relevance feedback (Rocchio, 1971) over the top candidates.

    The query vector moves toward the best `feedback` candidates' vectors (q + beta * their mean);
    each candidate's cosine to that vector is blended with its incoming score (both min-max scaled
    over the candidates, `weight` on the feedback side). Settings chosen on SciFact's train queries,
    where it adds +0.004 nDCG@10 to the hybrid (paired randomization test p = 0.009; test split
    +0.003), so the hybrid mode uses it by default (eval/retrieval.md)."""

    def __init__(self, feedback: int = 1, beta: float = 0.5, weight: float = 0.3):
        self.feedback, self.beta, self.weight = feedback, beta, weight

    def rerank(self, index: Index, query: str, candidates: Ranked) -> Ranked:
        import numpy as np

        if len(candidates) < 2:
            return candidates
        rows = np.array([r for r, _ in candidates], dtype=np.int64)
        incoming = np.array([s for _, s in candidates], dtype=np.float64)
        vectors = np.asarray(index.vectors[rows], dtype=np.float32)
        q = index.encode_query(query) + self.beta * vectors[: self.feedback].mean(axis=0)
        q /= max(float(np.linalg.norm(q)), 1e-9)
        blended = self.weight * _minmax(vectors @ q) + (1 - self.weight) * _minmax(incoming)
        order = np.argsort(-blended, kind="stable")
        return [(int(rows[i]), float(blended[i])) for i in order]


RERANKERS: dict[str, Callable[[], Reranker]] = {"rocchio": RocchioReranker}
DEFAULT_RERANKER = "rocchio"
RERANK_DEPTH = 30  # candidates the reranker sees


# Modes whose default includes the reranker: only where it was measured to help.
RERANK_BY_DEFAULT = {"hybrid": DEFAULT_RERANKER}


# -- filters -------------------------------------------------------------------------------------
FILTER_FIELDS = ("provider", "published", "topics", "doc_id", "kind", "title", "url", "heading")
_ORDERED_FIELDS = ("published", "doc_id", "title")
_OPERATORS = ("!=", ">=", "<=", "=", ">", "<")  # longest first, so ">=" is not read as ">"
_CONDITION = re.compile(r"^\s*([A-Za-z_]+)\s*(==|!=|>=|<=|=|>|<)\s*(.*?)\s*$", re.DOTALL)  # "==" is read as "="
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_JOINED_NAMES = re.compile(r", | and ")  # how rag.corpus joins a list of publishers: "A, B and C"


@dataclass(frozen=True)
class Condition:
    """One `--where` expression: FIELD OP VALUE."""

    field: str
    op: str
    value: str

    def matches(self, chunk: Chunk) -> bool:
        actual = getattr(chunk, self.field)
        if self.field == "topics":
            present = self.value.casefold() in {t.casefold() for t in actual}
            return present if self.op == "=" else not present
        if actual is None:
            return self.op == "!="
        if self.field == "provider" and self.op in ("=", "!="):
            # A piece put out by several ("Coastal Review and Harbour Weekly") is each one's.
            right = self.value.casefold()
            present = right in {actual.casefold(), *(p.casefold() for p in _JOINED_NAMES.split(actual))}
            return present if self.op == "=" else not present
        left, right = str(actual).casefold(), self.value.casefold()
        if self.field == "published":  # a date prefix: published=2022 matches any day of 2022
            left = left[: len(right)]
        return {
            "=": left == right, "!=": left != right, ">=": left >= right,
            "<=": left <= right, ">": left > right, "<": left < right,
        }[self.op]


def parse_where(expressions: list[str] | None) -> list[Condition]:
    """Parse `--where` expressions (ANDed together). Bad ones raise a QueryError naming the fix."""
    conditions = []
    for text in expressions or []:
        m = _CONDITION.match(text)
        if not m:
            raise QueryError(
                f"cannot read filter {text!r}: write FIELD OP VALUE with OP one of {' '.join(_OPERATORS)}, "
                'e.g. provider="The Next Web" or published>=2022-01-01'
            )
        name, op, value = m.group(1).lower(), m.group(2).replace("==", "="), _unquote(m.group(3))
        if name not in FILTER_FIELDS:
            raise QueryError(f"unknown filter field {name!r}: choose one of {', '.join(FILTER_FIELDS)}")
        if not value:
            raise QueryError(f"filter {text!r} has no value")
        if op not in ("=", "!=") and name not in _ORDERED_FIELDS:
            raise QueryError(f"filter field {name!r} takes only = or != (got {op})")
        if name == "published":
            if not _DATE.match(value):
                raise QueryError(f"published takes a date YYYY, YYYY-MM or YYYY-MM-DD (got {value!r})")
            _check_date(value)
        conditions.append(Condition(name, op, value))
    return conditions


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _check_date(value: str) -> None:
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        dt.date(*parts[:3])
    except ValueError:
        raise QueryError(f"published takes a real date (got {value!r})") from None


def values_hint(chunks: list[Chunk], conditions: list[Condition], most: int = 12) -> str | None:
    """For a filter that matches nothing: the values its field takes in the index ("kind is one of
    body, related, summary"), for the first `=` condition no passage meets alone."""
    for cond in conditions:
        if cond.op == "=" and not any(cond.matches(c) for c in chunks):
            if cond.field == "topics":
                values = {t for c in chunks for t in c.topics}
            else:
                values = {str(getattr(c, cond.field)) for c in chunks if getattr(c, cond.field)}
            shown = sorted(values, key=str.casefold)
            more = f", … ({len(shown)} in all)" if len(shown) > most else ""
            return f"no passage has {cond.field}={cond.value}; {cond.field} is one of {', '.join(shown[:most])}{more}"
    return None


def allowed_rows(chunks: list[Chunk], conditions: list[Condition]):
    """Rows of the chunks that satisfy every condition, as an int64 array."""
    import numpy as np

    return np.array([i for i, c in enumerate(chunks) if all(cond.matches(c) for cond in conditions)], dtype=np.int64)


# -- near-duplicates -----------------------------------------------------------------------------
DUPLICATE_COSINE = 0.97  # passages this close to a better-ranked one are near-identical copies


def mmr(
    vectors: np.ndarray, ranked: Ranked, k: int, lambda_: float = 1.0, duplicate: float | None = DUPLICATE_COSINE
) -> Ranked:
    """Maximal marginal relevance (Carbonell & Goldstein, 1998) over ranked candidates.

    Relevance is the candidate's score scaled to [0, 1]; redundancy its highest cosine to a hit
    already chosen (stored vectors). `lambda_=1` keeps the ranking and only drops candidates whose
    cosine to a chosen hit reaches `duplicate`; lower values trade relevance for diversity."""
    import numpy as np

    if not ranked:
        return []
    rows = np.array([r for r, _ in ranked], dtype=np.int64)
    scores = np.array([s for _, s in ranked], dtype=np.float64)
    span = scores.max() - scores.min()
    relevance = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
    vecs = np.asarray(vectors[rows], dtype=np.float32)
    sims = vecs @ vecs.T
    chosen: list[int] = []
    redundancy = np.full(len(rows), -1.0)
    alive = np.ones(len(rows), dtype=bool)
    while len(chosen) < k and alive.any():
        value = np.where(alive, lambda_ * relevance - (1 - lambda_) * np.maximum(redundancy, 0), -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        alive[best] = False
        redundancy = np.maximum(redundancy, sims[best])
        if duplicate is not None:
            alive &= sims[best] < duplicate
    return [ranked[i] for i in chosen]


# -- the facade ----------------------------------------------------------------------------------
def check_index(index, user: str) -> None:
    """A TypeError naming what is wanted when `index` is not an opened index (a path, None)."""
    if not hasattr(index, "chunks") or not hasattr(index, "manifest"):
        raise TypeError(f"{user} needs an Index (rag.Index.open(path)), not {type(index).__name__}")


def check_mode(mode: str) -> str:
    """`mode` if it names a ranker, else a QueryError listing them."""
    if mode not in RANKERS:
        raise QueryError(f"unknown mode {mode!r}: choose one of {', '.join(RANKERS)}")
    return mode


class Retriever:
    """`search(query, k, where)` → hits, through the ranker of `mode`.

    `rerank` names a reranker in RERANKERS (or is one); "auto" is the mode's default
    (RERANK_BY_DEFAULT), None none; `mmr` is MMR's lambda (None: keep the
    ranking, only drop near-identical passages); `duplicate` is the cosine at which a passage counts
    as a copy of a better one (None: keep copies)."""

    def __init__(
        self,
        index: Index,
        mode: str = DEFAULT_MODE,
        *,
        rerank: str | Reranker | None = "auto",
        mmr: float | None = None,
        duplicate: float | None = DUPLICATE_COSINE,
    ):
        check_index(index, "Retriever")
        check_mode(mode)
        if mmr is not None and not 0.0 <= mmr <= 1.0:
            raise QueryError(f"mmr lambda must be between 0 and 1 (got {mmr})")
        self.index = index
        self.mode = mode
        self.ranker = RANKERS[mode](index)
        self.reranker = _resolve_reranker(RERANK_BY_DEFAULT.get(mode) if rerank == "auto" else rerank)
        self.mmr_lambda = 1.0 if mmr is None else mmr
        self.duplicate = duplicate

    def search(self, query: str, k: int = 5, where: list[str] | None = None) -> list[Hit]:
        return [
            Hit(self.index.chunks[row], score, rank)
            for rank, (row, score) in enumerate(self.rank(query, k, where), start=1)
        ]

    def rank(self, query: str, k: int = 5, where: list[str] | None = None) -> Ranked:
        """The (row, score) pairs behind `search`: for evaluations that work on rows."""
        query = clean_query(query)
        if not query:
            raise QueryError("the query is empty")
        try:
            k = operator.index(k)  # an int or a numpy integer; not 2.5, not "5"
        except TypeError:
            raise TypeError(f"k is a whole number, not {k!r}") from None
        if k < 1:
            raise QueryError(f"k must be at least 1 (got {k})")
        allowed = None
        conditions = parse_where(where)
        if conditions:
            allowed = allowed_rows(self.index.chunks, conditions)
            if len(allowed) == 0:
                return []
        # Take a few more than k so that dropping copies still leaves k hits.
        depth = k + 10 if self.reranker is None else max(k + 10, RERANK_DEPTH)
        ranked = self.ranker.rank(query, depth, allowed)
        if self.reranker is not None:
            ranked = _rerank_head(self.reranker, self.index, query, ranked)
        if self.duplicate is None and self.mmr_lambda == 1.0:
            return ranked[:k]
        return mmr(self.index.vectors, ranked, k, self.mmr_lambda, self.duplicate)


def _rerank_head(reranker: Reranker, index: Index, query: str, ranked: Ranked) -> Ranked:
    """Rerank the first RERANK_DEPTH candidates; the rest follow in their order, their scores
    shifted below the reranked ones so that scores still fall with rank."""
    head = reranker.rerank(index, query, ranked[:RERANK_DEPTH])
    tail = ranked[RERANK_DEPTH:]
    if not tail or not head:
        return head + tail
    shift = max(0.0, max(s for _, s in tail) - min(s for _, s in head) + 1e-6)
    return head + [(r, s - shift) for r, s in tail]


def _resolve_reranker(rerank: str | Reranker | None) -> Reranker | None:
    if rerank is None or not isinstance(rerank, str):
        return rerank
    if rerank not in RERANKERS:
        raise QueryError(f"unknown reranker {rerank!r}: choose one of {', '.join(RERANKERS) or '(none)'}")
    return RERANKERS[rerank]()

