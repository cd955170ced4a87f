"""FAISS index types: chosen by size, recorded in the manifest, searched like the exact index."""

from __future__ import annotations

import numpy as np
import pytest

from rag.errors import QueryError
from rag.index import AUTO_FLAT_MAX, Index, make_faiss_index, resolve_index_type


def clustered(n: int, dim: int = 32, centres: int = 50, seed: int = 0) -> np.ndarray:
    """Normalized vectors around a few centres: the structure of real embeddings, in small."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim)).astype(np.float32)
    v = c[rng.integers(0, centres, n)] + 0.3 * rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_auto_is_flat_for_small_corpora_and_ivf_for_large():
    assert resolve_index_type("auto", 20)[0] == "flat"
    assert resolve_index_type("auto", AUTO_FLAT_MAX)[0] == "flat"
    kind, params = resolve_index_type("auto", AUTO_FLAT_MAX + 1)
    assert kind == "ivf" and params["nprobe"] >= 16
    kind, params = resolve_index_type("hnsw", 10)
    assert kind == "hnsw" and params["M"] >= 16 and params["efSearch"] >= 64
    kind, params = resolve_index_type("ivf", 1_000_000)
    assert kind == "ivf" and 1 <= params["nprobe"] <= params["nlist"] <= 1_000_000 // 39
    assert resolve_index_type("ivf", 5)[1]["nlist"] == 1


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_find_what_exact_search_finds(kind):
    vectors = clustered(6000)
    queries = clustered(50, seed=1)
    exact = make_faiss_index(vectors, "flat", {})
    approx = make_faiss_index(vectors, *resolve_index_type(kind, len(vectors)))
    _, truth = exact.search(queries, 10)
    _, found = approx.search(queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    assert recall >= 0.9, recall
    assert approx.ntotal == len(vectors)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_index_type_is_recorded_and_searched(kind, corpus_copy, tmp_path, hash_embedder):
    import faiss

    built = Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type=kind)
    assert built.manifest["index_type"] == kind
    reopened = Index.open(tmp_path / "index", hash_embedder)
    assert reopened.manifest["index_type"] == kind
    expected_class = {"flat": faiss.IndexFlat, "hnsw": faiss.IndexHNSW, "ivf": faiss.IndexIVF}[kind]
    assert isinstance(reopened.faiss_index, expected_class)
    exact = make_faiss_index(np.asarray(reopened.vectors), "flat", {})
    for text in ("emotion recognition", "facial expressions and feelings", "hiring software"):
        q = hash_embedder.encode([text])[0]
        scores, rows = reopened.search_vectors(q, 5)
        _, exact_rows = exact.search(q.reshape(1, -1), 5)
        assert list(rows) == list(exact_rows[0])  # a few dozen chunks: approximate is exact here
        assert np.all(np.diff(scores) <= 1e-6)


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_filtered_search_on_an_approximate_index_stays_inside_the_filter(kind, corpus_copy, tmp_path, hash_embedder):
    built = Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type=kind)
    allowed = np.array([r for r, c in enumerate(built.chunks) if c.doc_id == built.chunks[-1].doc_id])
    q = hash_embedder.encode(["emotion"])[0]
    scores, rows = built.search_vectors(q, 3, allowed)
    assert len(rows) == min(3, len(allowed)) and set(rows) <= set(allowed)
    expected = sorted(allowed, key=lambda r: -float(np.asarray(built.vectors[r]) @ q))[: len(rows)]
    assert list(rows) == expected


def test_changing_the_index_type_rewrites_the_index(corpus_copy, tmp_path, hash_embedder):
    Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type="flat")
    again = Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type="hnsw")
    assert not again.report.up_to_date and again.report.embedded == 0
    assert Index.open(tmp_path / "index", hash_embedder).manifest["index_type"] == "hnsw"
    same = Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type="hnsw")
    assert same.report.up_to_date


def test_unknown_index_type_is_a_clear_error(corpus_copy, tmp_path, hash_embedder):
    with pytest.raises(QueryError, match="choose one of auto, flat, hnsw, ivf"):
        Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type="annoy")


def test_an_update_keeps_an_explicitly_chosen_type(corpus_copy, tmp_path, hash_embedder):
    Index.build(corpus_copy, tmp_path / "index", hash_embedder, index_type="ivf")
    first = next(p for p in sorted(corpus_copy.iterdir()) if p.is_file())
    first.write_text(first.read_text(encoding="utf-8") + "\n\nA new closing paragraph.\n", encoding="utf-8")
    updated = Index.build(corpus_copy, tmp_path / "index", hash_embedder)  # index_type="auto"
    assert updated.manifest["index_type"] == "ivf"
