"""Shared fixtures. The real packaged model loads once per test session."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


class HashEmbedder:
    """A tiny deterministic embedder (hashed word counts) for tests that store and reload vectors
    but do not judge relevance. Counts the texts it encodes, so tests can see what was re-embedded."""

    name = "test/hash-embedder-64"
    dim = 64

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts, kind="passage"):
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


@pytest.fixture(scope="session")
def real_embedder():
    """The packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    from rag.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up"], kind="query")
    return embedder


@pytest.fixture(scope="session")
def seeds_index(real_embedder, tmp_path_factory):
    """The shipped corpus indexed with the real model, built once per session (read-only for tests)."""
    from rag.index import Index

    return Index.build(SEEDS, tmp_path_factory.mktemp("seeds-index") / "index", real_embedder)


@pytest.fixture
def hash_embedder():
    return HashEmbedder()


@pytest.fixture
def corpus_copy(tmp_path):
    """A writable copy of the shipped corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target
