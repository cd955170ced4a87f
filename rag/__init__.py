"""rag: question answering over a corpus, with citations.

    from rag import Index, Retriever
    index = Index.open("indexes/default")          # or Index.build("seeds/", "indexes/default")
    hits = Retriever(index, mode="dense").search("why is emotion AI called a scam?", k=5)

Names are imported on first use, so `import rag` stays cheap (no numpy, FAISS or torch).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Index": "rag.index",
    "Retriever": "rag.retrieval",
    "RANKERS": "rag.retrieval",
    "Chunk": "rag.types",
    "Document": "rag.types",
    "Hit": "rag.types",
    "Answer": "rag.types",
    "Citation": "rag.types",
    "Assistant": "rag.assistant",
    "RagError": "rag.errors",
    "load_corpus": "rag.corpus",
    "chunk_document": "rag.chunking",
    "SentenceTransformerEmbedder": "rag.embedding",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
