"""BM25 over chunk texts, with bm25s: English Snowball stemming (PyStemmer) and English stop words.

The index is saved in its own folder inside the index folder (`bm25/`, bm25s's own files with its
`params.index.json`) and loaded memory-mapped on first use. `import bm25s` costs about a second, so
this module imports it only inside functions: dense-only searches never pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

BM25_DIR = "bm25"
# Lucene's BM25 variant with bm25s's default parameters: on SciFact's train queries k1 in 0.9-1.5 and b in
# 0.4-0.9 all score within 0.002 nDCG@10 of each other (eval/retrieval.md).
K1 = 1.5
B = 0.75


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased word tokens, English stop words removed, Snowball-stemmed."""
    import bm25s
    import Stemmer

    return bm25s.tokenize(
        texts, lower=True, stopwords="en", stemmer=_stemmer(Stemmer), return_ids=False, show_progress=False
    )


_STEMMER = None


def _stemmer(module):
    global _STEMMER
    if _STEMMER is None:
        _STEMMER = module.Stemmer("english")
    return _STEMMER.stemWords


def _import_bm25s_for_queries():
    """bm25s imports numba and scipy whenever they are installed (about 0.9 s of a cold `rag ask`
    with hybrid retrieval), yet scoring a query against a saved index needs neither: its numpy
    backend gives the same scores. So a process that has not imported bm25s yet imports it with
    both hidden (they stay importable for everything else). Building an index in the same process
    afterwards still works, on bm25s's numpy backends."""
    import sys

    if "bm25s" in sys.modules:
        return sys.modules["bm25s"]
    hidden = [name for name in ("numba", "scipy") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # makes `import name` raise ImportError
    try:
        import bm25s
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return bm25s


@dataclass
class BM25Index:
    """A bm25s index over the rows of an index folder (row i = chunk i)."""

    model: object  # bm25s.BM25
    rows: int

    @classmethod
    def build(cls, texts: list[str], k1: float = K1, b: float = B) -> BM25Index:
        import bm25s

        model = bm25s.BM25(k1=k1, b=b, method="lucene")
        tokens = tokenize(texts)
        # bm25s refuses an all-empty corpus; a placeholder token keeps row numbers aligned.
        model.index([t or ["\x00"] for t in tokens], show_progress=False)
        return cls(model, len(texts))

    @classmethod
    def load(cls, folder: Path, rows: int) -> BM25Index:
        bm25s = _import_bm25s_for_queries()
        model = bm25s.BM25.load(str(folder), mmap=True, load_corpus=False, show_progress=False)
        documents = model.scores.get("num_docs")
        if documents != rows:  # damaged params (bm25s reads `{}` and fails only at the first query)
            raise ValueError(f"it scores {documents} rows, the index has {rows}")
        return cls(model, rows)

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros when no query term is in the vocabulary)."""
        ids = self.model.get_tokens_ids(tokenize([query])[0])
        if not ids:
            return np.zeros(self.rows, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)

    def rank(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score), best first; rows with no query term are never returned."""
        scores = self.scores(query)
        if allowed is not None:
            masked = np.full_like(scores, -np.inf)
            masked[allowed] = scores[allowed]
            scores = masked
        return top_k(scores, k, min_score=0.0)


def top_k(scores: np.ndarray, k: int, min_score: float = -np.inf) -> list[tuple[int, float]]:
    """(row, score) of the k highest scores above `min_score`, best first, ties by row."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    part = part[np.lexsort((part, -scores[part]))]
    return [(int(r), float(scores[r])) for r in part if scores[r] > min_score]
