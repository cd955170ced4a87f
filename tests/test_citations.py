"""The citation check: supported sentences survive, renumbered; fabricated ones are dropped."""

from __future__ import annotations

import pytest

from rag.citations import CitationCheck, SentenceVectors, check_answer, content_terms, split_sentences, strip_markers
from rag.types import Hit


@pytest.fixture(scope="module")
def vectors(real_embedder):
    return SentenceVectors(real_embedder)


def _hit(index, doc_prefix: str, kind: str, rank: int, contains: str = "") -> Hit:
    chunk = next(c for c in index.chunks if c.doc_id.startswith(doc_prefix) and c.kind == kind and contains in c.text)
    return Hit(chunk, 1.0, rank)


@pytest.fixture(scope="module")
def hits(seeds_index):
    return [
        _hit(seeds_index, "000", "summary", 1),
        _hit(seeds_index, "002", "summary", 2),
        _hit(seeds_index, "002", "related", 3, "Microsoft is backing off"),
    ]


def _sentence(hit: Hit, contains: str) -> str:
    return next(s for s in split_sentences(hit.chunk.text) if contains in s).rstrip(".")


def test_a_title_or_an_initial_ends_no_sentence():
    from rag.chunking import split_sentences as passage_sentences

    text = "The trust was founded by Dr. Lena Holm and J. Varga in 1994. St. Gildas kept the records. It has 40 members."
    expected = ["The trust was founded by Dr. Lena Holm and J. Varga in 1994.", "St. Gildas kept the records.", "It has 40 members."]
    assert split_sentences(text) == expected
    assert passage_sentences(text) == expected


def test_a_sentence_may_start_with_a_capital_of_any_alphabet():
    from rag.chunking import split_sentences as passage_sentences

    text = "Le pont a été ouvert en 1931. Ça coûte cher. Это мост. Über alles."
    expected = ["Le pont a été ouvert en 1931.", "Ça coûte cher.", "Это мост.", "Über alles."]
    assert split_sentences(text) == expected
    assert passage_sentences(text) == expected


def test_split_sentences_keeps_markers_with_their_sentence():
    text = "First claim here [1]. Second one. [2] Third, “quoted.” [1, 3] Last"
    assert split_sentences(text) == ["First claim here [1].", "Second one. [2]", "Third, “quoted.” [1, 3]", "Last"]


def test_content_terms_ignore_function_words_and_stem():
    assert content_terms("What are the emotions of the machines?") == {"emot", "machin"}


def test_markers_are_renumbered_in_order_of_first_use(hits, vectors):
    scam = _sentence(hits[1], "ground truths")
    herzog = _sentence(hits[0], "Werner Herzog")
    text, citations, dropped = check_answer(f"{scam} [2]. {herzog} [1]. {scam} again [2].", hits, vectors)
    assert dropped == []
    assert text.startswith(f"{scam} [1]. {herzog} [2].")
    assert [c.n for c in citations] == [1, 2]
    assert citations[0].chunk.doc_id.startswith("002") and citations[1].chunk.doc_id.startswith("000")
    assert "Werner Herzog" in citations[1].quote  # the passage sentence that supports the claim


def test_a_fabricated_sentence_is_dropped(hits, vectors):
    true = _sentence(hits[2], "backing off")
    fabricated = "Microsoft paid 40 million dollars to settle every facial recognition lawsuit in 2021"
    wrong_source = _sentence(hits[0], "Werner Herzog")  # true somewhere, but not in passage 3
    text, citations, dropped = check_answer(f"{true} [3]. {fabricated} [3]. {wrong_source} [3].", hits, vectors)
    assert text == f"{true} [1]."
    assert [c.chunk.chunk_id for c in citations] == [hits[2].chunk.chunk_id]
    assert len(dropped) == 2 and "40 million" in dropped[0]


def test_only_the_supporting_marker_of_several_is_kept(hits, vectors):
    herzog = _sentence(hits[0], "Werner Herzog")
    text, citations, _ = check_answer(f"{herzog} [2, 1].", hits, vectors)
    assert text == f"{herzog} [1]."
    assert citations[0].chunk.doc_id.startswith("000")


def test_uncited_and_out_of_range_sentences_are_dropped_and_nothing_left_abstains(hits, vectors):
    herzog = _sentence(hits[0], "Werner Herzog")
    check = CitationCheck(hits, vectors)
    out = "".join([*check.feed(f"{herzog}. {herzog} [7]."), *check.finish()])
    assert out == "" and not check.answered and check.citations == []


def test_streamed_in_small_pieces_gives_the_same_answer(hits, vectors):
    scam = _sentence(hits[1], "ground truths")
    herzog = _sentence(hits[0], "Werner Herzog")
    text = f"{scam}. [2] {herzog} [1]."
    check = CitationCheck(hits, vectors)
    pieces = [p for i in range(0, len(text), 3) for p in check.feed(text[i : i + 3])] + list(check.finish())
    whole, _, _ = check_answer(text, hits, vectors)
    assert "".join(pieces) == whole
    assert len(pieces) == 2  # sentence by sentence, as they complete
    assert strip_markers(whole) == f"{scam}. {herzog}."


def test_a_quote_from_video_notes_is_cited_at_its_own_timestamp(tmp_path, vectors):
    """A passage of notes spans several timestamps; its citation opened the video at the first."""
    from rag.chunking import chunk_document
    from rag.corpus import load_document

    (tmp_path / "talk.md").write_text(
        "---\ntitle: Glaciers\nurl: https://www.youtube.com/watch?v=XyZ123abcde\n---\n"
        "00:00 Intro to the talk on mountain glaciers.\n01:30 The Rhône glacier has lost 40% of its ice volume since 1850.\n",
        encoding="utf-8",
    )
    chunk = next(c for c in chunk_document(load_document(tmp_path / "talk.md", tmp_path)) if c.kind == "body")
    text, citations, _ = check_answer("The Rhône glacier has lost 40% of its ice volume since 1850 [1].", [Hit(chunk, 1.0, 1)], vectors)
    assert text and citations[0].chunk.anchor == "01:30" and citations[0].chunk.url.endswith("&t=90s")
