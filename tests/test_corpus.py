import os
import sys
from pathlib import Path

import pytest
import yaml

from rag.corpus import load_corpus
from tests.conftest import SEEDS


def test_every_seed_file_loads_with_its_fields():
    corpus = load_corpus(SEEDS)
    assert corpus.skipped == ()
    assert [d.doc_id for d in corpus.documents] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for doc in corpus.documents:
        raw = yaml.safe_load(doc.path and Path(doc.path).read_text(encoding="utf-8").split("---")[1])
        assert doc.title == " ".join(raw["title"].split())
        assert doc.content_hash and len(doc.content_hash) == 64
        assert len(doc.related) == len(raw.get("related") or [])
        for article, source in zip(doc.related, raw.get("related") or []):
            assert article.url == source["webUrl"]
            assert article.title == " ".join(source["title"].split())
            assert article.provider == source["provider"]["name"]


def test_news_article_fields():
    doc = {d.doc_id: d for d in load_corpus(SEEDS).documents}["002_4c3417b0c4697e7c"]
    assert doc.provider == "The Next Web"
    assert doc.published == "2022-07-07"
    assert doc.url == "https://thenextweb.com/news/why-facial-expression-recognition-ai-is-total-scam"
    assert doc.topics == ("Computer Vision", "AI")
    assert doc.excerpt.startswith("Artificial intelligence can't determine ground truths")
    assert [a.provider for a in doc.related] == ["Computerworld", "GeekWire", "Finanznachrichten", "Smithsonian Magazine"]
    assert doc.related[0].published == "2022-07-07"


def test_video_notes_have_a_body_and_a_video_url():
    doc = {d.doc_id: d for d in load_corpus(SEEDS).documents}["004_f9b868ada0241f27"]
    assert doc.url == "https://www.youtube.com/watch?v=bmjamLZ3v8A"
    assert "## Current State of AI in Emotion Recognition" in doc.body
    assert doc.related == ()
    assert doc.video_id == "bmjamLZ3v8A"
    assert doc.author == "lexfridman"  # the body opens "From: [[lexfridman]] <br/>"


def test_the_author_comes_from_front_matter_or_a_from_line(tmp_path):
    (tmp_path / "field.md").write_text("---\ntitle: A\nauthor:\n  name: Kate Crawford\n---\nFrom: someone else\n", encoding="utf-8")
    (tmp_path / "list.md").write_text("---\ntitle: B\nauthors: [Ann Lee, Bo Chan]\n---\nText.\n", encoding="utf-8")
    (tmp_path / "line.md").write_text("---\ntitle: C\n---\n\nFrom: [[Some Channel|The Channel]]<br>\n\nText.\n", encoding="utf-8")
    (tmp_path / "none.md").write_text("---\ntitle: D\n---\nText that says From: nobody in the middle.\n", encoding="utf-8")
    authors = {d.doc_id: d.author for d in load_corpus(tmp_path).documents}
    assert authors == {"field": "Kate Crawford", "list": "Ann Lee, Bo Chan", "line": "The Channel", "none": None}


def test_a_byline_an_excerpt_or_body_opens_with_is_the_author(tmp_path):
    (tmp_path / "excerpt.md").write_text('---\ntitle: A\nexcerpt: "By Dr. Fiona Achterberg. A doctor argues."\n---\nText.\n', encoding="utf-8")
    (tmp_path / "body.md").write_text("---\ntitle: B\n---\n**By Sam Okafor and Ann Lee**\n\nThe union said.\n", encoding="utf-8")
    (tmp_path / "month.md").write_text("---\ntitle: C\n---\nBy March the site had closed.\n", encoding="utf-8")
    (tmp_path / "time.md").write_text("---\ntitle: D\n---\nBy the time Mr Lee arrived, it had gone.\n", encoding="utf-8")
    (tmp_path / "field.md").write_text("---\ntitle: E\nauthor: Kate Crawford\n---\nBy Someone Else\n", encoding="utf-8")
    authors = {d.doc_id: d.author for d in load_corpus(tmp_path).documents}
    assert authors == {
        "excerpt": "Dr. Fiona Achterberg", "body": "Sam Okafor and Ann Lee", "month": None, "time": None, "field": "Kate Crawford"
    }


def test_files_that_would_share_an_id_or_point_outside_are_skipped_with_a_reason(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("Alpha about otters.\n", encoding="utf-8")
    (corpus / "a.txt").write_text("Alpha about beavers.\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("A private note.\n", encoding="utf-8")
    (corpus / "link.md").symlink_to(tmp_path / "outside.md")
    (corpus / "gone.md").symlink_to(tmp_path / "missing.md")
    loaded = load_corpus(corpus)
    assert [d.doc_id for d in loaded.documents] == ["a"] and "otters" in loaded.documents[0].body
    reasons = {Path(s.path).name: s.reason for s in loaded.skipped}
    assert "'a'" in reasons["a.txt"] and "a.md" in reasons["a.txt"]
    assert "outside the corpus folder" in reasons["link.md"]
    assert "symbolic link to nothing" in reasons["gone.md"]
    (corpus / "a.md").unlink()  # the other file now holds the id
    assert "beavers" in load_corpus(corpus).documents[0].body


def test_terminal_control_sequences_are_not_indexed(tmp_path):
    (tmp_path / "e.md").write_text(
        '---\ntitle: "Esc \\e[31mRED"\n---\nThe budget was \x1b[2J\x1b]0;PWNED\x07 approved at 7 million.\n', encoding="utf-8"
    )
    (document,) = load_corpus(tmp_path).documents
    assert document.title == "Esc RED"  # YAML's "\e" is an escape character too
    assert "\x1b" not in document.body and "\x07" not in document.body and "PWNED" not in document.body
    assert "approved at 7 million" in document.body


def test_the_outlet_is_read_by_the_names_front_matter_gives_it(tmp_path):
    (tmp_path / "publisher.md").write_text("---\ntitle: A\npublisher: Velmont Daily\n---\nText.\n", encoding="utf-8")
    (tmp_path / "both.md").write_text("---\ntitle: B\nprovider: Wire One\npublisher: Other\n---\nText.\n", encoding="utf-8")
    (tmp_path / "site.md").write_text("---\ntitle: C\nsite_name: Harbour News\n---\nText.\n", encoding="utf-8")
    (tmp_path / "link.md").write_text("---\ntitle: D\nsource: https://example.org/story\n---\nText.\n", encoding="utf-8")
    (tmp_path / "colon.md").write_text("---\ntitle: E\nsource: 'Reuters: World'\n---\nText.\n", encoding="utf-8")
    (tmp_path / "related.md").write_text(
        "---\ntitle: F\nrelated:\n  - title: R\n    url: https://r.example\n    publisher: Quay Times\n---\nText.\n", encoding="utf-8"
    )
    documents = load_corpus(tmp_path).documents
    providers = {d.doc_id: d.provider for d in documents}
    assert providers == {"publisher": "Velmont Daily", "both": "Wire One", "site": "Harbour News", "link": None, "colon": "Reuters: World", "related": None}
    assert [a.provider for d in documents for a in d.related] == ["Quay Times"]  # a related article's outlet too


def test_the_time_of_day_and_the_feeds_scores_are_read_when_given(tmp_path):
    (tmp_path / "utc.md").write_text(
        "---\ntitle: A\npublishedDateTime: 2021-08-23T14:30:00Z\nquality: 69\nheat: 79\n"
        "related:\n  - title: R\n    webUrl: https://r.example\n    publishedDateTime: 2022-07-07T07:00:00Z\n    quality: 92\n---\nText.\n",
        encoding="utf-8",
    )
    (tmp_path / "offset.md").write_text("---\ntitle: B\npublishedDateTime: 2021-08-23T16:30:00+02:00\n---\nText.\n", encoding="utf-8")
    (tmp_path / "odd.md").write_text(
        "---\ntitle: C\npublishedDateTime: 2021-08-23T00:00:00Z\nquality: high\nheat: -1\n---\nText.\n", encoding="utf-8"
    )
    (tmp_path / "flag.md").write_text("---\ntitle: D\npublished: true\nquality: true\nheat: [1]\n---\nText.\n", encoding="utf-8")
    (tmp_path / "inf.md").write_text("---\ntitle: E\nquality: .inf\nheat: .nan\n---\nText.\n", encoding="utf-8")
    docs = {d.doc_id: d for d in load_corpus(tmp_path).documents}
    assert (docs["utc"].published_time, docs["utc"].quality, docs["utc"].heat) == ("14:30 UTC", 69, 79)
    assert (docs["utc"].related[0].published_time, docs["utc"].related[0].quality) == ("07:00 UTC", 92)
    assert (docs["offset"].published, docs["offset"].published_time) == ("2021-08-23", "14:30 UTC")
    assert (docs["odd"].published_time, docs["odd"].quality, docs["odd"].heat) == (None, None, None)  # midnight pads a date; -1 is none
    assert (docs["flag"].published_time, docs["flag"].quality, docs["flag"].heat) == (None, None, None)
    assert (docs["inf"].quality, docs["inf"].heat) == (None, None)  # YAML's infinity and not-a-number


BROKEN = {
    "bad_yaml.md": "---\ntitle: [unclosed\nexcerpt: x\n---\nbody\n".encode(),
    "empty.md": b"",
    "blank.md": b"  \n\n",
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.md": "---\ntitle: Caf\u00e9 cr\u00e8me\n---\nbody\n".encode("latin-1"),
    "empty_front_matter.md": b"---\n---\nbody text\n",
    "list_front_matter.md": b"---\n- a\n- b\n---\nbody text\n",
    "unclosed.md": b"---\ntitle: never closed\n\nbody text\n",
}


def test_broken_files_are_reported_with_their_path_and_skipped(tmp_path):
    for name, content in BROKEN.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.md").write_text("---\ntitle: Good one\nexcerpt: Fine.\n---\nText.\n", encoding="utf-8")

    corpus = load_corpus(tmp_path)

    assert [d.doc_id for d in corpus.documents] == ["good"]
    reasons = {Path(s.path).name: s.reason for s in corpus.skipped}
    assert set(reasons) == set(BROKEN)
    assert all(str(tmp_path) in s.path for s in corpus.skipped)
    # where it is broken, in the file's own line numbers (the reason named no line)
    assert reasons["bad_yaml.md"].startswith("broken front matter: while parsing a flow sequence (line 2)")
    assert reasons["bad_yaml.md"].endswith("(line 3)")
    assert reasons["empty.md"] == reasons["blank.md"] == "empty file"
    assert reasons["binary.md"].startswith("binary file")
    assert reasons["latin1.md"].startswith("not UTF-8")
    assert reasons["empty_front_matter.md"].startswith("empty front matter")
    assert reasons["list_front_matter.md"].startswith("empty front matter")
    assert "closing" in reasons["unclosed.md"]


def test_a_file_without_front_matter_is_a_plain_document(tmp_path):
    (tmp_path / "notes.md").write_text("# Field notes\n\nSome plain text about affect.\n", encoding="utf-8")
    (tmp_path / "plain.txt").write_text("Just a line of text.\n", encoding="utf-8")

    docs = {d.doc_id: d for d in load_corpus(tmp_path).documents}

    assert docs["notes"].title == "Field notes"
    assert docs["plain"].title == "plain"
    assert docs["plain"].body == "Just a line of text."


def test_other_names_for_the_cited_fields_are_read(tmp_path):
    (tmp_path / "story.md").write_text(
        "---\nheadline: Buses get mood cameras\nbyline: Hannah Greaves\nkeywords: [transport, privacy]\n"
        "standfirst: Cameras on route 14 score riders' moods.\nupdated: 2025-04-03\n---\n\n## The trial\n\nIt began in March.\n",
        encoding="utf-8",
    )
    doc = load_corpus(tmp_path).documents[0]
    assert (doc.title, doc.author, doc.topics, doc.published) == ("Buses get mood cameras", "Hannah Greaves", ("transport", "privacy"), "2025-04-03")
    assert doc.excerpt == "Cameras on route 14 score riders' moods."


def test_a_plain_texts_short_first_line_is_its_title_and_a_date_it_ends_with_its_date(tmp_path):
    (tmp_path / "letter.txt").write_text(
        "Letter to the Editor, The Harbour Courier — 22 April 2025\n\nSir,\n\nThe bus lane is a mistake.\n", encoding="utf-8"
    )
    (tmp_path / "note.txt").write_text("It rained all day.\n\nThe match was called off.\n", encoding="utf-8")
    docs = {d.doc_id: d for d in load_corpus(tmp_path).documents}
    assert (docs["letter"].title, docs["letter"].published) == ("Letter to the Editor, The Harbour Courier — 22 April 2025", "2025-04-22")
    assert (docs["note"].title, docs["note"].published) == ("note", None)  # a sentence is no title


def test_files_in_sub_folders_keep_distinct_ids_and_hidden_files_are_ignored(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.md").write_text(f"# {folder}\n\ntext\n", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("# hidden\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")

    assert [d.doc_id for d in load_corpus(tmp_path).documents] == ["a/same", "b/same"]


def test_missing_folder_is_a_clear_error(tmp_path):
    import pytest

    from rag.errors import CorpusError

    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_corpus(tmp_path / "nope")
    (tmp_path / "notes.md").write_text("# Notes\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="notes.md is a file"):
        load_corpus(tmp_path / "notes.md")


def test_what_no_reader_sees_or_opens_is_not_indexed(tmp_path):
    """A date that is no real date costs that field, not the document; script, style and comment
    text, a code fence's language and links that are no web or file link never reach a chunk."""
    from rag.chunking import chunk_document

    (tmp_path / "a.md").write_text(
        "---\ntitle: The hangar\ndate: 2021-13-45\nurl: \"javascript:alert(1)\"\ntopics: \"Airships, History\"\n"
        "related:\n  - title: Hangar guide\n    url: not a url at all\n  - title: Museum\n    url: https://example.org/m\n---\n"
        "The hangar was 240 metres long.\n<script>\nalert('xss')\n\nmore()\n</script>\n<style>.a{color:red}</style>\n"
        "<!-- a\ncomment -->\n```python\ndef lamp(): pass\n```\n"
    )
    corpus = load_corpus(tmp_path)
    assert corpus.skipped == ()
    doc = corpus.documents[0]
    assert doc.published is None and doc.url == "" and doc.topics == ("Airships", "History")
    assert [a.url for a in doc.related] == ["", "https://example.org/m"]
    text = "\n".join(c.text for c in chunk_document(doc))
    assert "240 metres" in text and "def lamp(): pass" in text
    for hidden in ("alert", "more()", "color", "comment", "python", "javascript", "not a url"):
        assert hidden not in text, hidden


def test_a_list_title_a_list_of_outlets_and_a_part_of_a_date_are_kept(tmp_path):
    """YAML lets a title or a publisher be a list and a date be a bare year: each is still what a
    reader would cite, so none is dropped."""
    from rag.chunking import chunk_document

    (tmp_path / "keeper.md").write_text(
        "---\ntitle:\n  - The Keeper\n  - A lighthouse history\npublisher: [Coastal Review, Harbour Weekly]\ndate: 1987\n---\n"
        "The lighthouse was built in 1872.\n",
        encoding="utf-8",
    )
    (tmp_path / "month.md").write_text("---\ntitle: M\npublished: '2015-06'\n---\nText.\n", encoding="utf-8")
    (tmp_path / "bad.md").write_text("---\ntitle: B\ndate: 87\n---\nText.\n", encoding="utf-8")
    documents = {d.doc_id: d for d in load_corpus(tmp_path).documents}
    keeper = documents["keeper"]
    assert (keeper.title, keeper.provider, keeper.published) == ("The Keeper: A lighthouse history", "Coastal Review and Harbour Weekly", "1987")
    assert documents["month"].published == "2015-06" and documents["bad"].published is None
    summary = chunk_document(keeper)[0]
    assert "was published by Coastal Review and Harbour Weekly in 1987." in summary.text


def test_a_date_written_out_is_read_and_one_that_cannot_be_is_named(tmp_path):
    """"March 2023" or "31/12/2024" in front matter was dropped without a word: the byline lost its
    date and `--where published=2023` missed the piece. Now they are read; a date that is none, or
    that reads two ways ("03/04/2024"), keeps the document without one and says so."""
    from rag.chunking import chunk_document

    dates = {
        "month": ("March 2023", "2023-03"), "day": ("5 March 2023", "2023-03-05"), "us": ("March 5, 2023", "2023-03-05"),
        "slashes": ("31/12/2024", "2024-12-31"), "weekday": ("Sunday, 5th March 2023", "2023-03-05"),
        "impossible": ("2024-02-30", None), "two_ways": ("03/04/2024", None), "season": ("Spring 2021", None), "no_year": ("7 March", None),
    }
    for name, (written, _) in dates.items():
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: '{written}'\n---\nText.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert {d.doc_id: d.published for d in corpus.documents} == {name: date for name, (_, date) in dates.items()}
    noted = {Path(n.path).stem for n in corpus.notes}
    assert noted == {"impossible", "two_ways", "season", "no_year"}
    assert all("is no date rag can read" in n.note for n in corpus.notes)
    month = next(d for d in corpus.documents if d.doc_id == "month")
    assert "was published in March 2023." in chunk_document(month)[0].text


def test_a_date_field_it_cannot_read_gives_way_to_the_next_one(tmp_path):
    # `published: someday` came before `date: 2023-01-05` and hid it (the date was dropped).
    (tmp_path / "two.md").write_text("---\ntitle: T\npublished: someday\ndate: 2023-01-05\n---\nText.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.documents[0].published == "2023-01-05" and corpus.notes == ()


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes: Linux file systems")
def test_a_file_whose_name_is_not_utf8_is_skipped_with_a_note(tmp_path):
    """One file named in Latin-1 ("caf\\xe9.md") stopped every build with a UnicodeEncodeError
    when its id was saved; it is skipped, named by its bytes, and the others are read."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.md").write_text("---\ntitle: Fine\n---\nA readable document.\n", encoding="utf-8")
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9.md"), "wb") as f:
        f.write(b"---\ntitle: Latin name\n---\nIts text is fine.\n")
    loaded = load_corpus(corpus)
    assert [d.doc_id for d in loaded.documents] == ["ok"]
    (skipped,) = loaded.skipped
    assert skipped.path.endswith("caf\\xe9.md") and "not UTF-8" in skipped.reason
    skipped.path.encode("utf-8")  # prints and saves
