"""Rankers, fusion, reranking and BM25 storage, on the shipped corpus with the real model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from rag.bm25 import BM25_DIR, BM25Index
from rag.errors import QueryError
from rag.index import Index
from rag.retrieval import (
    DEFAULT_MODE,
    RANKERS,
    RERANKERS,
    HybridRanker,
    Retriever,
    rrf,
)
from tests.test_cli import rag

SEALS = "facial recognition software for seals"


@pytest.mark.parametrize("mode", list(RANKERS))
class TestRankerContract:
    """What every mode promises: ranked hits, best first, at most k, relevant on an easy query."""

    def test_hits_are_ranked_and_bounded(self, seeds_index, mode):
        hits = Retriever(seeds_index, mode=mode).search("emotion recognition AI", k=4)
        assert 1 <= len(hits) <= 4
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert len({h.chunk.chunk_id for h in hits}) == len(hits)

    def test_easy_query_finds_its_passage(self, seeds_index, mode):
        top = Retriever(seeds_index, mode=mode).search(SEALS, k=1)[0]
        assert top.chunk.title == "Introducing Facial Recognition Software for Seals"

    def test_bad_k_and_empty_query(self, seeds_index, mode):
        retriever = Retriever(seeds_index, mode=mode)
        for blank in ("   ", "\u200b", "\ufeff\u2060 \u200d"):  # invisible characters were a question
            with pytest.raises(QueryError):
                retriever.search(blank, k=3)
        with pytest.raises(QueryError):
            retriever.search("seals", k=0)


def test_default_mode_is_registered_and_unknown_modes_fail(seeds_index):
    assert DEFAULT_MODE in RANKERS
    with pytest.raises(QueryError, match="dense, bm25, hybrid"):
        Retriever(seeds_index, mode="telepathy")


def test_bm25_finds_only_passages_with_a_query_term(seeds_index):
    assert Retriever(seeds_index, mode="bm25").search("zxqv wombatification", k=5) == []
    hits = Retriever(seeds_index, mode="bm25").search("WANdisco finalist", k=3)
    assert "WANdisco" in hits[0].chunk.text


def test_hybrid_keeps_what_only_one_ranker_finds(seeds_index):
    # A rare exact term: BM25 puts its passage first; the hybrid keeps it at the top.
    hybrid = Retriever(seeds_index, mode="hybrid").search("WANdisco", k=3)
    assert "WANdisco" in hybrid[0].chunk.text


def test_rrf_fuses_by_rank_with_weights():
    a = [(1, 0.9), (2, 0.8), (3, 0.1)]
    b = [(3, 12.0), (1, 5.0)]
    fused = rrf([(a, 1.0), (b, 1.0)], rrf_k=60)
    assert [r for r, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)
    assert [r for r, _ in rrf([(a, 1.0), (b, 3.0)], rrf_k=60)][0] == 3


def test_hybrid_fusions_and_settings(seeds_index):
    convex = HybridRanker(seeds_index).rank(SEALS, 5)
    assert all(0.0 <= s <= 1.0 for _, s in convex)
    dense_only = HybridRanker(seeds_index, alpha=1.0).rank(SEALS, 5)
    dense = RANKERS["dense"](seeds_index).rank(SEALS, 5)
    assert [r for r, _ in dense_only] == [r for r, _ in dense]
    by_rrf = HybridRanker(seeds_index, "rrf").rank(SEALS, 5)
    assert by_rrf[0][0] == convex[0][0]
    with pytest.raises(QueryError, match="unknown fusion"):
        HybridRanker(seeds_index, "average")
    with pytest.raises(QueryError):
        HybridRanker(seeds_index, alpha=1.5)


@pytest.mark.parametrize("name", list(RERANKERS))
def test_rerankers_reorder_the_same_candidates(seeds_index, name):
    retriever = Retriever(seeds_index, mode="hybrid")
    candidates = retriever.ranker.rank("why is emotion recognition unreliable", 15)
    reranked = RERANKERS[name]().rerank(seeds_index, "why is emotion recognition unreliable", candidates)
    assert sorted(r for r, _ in reranked) == sorted(r for r, _ in candidates)
    hits = Retriever(seeds_index, mode="hybrid", rerank=name).search(SEALS, k=3)
    assert hits[0].chunk.title == "Introducing Facial Recognition Software for Seals"
    with pytest.raises(QueryError, match="unknown reranker"):
        Retriever(seeds_index, rerank="oracle")


# -- BM25 storage --------------------------------------------------------------------------------
def test_bm25_is_stored_in_the_index_and_memory_mapped(seeds_index):
    folder = seeds_index.path / BM25_DIR
    assert (folder / "params.index.json").exists()
    reopened = Index.open(seeds_index.path, seeds_index.embedder)
    stored = reopened.bm25
    rebuilt = BM25Index.build([c.search_text for c in reopened.chunks])
    for query in (SEALS, "emotion AI scam", "Microsoft"):
        assert np.allclose(stored.scores(query), rebuilt.scores(query), atol=1e-5)
    assert isinstance(stored.model.scores["data"], np.memmap)


def test_index_without_stored_bm25_builds_it_in_memory(seeds_index, tmp_path):
    copy = tmp_path / "old-index"
    shutil.copytree(seeds_index.path, copy)
    shutil.rmtree(copy / BM25_DIR)
    old = Index.open(copy, seeds_index.embedder)
    assert Retriever(old, mode="bm25").search(SEALS, k=1)[0].chunk.title.startswith("Introducing Facial")
    assert not (copy / BM25_DIR).exists()  # opening never writes


def test_cli_search_modes_and_rerank(seeds_index):
    for mode in ("bm25", "hybrid"):
        result = rag("search", SEALS, "-k", "2", "--mode", mode, "--json", "--index", str(seeds_index.path))
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["mode"] == mode and len(data["hits"]) == 2
    reranked = rag("search", SEALS, "--rerank", "--json", "--index", str(seeds_index.path))
    assert reranked.returncode == 0, reranked.stderr
    assert json.loads(reranked.stdout)["hits"][0]["title"] == "Introducing Facial Recognition Software for Seals"


def test_hybrid_reranks_by_default_and_can_be_turned_off(seeds_index):
    from rag.retrieval import RocchioReranker

    assert isinstance(Retriever(seeds_index, mode="hybrid").reranker, RocchioReranker)
    assert Retriever(seeds_index, mode="hybrid", rerank=None).reranker is None
    assert Retriever(seeds_index, mode="dense").reranker is None
    assert isinstance(Retriever(seeds_index, mode="bm25", rerank="rocchio").reranker, RocchioReranker)


def test_api_misuse_is_a_type_error_that_names_what_is_wanted(seeds_index):
    from rag import Assistant

    for make in (lambda: Retriever(None), lambda: Retriever(str(seeds_index.path)), lambda: Assistant(None)):
        with pytest.raises(TypeError, match=r"needs an Index \(rag.Index.open\(path\)\)"):
            make()
    retriever = Retriever(seeds_index)
    for query in (123, None, b"scam"):
        with pytest.raises(TypeError, match="is a string"):
            retriever.search(query)
    for k in ("5", 2.5):
        with pytest.raises(TypeError, match="k is a whole number"):
            retriever.search("scam", k=k)
    assert len(retriever.search("scam", k=np.int64(2))) == 2  # a numpy integer is a whole number
