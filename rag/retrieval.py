"""The retriever: from a question to ranked, citable chunks.

`Retriever(index, mode=...)` is the one object callers use. A mode names a `Ranker` in `RANKERS`,
which scores chunk rows of the index; the retriever turns rows into `Hit`s.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from rag.errors import QueryError
from rag.index import Index
from rag.types import Hit


class Ranker(Protocol):
    """Scores the index's chunks for a query: (row, score) pairs, best first."""

    def __init__(self, index: Index): ...

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]: ...


class DenseRanker:
    """Cosine similarity of the query's embedding to each chunk's, through FAISS."""

    def __init__(self, index: Index):
        self.index = index

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        vector = self.index.embedder.encode([query], kind="query")[0]
        scores, rows = self.index.search_vectors(vector, k, allowed)
        return [(int(r), float(s)) for r, s in zip(rows, scores)]


RANKERS: dict[str, type[Ranker]] = {"dense": DenseRanker}
DEFAULT_MODE = "dense"


class Retriever:
    def __init__(self, index: Index, mode: str = DEFAULT_MODE):
        if mode not in RANKERS:
            raise QueryError(f"unknown mode {mode!r}: choose one of {', '.join(RANKERS)}")
        self.index = index
        self.mode = mode
        self.ranker = RANKERS[mode](index)

    def search(self, query: str, k: int = 5, where: list[str] | None = None) -> list[Hit]:
        query = query.strip()
        if not query:
            raise QueryError("the query is empty")
        if k < 1:
            raise QueryError(f"k must be at least 1 (got {k})")
        if where:
            raise QueryError("filters (--where) are not supported yet")
        ranked = self.ranker.rank(query, k)
        return [Hit(self.index.chunks[row], score, rank) for rank, (row, score) in enumerate(ranked, start=1)]
