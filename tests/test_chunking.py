import re

import yaml

from rag.chunking import ChunkerSettings, chunk_document, clean_markdown, count_tokens
from rag.corpus import load_corpus
from rag.types import Document
from tests.conftest import SEEDS


def _chunks_by_doc():
    return {d.doc_id: (d, chunk_document(d)) for d in load_corpus(SEEDS).documents}


def test_chunk_ids_are_stable_across_runs_and_unique():
    first = [c.chunk_id for _, chunks in _chunks_by_doc().values() for c in chunks]
    second = [c.chunk_id for _, chunks in _chunks_by_doc().values() for c in chunks]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(cid.split("#")[0] in {p.stem for p in SEEDS.glob("*.txt")} for cid in first)


def test_each_document_has_one_summary_chunk_citing_the_document():
    for doc, chunks in _chunks_by_doc().values():
        summaries = [c for c in chunks if c.kind == "summary"]
        assert len(summaries) == 1
        assert summaries[0].url == doc.url
        assert doc.title in summaries[0].text
        if doc.provider:
            assert doc.provider in summaries[0].text
        if doc.excerpt:
            assert doc.excerpt in summaries[0].text


def test_a_plain_file_gets_no_summary_that_only_repeats_its_title(tmp_path):
    """A summary of nothing but the title would take one of the k places and answer nothing; a
    file with only a title keeps it, so that the file can still be found."""
    from rag.corpus import load_document

    (tmp_path / "notes.md").write_text("# Bees\n\nA colony has one queen.\n", encoding="utf-8")
    (tmp_path / "titled.md").write_text("---\ntitle: Only a title\n---\n", encoding="utf-8")
    (tmp_path / "dated.md").write_text("---\ntitle: Dated\ndate: 2020-01-02\n---\nSome text.\n", encoding="utf-8")
    kinds = {p.stem: [c.kind for c in chunk_document(load_document(p, tmp_path))] for p in tmp_path.iterdir()}
    assert kinds == {"notes": ["body"], "titled": ["summary"], "dated": ["summary", "body"]}


def test_the_summary_says_where_the_piece_is():
    """A reader asks whose piece it is, for its address, or what that holds (a video's id, a
    release's number)."""
    video, chunks = _chunks_by_doc()["004_f9b868ada0241f27"]
    summary = next(c for c in chunks if c.kind == "summary")
    assert "“Challenges in AIbased emotion recognition” is from lexfridman." in summary.text
    assert "Video id: bmjamLZ3v8A." in summary.text
    assert summary.text.endswith("Link: https://www.youtube.com/watch?v=bmjamLZ3v8A")
    release, chunks = _chunks_by_doc()["003_8e8adc8aa99b0e78"]
    summary = next(c for c in chunks if c.kind == "summary")
    assert "Link: https://www.eurekalert.org/news-releases/958080" in summary.text
    assert "Video id" not in summary.text and " is from " not in summary.text  # no author given


def test_every_related_article_becomes_a_chunk_with_its_own_url():
    for doc, chunks in _chunks_by_doc().values():
        related = [c for c in chunks if c.kind == "related"]
        assert [c.url for c in related] == [a.url for a in doc.related]
        for chunk, article in zip(related, doc.related):
            assert chunk.title == article.title
            assert chunk.doc_id == doc.doc_id
            assert article.excerpt in chunk.text
            assert chunk.provider == article.provider


def test_a_byline_gives_the_time_of_day_and_a_piece_its_scores_and_a_related_article_its_link():
    """A reader quotes when a piece came out to the minute, the feed's scores, and where a linked
    article is; a score the feed marks as none (heat -1) is not written."""
    doc, chunks = _chunks_by_doc()["002_4c3417b0c4697e7c"]
    summary = next(c for c in chunks if c.kind == "summary")
    assert "was published by The Next Web on 2022-07-07 at 22:10 UTC." in summary.text
    assert "\nQuality score: 69.\n" in summary.text and "Heat score" not in summary.text
    computerworld = next(c for c in chunks if c.kind == "related" and c.provider == "Computerworld")
    assert "on 2022-07-07 at 07:00 UTC, linked from" in computerworld.text
    assert "\nQuality score: 92.\n" in computerworld.text
    assert computerworld.text.endswith(f"\nLink: {computerworld.url}")
    neural, chunks = _chunks_by_doc()["000_0d74549e87b2fe1b"]
    assert "\nHeat score: 79.\n" in next(c for c in chunks if c.kind == "summary").text


def test_opaque_fields_are_in_no_chunk():
    for path in SEEDS.glob("*.txt"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        opaque = []
        if meta.get("secured"):
            opaque += [meta["secured"], meta["secured"][:40]]
        for holder in [meta, meta.get("provider") or {}, *(meta.get("related") or [])]:
            opaque += [image["url"] for image in (holder.get("images") or [])]
        _, chunks = _chunks_by_doc()[path.stem]
        for chunk in chunks:
            fields = " ".join(str(v) for v in chunk.__dict__.values())
            for blob in opaque:
                assert blob not in fields, (chunk.chunk_id, blob[:30])


def test_video_notes_follow_headings_clean_markup_and_keep_timestamps():
    doc, chunks = _chunks_by_doc()["004_f9b868ada0241f27"]
    body = [c for c in chunks if c.kind == "body"]
    headings = [c.heading for c in body]
    assert "Current State of AI in Emotion Recognition" in headings
    assert "Grand Challenges and Future Directions › Improvement Through Human Integration" in headings
    for chunk in body:
        assert "<a" not in chunk.text and "[[" not in chunk.text and "<br" not in chunk.text
    limits = next(c for c in body if c.heading == "Limitations of Current AI Models")
    assert limits.anchor == "25:05"
    assert "(25:05)" in limits.text
    assert limits.url == "https://www.youtube.com/watch?v=bmjamLZ3v8A&t=1505s"
    assert "lexfridman" in body[0].text


def test_markup_cleaning():
    text = 'See [[lexfridman|Lex]] and [[other]] <br/> **bold** [a link](http://x) <a class="yt-timestamp" data-t="01:02:03">[01:02:03]</a>.'
    assert clean_markdown(text) == "See Lex and other bold a link (01:02:03)."


def test_long_sections_split_within_the_budget_with_overlap():
    sentences = [f"Sentence number {i} talks about facial affect and its many readings." for i in range(60)]
    body = "# Long section\n\n" + " ".join(sentences[:30]) + "\n\n" + " ".join(sentences[30:])
    doc = Document(doc_id="long", path="long.md", title="Long", body=body)
    settings = ChunkerSettings(max_tokens=60, overlap_tokens=15)

    body_chunks = [c for c in chunk_document(doc, settings) if c.kind == "body"]

    assert len(body_chunks) > 5
    assert all(count_tokens(c.text) <= settings.max_tokens for c in body_chunks)
    for before, after in zip(body_chunks, body_chunks[1:]):
        last_sentence = re.split(r"(?<=\.)\s+", before.text.strip())[-1]
        assert after.text.startswith(last_sentence)  # the overlap carries the last sentence over
    covered = " ".join(c.text for c in body_chunks)
    assert all(s in covered for s in sentences)


def test_a_sentence_longer_than_the_budget_is_cut():
    doc = Document(doc_id="run", path="run.md", title="Run", body="word " * 1000)
    body_chunks = [c for c in chunk_document(doc, ChunkerSettings(max_tokens=100, overlap_tokens=10)) if c.kind == "body"]
    assert all(count_tokens(c.text) <= 100 for c in body_chunks)
    assert sum(count_tokens(c.text) for c in body_chunks) >= 1000


def test_a_passage_quotes_its_source_verbatim_closing_quotes_included(tmp_path):
    # The sentence splitter used to eat the quote after a full stop: 'the plan "works well. Then …'.
    from rag.corpus import load_document

    body = ('The mayor said the plan "works well." Then she left. He replied “no way.” She laughed. '
            "They called it 'a good idea.' Nobody agreed. Dr. Holm said (as before.) More came.")
    (tmp_path / "quotes.md").write_text(f"---\ntitle: Quotes\n---\n{body}\n", encoding="utf-8")
    chunks = chunk_document(load_document(tmp_path / "quotes.md", tmp_path))
    assert any(body in c.text for c in chunks), [c.text for c in chunks]


def test_a_transcript_line_opening_with_its_moment_is_anchored_there(tmp_path):
    """"01:30 The glacier …", "[00:03:45] Host: …": a video's notes written as a transcript were
    cited at the passage's first "(mm:ss)" or at none; each line's moment is now an anchor, and a
    quote is cited (url and anchor) at the moment it stands under. Outside a video, "09:00 Doors
    open" is a clock time, not an anchor."""
    from rag.chunking import at_quote
    from rag.corpus import load_document

    (tmp_path / "talk.md").write_text(
        "---\ntitle: Glaciers\nurl: https://www.youtube.com/watch?v=XyZ123abcde\n---\n"
        "00:00 Intro to glaciers.\n01:30 The Rhône glacier lost 40% of its volume.\n"
        "[1:02:03] - Closing remarks about the Aletsch glacier.\n",
        encoding="utf-8",
    )
    (tmp_path / "day.md").write_text("---\ntitle: Open day\nurl: https://example.org/open-day\n---\n09:00 Doors open.\n", encoding="utf-8")
    talk = next(c for c in chunk_document(load_document(tmp_path / "talk.md", tmp_path)) if c.kind == "body")
    # each line a paragraph of its own (a chapter list was one run-on sentence)
    assert talk.text.startswith("(00:00) Intro to glaciers.\n\n(01:30) The Rhône glacier") and "\n\n(1:02:03) Closing remarks" in talk.text
    assert (talk.anchor, talk.url) == ("00:00", "https://www.youtube.com/watch?v=XyZ123abcde&t=0s")
    cited = at_quote(talk, "The Rhône glacier lost 40% of its volume.")
    assert (cited.anchor, cited.url) == ("01:30", "https://www.youtube.com/watch?v=XyZ123abcde&t=90s")
    assert at_quote(talk, "Closing remarks about the Aletsch glacier.").url.endswith("&t=3723s")
    assert at_quote(talk, "Intro to glaciers.") is talk
    day = next(c for c in chunk_document(load_document(tmp_path / "day.md", tmp_path)) if c.kind == "body")
    assert day.anchor is None and "09:00 Doors open." in day.text


def test_a_table_row_and_a_list_item_are_sentences_of_their_own(tmp_path):
    """A markdown table or list was read as one run-on sentence ("| Service | 2025/26 | … |",
    "- Adults: 140 DKK - Seniors: 95 DKK - …"), quoted whole. Now a row is a sentence whose cells
    are named by the header, an item is a sentence, and a line that introduces the list
    ("For the dough:") is said with each item."""
    from rag.corpus import load_document

    (tmp_path / "page.md").write_text(
        "---\ntitle: Page\n---\n## Spending\n\n| Service | 2025/26 | Change |\n| --- | ---: | ---: |\n"
        "| Adult social care | £78.2m | +6.1% |\n| Libraries | £4.1m | |\n\n## Tickets\n\n- Adults: 140 DKK\n"
        "- Family ticket (2 adults,\n  3 children): 280 DKK\nAdmission is free on Wednesdays.\n\n"
        "Mix the starter. For the dough:\n1. 300 g rye flour\n2. 12 g salt\n\n"
        "| Pos | Club | Won | Points |\n|---|---|---|---|\n| 1 | Redmill Rovers | 16 | 52 |\n\n"
        "| Year | Revenue (€ million) | Staff |\n|---|---|---|\n| 2022 | 201.3 | 1,060 |\n",
        encoding="utf-8",
    )
    body = " ".join(c.text for c in chunk_document(load_document(tmp_path / "page.md", tmp_path)) if c.kind == "body")
    for sentence in (
        "Adult social care: 2025/26 £78.2m; Change +6.1%.", "Libraries: 2025/26 £4.1m.", "Adults: 140 DKK.",
        "Family ticket (2 adults, 3 children): 280 DKK.", "Admission is free on Wednesdays.", "Mix the starter.",
        "For the dough: 300 g rye flour.", "For the dough: 12 g salt.",
        "Redmill Rovers: Pos 1; Won 16; Points 52.",  # a row is about its name, not its rank
        "2022: Revenue (€ million) 201.3; Staff 1,060.",  # nor its first figure ("201.3: Year 2022; …")
    ):
        assert sentence in body, sentence
    assert "|" not in body and "- " not in body and "---" not in body
