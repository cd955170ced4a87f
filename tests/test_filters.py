"""Metadata filters (`where`) and MMR de-duplication, on the shipped corpus with the real model."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from rag.errors import QueryError
from rag.retrieval import RANKERS, Retriever, mmr, parse_where, values_hint
from tests.conftest import SEEDS
from tests.test_cli import assert_one_line_error, rag

MODES = list(RANKERS)


@pytest.mark.parametrize("mode", MODES)
def test_provider_filter_restricts_before_ranking(seeds_index, mode):
    # The seals article (Smithsonian) is the best hit unfiltered; filtered to another provider, the
    # retriever still fills k hits from that provider alone: rows are restricted before ranking.
    query = "facial recognition software for seals"
    unfiltered = Retriever(seeds_index, mode=mode).search(query, k=3)
    assert unfiltered[0].chunk.provider == "Smithsonian Magazine"
    hits = Retriever(seeds_index, mode=mode).search(query, k=3, where=['provider="The Next Web"'])
    assert hits, "a pre-ranking filter still returns what matches it"
    assert {h.chunk.provider for h in hits} == {"The Next Web"}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


@pytest.mark.parametrize("mode", MODES)
def test_date_and_topic_filters_are_anded(seeds_index, mode):
    retriever = Retriever(seeds_index, mode=mode)
    dated = retriever.search("emotion recognition", k=20, where=["published>=2022-01-01"])
    assert dated and all(h.chunk.published and h.chunk.published >= "2022-01-01" for h in dated)
    ethics = retriever.search("emotion recognition", k=20, where=["topics=AI Ethics"])
    assert ethics and all("AI Ethics" in h.chunk.topics for h in ethics)
    both = retriever.search("emotion recognition", k=20, where=["topics=ai ethics", "published<2021-04-16"])
    assert both and {h.chunk.doc_id for h in both} == {"001_083ada1853b1cad6"}
    assert all(h.chunk.published < "2021-04-16" for h in both)


def test_filters_that_match_nothing_return_no_hits(seeds_index):
    assert Retriever(seeds_index, mode="hybrid").search("emotion", k=5, where=["provider=Nobody"]) == []


def test_a_filter_value_no_passage_has_is_answered_with_the_values_there_are(seeds_index):
    chunks = seeds_index.chunks
    assert values_hint(chunks, parse_where(["kind=video"])) == "no passage has kind=video; kind is one of body, related, summary"
    hint = values_hint(chunks, parse_where(["published>=2020", "provider=Nobody"]))
    assert hint.startswith("no passage has provider=Nobody; provider is one of ") and "The Next Web" in hint
    assert "AI Ethics" in values_hint(chunks, parse_where(["topics=cats"]))
    assert values_hint(chunks, parse_where(["published>2030"])) is None  # a range, not a value to list
    assert values_hint(chunks, parse_where(["kind=summary"])) is None


def test_inequality_and_year_prefix(seeds_index):
    hits = Retriever(seeds_index, mode="bm25").search("emotion recognition AI", k=30, where=["provider!=YouTube"])
    assert hits and all(h.chunk.provider != "YouTube" for h in hits)
    year = Retriever(seeds_index, mode="dense").search("emotion", k=30, where=["published=2021"])
    assert year and all(h.chunk.published.startswith("2021") for h in year)


@pytest.mark.parametrize(
    "expression, message",
    [
        ("colour=red", "unknown filter field"),
        ("provider", "cannot read filter"),
        ("=The Next Web", "cannot read filter"),
        ("provider=", "has no value"),
        ("published>=yesterday", "published takes a date"),
        ("published>=2022-13-01", "real date"),
        ("topics>AI", "takes only = or !="),
    ],
)
def test_malformed_filters_are_query_errors(expression, message):
    with pytest.raises(QueryError, match=message):
        parse_where([expression])


def test_quoted_values_and_operators_parse():
    (c,) = parse_where(['provider = "The Next Web"'])
    assert (c.field, c.op, c.value) == ("provider", "=", "The Next Web")
    assert [c.op for c in parse_where(["published>=2022", "published<=2023", "published>2020", "published<2024"])] == [
        ">=", "<=", ">", "<",
    ]


def test_cli_bad_filter_is_one_line_error(seeds_index):
    assert_one_line_error(rag("search", "emotion", "--where", "colour=red", "--index", str(seeds_index.path)))


# -- MMR -----------------------------------------------------------------------------------------
def test_mmr_trades_relevance_for_diversity():
    vectors = np.array([[1, 0, 0], [0.99, 0.141, 0], [0, 1, 0]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ranked = [(0, 0.9), (1, 0.85), (2, 0.5)]
    assert mmr(vectors, ranked, 2, lambda_=1.0, duplicate=None) == [(0, 0.9), (1, 0.85)]
    assert mmr(vectors, ranked, 2, lambda_=0.5, duplicate=None) == [(0, 0.9), (2, 0.5)]
    # At lambda 1 only copies (cosine >= threshold) go.
    assert mmr(vectors, ranked, 3, lambda_=1.0, duplicate=0.95) == [(0, 0.9), (2, 0.5)]


@pytest.fixture(scope="module")
def duplicated_index(real_embedder, tmp_path_factory):
    """The shipped corpus plus a near-copy of one article (same text, one word changed)."""
    from rag.index import Index

    corpus = tmp_path_factory.mktemp("dup-corpus")
    for f in SEEDS.iterdir():
        shutil.copy(f, corpus / f.name)
    original = (SEEDS / "002_4c3417b0c4697e7c.txt").read_text(encoding="utf-8")
    (corpus / "005_copy.txt").write_text(original.replace("total scam", "complete scam", 1), encoding="utf-8")
    return Index.build(corpus, tmp_path_factory.mktemp("dup-index") / "index", real_embedder)


@pytest.mark.parametrize("mode", MODES)
def test_near_identical_passages_are_dropped(duplicated_index, mode):
    query = "why facial expression recognition AI is a scam"
    kept = Retriever(duplicated_index, mode=mode, duplicate=None).search(query, k=4)
    summaries = [h.chunk.doc_id for h in kept if h.chunk.kind == "summary"][:2]
    assert set(summaries) == {"002_4c3417b0c4697e7c", "005_copy"}, "both copies rank high without MMR"
    deduped = Retriever(duplicated_index, mode=mode).search(query, k=4)
    assert len(deduped) == 4
    texts = [h.chunk.text for h in deduped]
    assert len(set(texts)) == len(texts)
    top_docs = {h.chunk.doc_id for h in deduped if h.chunk.kind == "summary"}
    assert len(top_docs & {"002_4c3417b0c4697e7c", "005_copy"}) == 1


def test_provider_filter_matches_each_of_a_joined_list_of_publishers(seeds_index):
    # `publisher: [Coastal Review, Harbour Weekly]` is kept as "Coastal Review and Harbour Weekly":
    # the piece is each one's, so either name finds it, and only a whole name does.
    from dataclasses import replace

    joint = replace(seeds_index.chunks[0], provider="Coastal Review, Harbour Weekly and The Tide")
    for name in ("Coastal Review", "harbour weekly", "The Tide", "Coastal Review, Harbour Weekly and The Tide"):
        assert parse_where([f"provider={name}"])[0].matches(joint), name
        assert not parse_where([f"provider!={name}"])[0].matches(joint), name
    assert not parse_where(["provider=Coastal"])[0].matches(joint)
    assert parse_where(["provider!=Coastal"])[0].matches(joint)


def test_a_double_equals_filter_reads_as_one(seeds_index):
    # "provider==The Next Web" was read as provider = "=The Next Web": no hits, and no error.
    assert parse_where(['provider=="The Next Web"']) == parse_where(['provider="The Next Web"'])
