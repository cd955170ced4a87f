"""Generators: the registry, the answer templates, and the templated (extractive) generator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from jinja2 import UndefinedError

from rag.errors import QueryError
from rag.generation import GENERATORS, make_generator
from rag.generation.base import answer_text, render
from rag.citations import content_terms, split_sentences
from tests.conftest import SEEDS
from rag.generation.answer_types import answer_type, holds_type
from rag.generation.focus import focus_phrase, focus_term
from rag.generation.templated import (
    Focus,
    TemplatedGenerator,
    figures_found,
    names_beside,
    relation_terms,
)
from rag.types import Hit


def test_answer_template_puts_each_marker_before_the_full_stop():
    sentences = [{"body": "The piece ran in The Next Web", "end": ".", "n": 2}, {"body": "It says so", "end": ".", "n": 1}]
    assert render("answer.j2", question="q", sentences=sentences) == "The piece ran in The Next Web [2]. It says so [1]."


def test_a_list_item_quoted_alone_ends_as_a_sentence():
    """A list item keeps its separator ("…had been collected;"), and the answer read
    "…collected; [1]."."""
    from rag.generation.templated import _render_parts

    parts = [_render_parts("The audit found that the firm: kept images for years;", 1), _render_parts("Fines: €40,000, and", 2)]
    assert render("answer.j2", question="q", sentences=parts) == "The audit found that the firm: kept images for years [1]. Fines: €40,000 [2]."
    assert _render_parts("Was it legal?", 1)["body"] == "Was it legal?" and _render_parts("A ratio of 3:1", 1)["body"] == "A ratio of 3:1"
    assert _render_parts("A: Her name is Gertrude.", 1)["body"] == "Her name is Gertrude"  # an interview's reply label


def test_templates_fail_on_a_missing_variable():
    with pytest.raises(UndefinedError):
        render("answer.j2", question="q")


def test_abstain_template_cites_nothing():
    text = render("abstain.j2", question="anything")
    assert "corpus does not answer" in text and "[" not in text


def test_prompts_folder_can_be_overridden(tmp_path, monkeypatch):
    (tmp_path / "answer.j2").write_text("custom {{ sentences | length }}")
    monkeypatch.setenv("RAG_PROMPTS", str(tmp_path))
    assert render("answer.j2", sentences=[1, 2]) == "custom 2"


def test_registry_builds_templated_and_rejects_unknown_names(seeds_index):
    assert "templated" in GENERATORS
    assert isinstance(make_generator("templated", index=seeds_index), TemplatedGenerator)
    with pytest.raises(QueryError, match="choose one of templated"):
        make_generator("no-such-generator")
    with pytest.raises(QueryError, match="name is empty"):  # `--generator ""` fell back to templated
        make_generator("")


def test_factories_without_an_index_parameter_are_called_without_it(monkeypatch):
    monkeypatch.setitem(GENERATORS, "plain", lambda **options: options)
    assert make_generator("plain", index="ignored", temperature=0) == {"temperature": 0}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which outlet first reported the story?", "source"),
        ("Who published that article?", "source"),
        ("When did it come out?", "date"),
        ("On what date was the notice filed?", "date"),
        ("How many people signed it?", "count"),
        ("How much data did they gather?", "number"),
        ("How accurate is the classifier?", "percent"),
        ("What error rate share did the audit find?", "percent"),
        ("How much did the city spend on the cameras?", "money"),
        ("What was the vendor's annual revenue?", "money"),
        ("Why do models struggle with mixed emotions?", None),
        ("At what point in the interview does she mention consent?", "timestamp"),
        ("When in the podcast is bias raised?", "timestamp"),
        ("Which timestamp covers the ethics part?", "timestamp"),
        ("When was the video uploaded?", "date"),  # the recording's date, not a moment in it
        ("What time does the council meet?", "time"),  # a clock time, not a moment of a recording
        ("In what report did the panel sum up its view?", None),  # "sum up" asks for no money
        ("What sum did the city pay?", "money"),
        ("Which wire service carried the announcement?", "source"),
        ("Which service distributed the press release?", "source"),
        ("Which service does the vendor sell?", None),
        ("Which agency's news release announced it?", "source"),  # a possessive before "news release"
        ("What is the URL of the scam story?", "link"),
        ("What is the YouTube video ID of the talk?", "link"),
        ("What is the release number of the press item?", "link"),
        ("Where can I read the piece on the moratorium?", "link"),
        ("What link does the author draw between faces and feelings?", None),
        ("Whose talk are the video notes from?", "author"),
        ("Which creator's channel posted it?", "author"),
        ("Who hosted the podcast on emotion AI?", "author"),
        ("Who is the video on emotion AI from?", "author"),
        ("Whose films does the writer like?", None),
        ("Who published the video?", "source"),
        ("Who ran the story on the moratorium?", "source"),
        ("Who reported it?", "source"),
        ("Who carried out the survey of the glacier?", None),  # carrying out work is no outlet's
        ("Who ran the marathon fastest?", None),
        ("Who reported that the stock had fallen?", None),  # a finding, not a piece
        ("Who wrote the Computerworld article?", "author"),  # a writer, not the outlet
        ("Who is the author of the piece on seals?", "author"),
        ("Which journalist covered the moratorium?", "author"),
        ("Who wrote about the seals?", "source"),  # who wrote *about* it: an outlet answers
        ("What exact dollar value does it put on the market?", "money"),
        ("How many dollars did the fine come to?", "money"),
        # the size of a sum is money, not any number ("deleted within 90 days" answered it)
        ("How big was the penalty the regulator imposed on the firm?", "money"),
        ("How large were the damages?", "money"),
        ("How big was the crowd?", "number"),
        # "link" as a verb asks for no address ("kind link" refused a count the passage held)
        ("How many wrongful arrests did the audit link to face search?", "count"),
        ("What is the link to the video?", "link"),
        # "what is the closing date / deadline" asks for a date (any sentence answered it: the byline won)
        ("What is the closing date for comments on the reservoir plan?", "date"),
        ("What is the deadline for applications?", "date"),
        ("What criticism does it make about how long the firm took to act?", None),  # the first question word asks
        ("According to the notes, how many days of data are collected?", "count"),
        ("The columnist who wrote the piece likes which club?", None),  # "who wrote" is a relative clause
        ("The reporter who covered the suits works for which outlet?", "source"),
        ("And who published it?", "source"),  # a follow-up's "who" asks
        ("When was the lighthouse built?", "date"),
        ("How tall is the lighthouse?", "length"),
        ("What height does the tower reach?", "length"),
        ("How long is the glacier?", "duration"),  # a length or a time: either unit answers
        ("How heavy is the bell?", "weight"),
        ("How much does the bell weigh?", "weight"),
        ("Who weighed in on the debate about the bell?", None),  # no weight asked for
        ("What did the council weigh up before the vote?", None),
        ("How fast can the ferry go?", "speed"),
        ("In what year was the satellite launched?", "year"),
        ("How much data did they gather?", "number"),
        ("How old was the skier when the avalanche caught him?", "age"),
        ("At what age did she retire?", "age"),
    ],
)
def test_answer_type_cues(question, kind):
    assert answer_type(question) == kind


def test_a_hyphenated_focus_word_is_stemmed_the_same_in_every_process():
    """"photo-sharing" stems to three terms; picking one from a set depended on the process's
    string hash seed, so the same question got different answers from run to run."""
    code = (
        "from rag.generation.focus import focus_term, head_stem; "
        "print(head_stem('photo-sharing'), focus_term('Which photo-sharing site was it?'))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert outputs == {"share share\n"}


def test_focus_term_is_the_word_a_which_question_asks_about():
    assert focus_term("Whose films does she like?") == "film"
    assert focus_term("Which two companies were sued?") == "compani"
    assert focus_term("What kinds of sensors are used?") == "sensor"
    assert focus_term("What is it?") is None


def test_templated_answers_a_publisher_question_with_the_byline_sentence(seeds_index):
    from rag.retrieval import Retriever

    question = "Which publication said that facial expression reading AI is a scam?"
    hits = Retriever(seeds_index).search(question, k=5)
    text = answer_text(TemplatedGenerator(seeds_index), question, hits)
    assert "The Next Web" in text
    n = int(text.split("[", 1)[1].split("]", 1)[0])
    assert hits[n - 1].chunk.doc_id == "002_4c3417b0c4697e7c"


def test_templated_yields_nothing_for_an_off_topic_question(seeds_index):
    from rag.retrieval import Retriever

    question = "What is the recommended dose of vitamin D for adults?"
    hits = Retriever(seeds_index).search(question, k=5)
    assert answer_text(TemplatedGenerator(seeds_index), question, hits) == ""


def test_a_byline_date_answers_only_a_question_about_publishing(seeds_index):
    from rag.generation.answer_types import is_byline
    from rag.generation.templated import trim_byline

    chunk = next(c for c in seeds_index.chunks if c.kind == "related" and c.provider == "Long Beach Post")
    hit = Hit(chunk, 1.0, 1)
    byline = next(s for s in split_sentences(chunk.text) if is_byline(s, chunk))
    assert ", linked from" in byline and trim_byline(byline) == byline.split(", linked from")[0] + "."
    assert holds_type("date", byline, hit, about_publication=True)
    assert not holds_type("date", byline, hit, about_publication=False)
    assert holds_type("date", "The app launched in November 2020.", hit, about_publication=False)


def test_a_calendar_date_is_not_an_amount(seeds_index):
    hit = Hit(seeds_index.chunks[0], 1.0, 1)
    assert not holds_type("number", "“Seals” was published by Smithsonian Magazine on 2022-07-08.", hit)
    assert not holds_type("number", "It was announced on July 7, 2022.", hit)
    assert holds_type("number", "There were over 3,900 nominations in 2022.", hit)
    assert holds_type("number", "It reached 95% accuracy.", hit)


def test_a_share_needs_a_percentage_and_a_sum_needs_a_currency(seeds_index):
    """"What accuracy?" is not answered by "thousands of photos", nor "how much did it cost?" by
    "3,900 nominations": an amount that names its unit needs that unit."""
    hit = Hit(seeds_index.chunks[0], 1.0, 1)
    assert holds_type("percent", "It reached 95% accuracy.", hit)
    assert holds_type("percent", "Some 40 per cent of them agreed.", hit)
    assert not holds_type("percent", "It was trained on thousands of photos of 300 seals.", hit)
    assert holds_type("money", "The licence costs $1,200 a year.", hit)
    assert holds_type("money", "It is a multi-billion-dollar industry.", hit)
    assert not holds_type("money", "There were over 3,900 nominations.", hit)


def test_an_amount_asked_for_exactly_is_written_in_digits(seeds_index):
    """"multi-billion-dollar" says how big, not the exact value; nor is a year a figure."""
    hit = Hit(seeds_index.chunks[0], 1.0, 1)
    assert holds_type("money", "It is a multi-billion-dollar industry.", hit, exact=False)
    assert not holds_type("money", "It is a multi-billion-dollar industry.", hit, exact=True)
    assert not holds_type("money", "In 2021 it was a multi-billion-dollar industry.", hit, exact=True)
    assert holds_type("money", "It was worth $4.6 billion.", hit, exact=True)
    assert holds_type("number", "It drew 3,900 nominations.", hit, exact=True)


def test_who_wrote_a_piece_is_answered_by_its_writer_never_its_outlet(real_embedder, tmp_path):
    """The shipped corpus names no writer of the Computerworld piece: saying "Computerworld"
    would answer who published it. A piece whose front matter names its author is answered."""
    import shutil

    from rag.assistant import Assistant
    from rag.index import Index

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "010_vending.md").write_text(
        "---\ntitle: Vending machines that read your mood\nauthor: Priya Raman\nprovider:\n  name: Daily Ledger\n"
        "excerpt: A snack machine maker says its cameras pick a treat to match the buyer's mood.\n---\n",
        encoding="utf-8",
    )
    assistant = Assistant(Index.build(corpus, tmp_path / "index", real_embedder))
    assert assistant.ask("Who wrote the Computerworld article about Microsoft backing off facial recognition?").abstained
    answer = assistant.ask("Who wrote the article about mood-reading snack machines?")
    assert "Priya Raman" in answer.text and "Daily Ledger" not in answer.text
    assert answer.citations[0].chunk.doc_id == "010_vending"


def _assistant_over(files: dict[str, str], embedder, tmp_path):
    """An assistant over a small corpus of `files` (name → text), indexed with the real model."""
    from rag.assistant import Assistant
    from rag.index import Index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return Assistant(Index.build(corpus, tmp_path / "index", embedder))


def test_a_spelled_count_an_outlet_under_another_field_name_and_who_did_the_work(real_embedder, tmp_path):
    """"Only three copies survive" answers how many; `publisher:` names the outlet; "who carried
    out the survey?" asks for the surveyor, not an outlet."""
    files = {
        "stamp.md": (
            "---\ntitle: A rare stamp is sold\npublisher: Harbour Philatelic Weekly\ndate: 2024-03-02\n---\n"
            "The Blue Gannet, a stamp printed in 1871, sold at auction on Friday. Most of the sheet was lost in a fire, "
            "and only three copies are known to survive.\n\nThe first catalogue of the colony's stamps was compiled in 1902 "
            "by the collector Edwin Marlowe, who listed every printing.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    copies = assistant.ask("How many copies of the Blue Gannet stamp still exist?")
    assert "three copies" in copies.text and not copies.abstained
    outlet = assistant.ask("Which publication reported the sale of the Blue Gannet stamp?")
    assert "Harbour Philatelic Weekly" in outlet.text
    compiler = assistant.ask("Who carried out the first catalogue of the colony's stamps?")
    assert "Edwin Marlowe" in compiler.text


def test_a_byline_answers_which_outlet_covered_what_its_document_says(real_embedder, tmp_path):
    """The headline shares no word with the question; the piece's body says what it is about."""
    files = {
        "trail.md": (
            "---\ntitle: Fernpath 2 arrives with offline maps\nprovider: Upland Software Review\ndate: 2024-05-02\n---\n"
            "The hiking application Fernpath shipped its second major edition on Tuesday, after a year of work by "
            "its volunteer developers. Walkers can now download topographic sheets before a trip.\n"
        ),
        "bakery.md": (
            "---\ntitle: A bakery doubles its ovens\nprovider: Market Street Gazette\n---\nThe Kell bakery bought two ovens.\n"
        ),
    }
    answer = _assistant_over(files, real_embedder, tmp_path).ask(
        "Which publication covered the launch of the hiking app's second edition?"
    )
    assert "Upland Software Review" in answer.text and answer.citations[0].chunk.doc_id == "trail"


def test_why_is_answered_by_the_sentence_that_gives_a_cause(real_embedder, tmp_path):
    """The opening sentence shares most of the question's words; the reason is the next one."""
    files = {
        "ferry.md": (
            "# Ostra ferry fares go up\n\nPassengers on the Ostra ferry will pay higher fares from 1 May, Ostra Lines "
            "announced on Monday. The operator says the rise is needed to pay for two new engines. A single crossing "
            "will cost 9 euros, and the ferry sails every hour.\n\nThe harbour master, Lena Brix, welcomed the new timetable.\n"
        ),
    }
    answer = _assistant_over(files, real_embedder, tmp_path).ask("Why is Ostra Lines raising ferry fares?")
    assert "two new engines" in answer.text


def test_who_is_answered_by_a_sentence_that_names_someone(real_embedder, tmp_path):
    files = {
        "harbour.md": (
            "# The Kell harbour board\n\nThe Kell harbour board met on Monday to discuss the new pier. The harbour has "
            "two piers and a slipway.\n\nThe ferry to Ostra is run by Brannock Lines, which bought it in 2019.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    assert assistant.ask("Who chairs the Kell harbour board?").abstained
    assert "Brannock Lines" in assistant.ask("Who runs the ferry to Ostra?").text


def test_a_who_answer_that_says_he_or_she_brings_the_sentence_that_names_them(real_embedder, tmp_path):
    files = {
        "medal.md": (
            "# The Kell Medal\n\nThe Kell Medal is a prize for geology. The 2021 medal went to Dr. Anna Voss, a "
            "geologist at the University of Lund, for her maps of the Tarn faults. She received it at a ceremony in "
            "Oslo on 3 May.\n"
        ),
    }
    # The sentence that answers says "she"; the one before it names her.
    answer = _assistant_over(files, real_embedder, tmp_path).ask("Who received the Kell Medal at the ceremony in Oslo?")
    assert "Anna Voss" in answer.text


def test_a_corpus_of_other_things_gets_years_and_measures_answered(real_embedder, tmp_path):
    """Nothing here is news about emotion AI: a year of the 1700s is a date, "how tall" asks for a
    measure that the passage writes as "stands 41 metres" (no "tall"), and another document that
    does say "tall" about another tower does not answer for the lighthouse."""
    from rag.assistant import Assistant
    from rag.index import Index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lighthouse.md").write_text(
        "# The Kestrel Point lighthouse\n\nThe Kestrel Point lighthouse was built in 1764 by the mason Tobias Herne. "
        "The tower stands 41 metres above the sea.\n\nIt closed in 2011 because storms cracked the lantern room.\n",
        encoding="utf-8",
    )
    (corpus / "tower.txt").write_text("The Eiffel Tower was completed in 1889 and is 330 metres tall.\n", encoding="utf-8")
    assistant = Assistant(Index.build(corpus, tmp_path / "index", real_embedder))
    built = assistant.ask("When was the lighthouse built?")
    assert "1764" in built.text and built.citations[0].chunk.doc_id == "lighthouse"
    height = assistant.ask("How tall is the lighthouse?")
    assert "41 metres" in height.text and {c.chunk.doc_id for c in height.citations} == {"lighthouse"}
    assert "1889" in assistant.ask("When was the Eiffel Tower completed?").text
    assert "1764" in assistant.ask("How old is the lighthouse?").text  # the year it was built
    assert assistant.ask("How old was the mason when the lighthouse closed?").abstained  # no age is given


def test_a_name_is_asked_of_a_thing_the_passage_names_beside_it(real_embedder, tmp_path):
    """"What is the name of the volunteer …?" needs a name beside "volunteer": one elsewhere in
    the sentence (a month, a river) names something else. "Dr." ends no sentence."""
    from rag.assistant import Assistant
    from rag.index import Index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "river.txt").write_text(
        "In March 2021 a volunteer counting birds near Kroby photographed an otter, the first seen on the Varn since 1963. "
        "The Varn Trust was founded in 1994 by the hydrologist Dr. Lena Holm. "
        "The expedition sailed aboard the sealing ship Fram in June.\n",
        encoding="utf-8",
    )
    assistant = Assistant(Index.build(corpus, tmp_path / "index", real_embedder))
    assert assistant.ask("What is the name of the volunteer who photographed the otter near Kroby?").abstained
    assert "Fram" in assistant.ask("What was the name of the ship the expedition sailed on?").text
    assert "Dr. Lena Holm" in assistant.ask("Which hydrologist founded the Varn Trust?").text


@pytest.mark.parametrize(
    "question, phrase",
    [
        ("What was the name of the ship that carried them?", ["ship"]),
        ("What is the name of the volunteer?", ["volunteer"]),
        ("What is the name of it?", []),
    ],
)
def test_the_name_of_a_thing_is_asked_about_that_thing(question, phrase):
    assert focus_phrase(question) == phrase


def test_a_name_beside_the_noun_names_it():
    focus = Focus("volunteer", "volunt", False)
    assert names_beside("Lena Holm, a volunteer, saw it.", focus, ["Lena", "Holm"])
    assert not names_beside("A volunteer counting birds near the village saw an otter on the Varn.", focus, ["Varn"])
    assert names_beside("A helper saw an otter on the Varn.", focus, ["Varn"])  # says the noun another way


def test_figures_a_question_gives_must_be_in_the_passage():
    assert figures_found("How much will it be worth by 2030?", ["worth $20 billion by 2030", ""])
    assert not figures_found("How much will it be worth by 2030?", ["worth $20 billion by 2025"])
    assert figures_found("Who sent 2,000 letters?", ["She sent 2000 letters."])  # thousands separator
    assert figures_found("Who tracked 3 seals?", ["They tracked three seals."])  # small numbers spelled
    assert figures_found("What came out in 2021?", ["A piece on emotion AI.", "Title 2021-08-23"])  # the date
    assert figures_found("Which two companies denied it?", ["Amazon and Microsoft denied it."])  # a count asked
    assert figures_found("Who denied it?", ["Nobody."])  # no figure, nothing to find


@pytest.mark.parametrize("year, answers", [("2022", True), ("2019", False)])
def test_a_question_about_another_year_abstains(seeds_index, year, answers):
    """The same question about the year the passage reports and about one it never mentions."""
    from rag.retrieval import Retriever

    question = f"How many nominations came in for Microsoft's partner awards in {year}?"
    hits = Retriever(seeds_index).search(question, k=5)
    selection = TemplatedGenerator(seeds_index).select(question, hits)
    assert selection.figures is answers
    assert selection.abstain is not answers


def test_a_moment_of_the_video_is_answered_with_its_timestamp(seeds_index):
    """The timestamp a passage of the video notes carries is the answer: it is said in the text,
    once per passage quoted, and it is the cited passage's own."""
    from rag.assistant import Assistant

    answer = Assistant(seeds_index).ask("When in the video are the ethical concerns of collecting emotion data discussed?")
    assert not answer.abstained
    anchors = {c.chunk.anchor for c in answer.citations}
    assert None not in anchors
    for anchor in anchors:
        assert answer.text.count(f"({anchor})") == 1, answer.text


@pytest.mark.parametrize(("year", "doc_id"), [("2022", "002_4c3417b0c4697e7c"), ("2021", "000_0d74549e87b2fe1b")])
def test_a_figure_in_the_question_picks_the_passage_that_writes_it(seeds_index, year, doc_id):
    """Both pieces are The Next Web's on emotion AI; the year the question gives says which."""
    from rag.retrieval import Retriever

    question = f"How did The Next Web's {year} piece describe emotion-reading AI?"
    hits = Retriever(seeds_index).search(question, k=5)
    selection = TemplatedGenerator(seeds_index).select(question, hits)
    assert selection.figures and selection.evidence > 0
    assert {hits[c.n - 1].chunk.doc_id for c in selection.chosen} == {doc_id}


def test_figures_that_name_two_pieces_are_answered_from_both(seeds_index):
    """"Both the 2021 … and the 2022 …": the best byline gives one year, and the other piece's
    byline, which gives the other, joins; one alone would leave a figure of the question unfound."""
    from rag.assistant import Assistant

    answer = Assistant(seeds_index).ask(
        "Who put out both the 2021 article on emotion recognition AI failing to reveal feelings "
        "and the 2022 one on expression recognition being a scam?"
    )
    assert "The Next Web" in answer.text
    assert {c.chunk.doc_id for c in answer.citations} == {"000_0d74549e87b2fe1b", "002_4c3417b0c4697e7c"}


def test_whose_recording_it_is_is_answered_and_an_answer_that_only_says_back_the_question_is_not(seeds_index):
    from rag.assistant import Assistant

    assistant = Assistant(seeds_index)
    whose = assistant.ask("Whose talk are the video notes on emotion recognition from?")
    assert "lexfridman" in whose.text and whose.citations[0].chunk.doc_id == "004_f9b868ada0241f27"
    # The only thing the corpus says of Lex Fridman is that the talk is his: it names no guest.
    assert assistant.ask("Who did Lex Fridman interview in the emotion recognition video?").abstained


def test_says_more_needs_a_word_the_question_does_not_write():
    from rag.chunking import chunk_document
    from rag.corpus import load_corpus
    from rag.generation.templated import says_more

    video = {d.doc_id: d for d in load_corpus(SEEDS).documents}["004_f9b868ada0241f27"]
    summary = chunk_document(video)[0]
    line = "“Challenges in AIbased emotion recognition” is from lexfridman."
    assert not says_more("Who was Lex Fridman's guest?", [line], [summary])  # the title aside, only the name asked about
    assert says_more("Whose talk is it?", [line], [summary])
    assert says_more("Who is Lex Fridman's guest?", ["The guest was Rosalind Picard."], [summary])


def test_a_question_for_the_address_is_answered_with_the_link_and_no_other_is(seeds_index):
    """The summary's link lines answer "what is its url / video id / release number?"; their words
    (the url's slug repeats the title) never make them the answer to anything else."""
    from rag.assistant import Assistant

    assistant = Assistant(seeds_index)
    video = assistant.ask("What is the YouTube video ID of the talk on challenges in AI emotion recognition?")
    assert "bmjamLZ3v8A" in video.text and video.citations[0].chunk.doc_id == "004_f9b868ada0241f27"
    release = assistant.ask("What is the URL of the EurekAlert! release on the improved facial expression model?")
    assert "https://www.eurekalert.org/news-releases/958080" in release.text
    other = assistant.ask("Which outlet ran the piece calling facial expression recognition a scam?")
    assert "Link:" not in other.text and "The Next Web" in other.text
    # An id or address matches no question word: it is as relevant as the piece it locates.
    named = assistant.ask("What's the id of the lexfridman video about emotion recognition's challenges?")
    assert "bmjamLZ3v8A" in named.text
    related = assistant.ask("What's the web address of the Smithsonian piece about seal face recognition?")
    assert "https://www.smithsonianmag.com/science-nature/introducing-facial-recognition-software-for-seals-180980349/" in related.text


def test_a_feeds_score_answers_a_question_about_it_and_no_other(seeds_index):
    """"Quality score: 19." answers what the feed scored a piece; neither it nor a byline's clock
    time ("at 23:36 UTC") answers "how long" or "how much" about anything else."""
    from rag.assistant import Assistant

    assistant = Assistant(seeds_index)
    assert "Quality score: 19" in assistant.ask("What quality rating did the feed give the Smithsonian seal article?").text
    for question in (
        "How long does the moratorium that the commission asked the city for last?",
        "How much money did the plaintiffs in the Flickr suits ask for?",
    ):
        assert assistant.ask(question).citations == (), question


def test_name_initials_are_the_acronyms_a_texts_names_spell():
    from rag.generation.templated import name_initials

    found = name_initials("It ran in The Next Web on 2022-07-07. The Department of Justice sued.")
    assert {"TNW", "NW", "DOJ", "DJ"} <= found
    assert "TNWO" not in found and "NWTD" not in found  # a name stops at a lower-case word or a full stop


def test_acronym_words_are_the_question_words_that_spell_an_acronym_of_the_text():
    from rag.generation.templated import acronym_words

    words = "Which football club does the AI in the piece like ?".split()
    assert acronym_words(words, "Likes Werner Herzog films and Arsenal FC.") == {1, 2}
    assert acronym_words(words, "Artificial intelligence (AI) is everywhere.") == set()  # "AI in" spells nothing
    assert acronym_words("the Department of Justice sued".split(), "The DOJ sued.") == {1, 2, 3}


def test_a_question_that_names_an_outlet_is_limited_to_that_outlets_passages(seeds_index):
    from rag.generation.templated import named_providers

    hits = [Hit(chunk, 1.0, n) for n, chunk in enumerate(seeds_index.chunks, start=1)]
    assert {h.chunk.provider for h in hits} >= {"The Next Web", "EurekAlert!", "EPT"}
    assert named_providers("What task did the EurekAlert! release set the volunteers?", hits) == {"EurekAlert!"}
    assert named_providers("What did TNW's columnist call the technology?", hits) == {"The Next Web"}
    assert named_providers("Which outlet besides The Next Web covered the ban?", hits) == set()
    # a name is a whole word: "accepted" does not name EPT
    assert named_providers("Was the study accepted by a journal?", hits) == set()


def test_a_month_the_question_names_is_matched_by_the_passages_date(seeds_index):
    """The passages give dates as 2021-08-23: "the August 2021 piece" is matched by the piece of
    that month, and a month no passage of it has matches poorly."""
    stated = _match(seeds_index, "Which football club does the writer of the August 2021 TNW piece like?")
    other = _match(seeds_index, "Which football club does the writer of the February 2021 TNW piece like?")
    assert stated is not None and other is not None
    assert stated - other > 0.1, (stated, other)


def test_an_acronym_in_the_question_matches_the_name_it_stands_for(seeds_index):
    """"TNW" is The Next Web: written either way, the question is as well matched."""
    spelled = _match(seeds_index, "Which piece in The Next Web called facial expression recognition a scam?")
    acronym = _match(seeds_index, "Which piece in TNW called facial expression recognition a scam?")
    assert acronym >= spelled - 0.05, (acronym, spelled)


def test_the_neighbour_that_names_the_asked_thing_joins_the_answer(seeds_index):
    """The author note says who writes ("Thomas covers AI") and, in the next sentence, what he
    likes ("… Arsenal FC"): asked which club, the answer must include the sentence naming it."""
    from rag.assistant import Assistant

    answer = Assistant(seeds_index).ask("Which soccer club does the Neural writer Thomas support?")
    assert not answer.abstained
    assert "Arsenal" in answer.text, answer.text


def test_relation_terms_leave_out_the_names_in_a_question():
    assert relation_terms("What was WANdisco's revenue in 2022?") == {"revenu"}
    assert relation_terms("Which Werner Herzog film won the most awards?") == {"film", "won", "award"}
    assert relation_terms("Exadel makes what?") == {"exadel", "make"}  # the first word may be a name or not
    assert relation_terms("what was wandisco's revenue?") == {"wandisco", "revenu"}  # no case, no names...
    assert relation_terms("what was wandisco's revenue?", frozenset({"wandisco"})) == {"revenu"}  # ...but the corpus's


def test_corpus_names_are_words_running_text_capitalizes():
    from rag.generation.templated import corpus_names

    names = corpus_names(["Thomas likes Arsenal FC and long films.", "Long sentences start with a capital.", "The AI-based tool."])
    assert {"arsenal", "fc", "ai"} <= names
    assert not {"long", "film", "sentenc", "base", "tool"} & names


@pytest.mark.parametrize(
    "question",
    [
        "When will the Long Beach city council vote on the facial recognition moratorium?",  # byline date, not the vote's
        "How many photos does IBM's Diversity in Faces database hold?",  # the only figures are dates
        "What was the annual revenue of WANdisco?",  # names the company, not the relation asked
        "what was wandisco's annual revenue",  # the same, typed in lower case
        "WHAT WAS WANDISCO'S ANNUAL REVENUE?",  # and in capitals
    ],
)
def test_templated_abstains_on_near_misses_that_name_the_subject(seeds_index, question):
    from rag.retrieval import Retriever

    hits = Retriever(seeds_index).search(question, k=5)
    generator = TemplatedGenerator(seeds_index)
    assert generator.select(question, hits).abstain
    assert answer_text(generator, question, hits) == ""


def test_a_yes_no_question_is_answered_only_by_passages_that_speak_of_its_relation(seeds_index):
    """"Did it win?" is not answered by "named a finalist", however close the rest; "was it a
    finalist?" is."""
    from rag.retrieval import Retriever

    generator = TemplatedGenerator(seeds_index)
    won = "Did WANdisco end up winning the Rising Azure Technology Partner of the Year title?"
    finalist = "Was WANdisco a finalist for Rising Azure Technology Partner of the Year?"
    assert generator.select(won, Retriever(seeds_index).search(won, k=5)).abstain
    assert not generator.select(finalist, Retriever(seeds_index).search(finalist, k=5)).abstain


def test_templated_answers_when_a_piece_came_out_from_its_byline(seeds_index):
    from rag.retrieval import Retriever

    question = "On what day did the Long Beach Post run its story on the moratorium request?"
    hits = Retriever(seeds_index).search(question, k=5)
    text = answer_text(TemplatedGenerator(seeds_index), question, hits)
    assert "2022-07-06" in text and "linked from" not in text


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("Which law firm filed the suits?", ["law", "firm"]),  # "filed the": a verb ends the phrase
        ("What ethical issues come up here?", ["ethical", "issues"]),  # "come up": a verb and its particle
        ("Which tech company is pulling back?", ["tech", "company"]),
        ("How many seals has the network found?", ["seals"]),
        ("Which two companies were sued?", ["companies"]),
        ("What kind of pictures was it trained on?", ["pictures"]),
        ("Which photo-sharing site's pictures were used?", ["photo-sharing", "site"]),  # the owner is asked for
        ("Which creator’s content is it drawn from?", ["creator"]),
        ("What still remains after the retreat?", []),  # an adverb, no noun
        ("Who is the reporter who enjoys films?", ["reporter"]),  # "who is the <noun>": the answer names one
        ("Who wrote it?", []),
        ("Which Microsoft manager said it would stop?", ["microsoft", "manager"]),  # "said": a verb after the noun
        ("Which company won Microsoft's award?", ["company"]),  # "won": a verb, so "Microsoft's" is not the owner asked for
        ("In what ways can it hurt people?", []),
        ("How many were there?", []),
        ("What held up the opening of the wing?", []),  # a verb with its particle, no noun
        ("What caused the delay?", []),
        ("What red flags did the audit raise?", ["red", "flags"]),
        ("Why is it hard?", []),
        ("What is the surname of the writer?", ["surname"]),  # "what is the <noun known by a name> of"
        ("What was the city of the dateline?", ["city"]),
        ("What is the main argument of the piece?", []),  # any sentence may answer
        ("How many carmakers use Affectra's sensor?", ["carmakers"]),  # "use" after a plural: the verb
        ("Which sports club does he like?", ["sports", "club"]),
    ],
)
def test_focus_phrase_is_the_noun_phrase_the_question_asks_about(question, phrase):
    assert focus_phrase(question) == phrase


def _selection(index, question):
    from rag.retrieval import Retriever

    return TemplatedGenerator(index).select(question, Retriever(index).search(question, k=5))


def test_how_many_needs_a_figure_that_counts_the_asked_noun(seeds_index):
    # The seal passage has "thousands of photos of harbor seals": a figure, but it counts photos.
    assert _selection(seeds_index, "How many harbor seals does the neural network recognise?").abstain
    counted = _selection(seeds_index, "How many nominations did the Azure partner award draw?")
    assert not counted.abstain and "3,900 nominations" in counted.chosen[0].sentence


def test_a_pair_counts_for_how_many_but_is_no_amount(seeds_index):
    # "Facing a pair of related lawsuits, Amazon and Microsoft …": two lawsuits, and no sum of damages.
    counted = _selection(seeds_index, "How many lawsuits are Amazon and Microsoft facing over the Flickr photos?")
    assert not counted.abstain and "pair of related lawsuits" in counted.chosen[0].sentence
    assert _selection(seeds_index, "How much in damages do the Flickr photo lawsuits against Amazon and Microsoft seek?").abstain


def test_the_word_that_names_the_focus_is_not_one_the_question_already_uses(seeds_index):
    # "Microsoft" is close to "executive" in the embedding space, but the question wrote it: the
    # passage about Microsoft's retreat names no executive.
    assert _selection(seeds_index, "Which Microsoft executive said the company would stop offering facial analysis?").abstain


def test_which_noun_must_be_named_by_the_answer_sentence(seeds_index):
    # The headline of the Flickr lawsuits piece shares the question's words but names no judge.
    assert _selection(seeds_index, "Which judge rules on the suits over Flickr pictures?").abstain
    assert _selection(seeds_index, "Which law school is studying the Flickr privacy suits?").abstain
    # A headline answers "which <noun>" with a name the question does not use, close to the noun.
    firms = _selection(seeds_index, "Which two firms deny using Flickr pictures for facial recognition?")
    assert not firms.abstain and "Amazon and Microsoft" in firms.chosen[0].sentence
    animals = _selection(seeds_index, "Which animals can facial recognition now tell apart?")
    assert not animals.abstain and "Seals" in " ".join(c.sentence for c in animals.chosen)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When was the scam article published?", "2022-07-07"),
        ("What grand challenge is mentioned in the video?", "30-day"),
    ],
)
def test_words_that_point_at_the_source_do_not_count_as_unanswered(seeds_index, question, expected):
    """"the piece", "mentioned in the video" say where to look, not what is asked: a passage
    that answers is not penalized for lacking them."""
    from rag.retrieval import Retriever

    hits = Retriever(seeds_index).search(question, k=5)
    assert expected in answer_text(TemplatedGenerator(seeds_index), question, hits)


def _match(index, question):
    return _selection(index, question).match


def test_word_match_is_low_when_the_passage_never_states_what_is_asked(seeds_index):
    """A question about the seal network whose words the passage all states, against one that
    asks what it never says (a zoo): the unmatched word pulls the match down."""
    stated = _match(seeds_index, "What was the seal-recognition network trained on?")
    unstated = _match(seeds_index, "Which zoo keeps the harbor seals that the network tells apart?")
    assert stated is not None and unstated is not None
    assert stated - unstated > 0.3, (stated, unstated)


def test_word_match_ranks_a_paraphrase_above_a_contrary_word(seeds_index):
    """The headline calls it a "scam": the same word matches best, a synonym sharing no stem
    ("fraud") well, a word the piece never applies ("triumph") poorly, in context."""
    scam, fraud, triumph = (
        _match(seeds_index, f"Which outlet called facial expression recognition a {word}?") for word in ("scam", "fraud", "triumph")
    )
    assert scam > fraud > triumph + 0.15, (scam, fraud, triumph)
    assert not _selection(seeds_index, "Which outlet called facial expression recognition a fraud?").abstain


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Which university's scientists discovered that similar feelings are shown with different facial movements?", None),
        ("Which firm put out new features for the CompreFace app?", "Exadel"),  # the sentence's first word, set off by a comma
        ("Which football club is the TNW AI writer a fan of?", "Arsenal"),  # named by the neighbour sentence
        ("What is the surname of Thomas, who writes on AI for Neural by TNW?", None),  # every name there is the question's
        ("Who trained the neural network that can tell individual harbor seals apart?", None),  # it names no one
        ("Who announced the new version of the CompreFace face recognition app?", "Exadel"),
        # "IBM’s “Diversity in Faces”" is a name, but no judge's
        ("Which judge is hearing the Flickr photo suits against Amazon and Microsoft?", None),
    ],
)
def test_which_named_thing_is_answered_by_a_name(seeds_index, question, name):
    """A university, a firm, a club is known by its name, and who did something by theirs:
    "They found that …" names no university, "A neural network, trained …" nobody, and a
    sentence's names must be the kind of thing asked."""
    from rag.assistant import Assistant

    answer = Assistant(seeds_index).ask(question)
    if name is None:
        assert answer.abstained, answer.text
    else:
        assert name in answer.text


def test_what_question_a_piece_asks_is_answered_by_a_sentence_that_asks_one(seeds_index):
    from rag.generation.templated import Candidate, Focus

    focus = Focus("question", "question", False, frozenset({"question", "piec", "ask"}))
    asks = Candidate(1, 2, "Do we really want it?", 0.5, 0.5, 0.5, 0.0, True, frozenset({"realli", "want"}), frozenset())
    states = Candidate(1, 1, "It can hurt people.", 0.5, 0.5, 0.5, 0.0, True, frozenset({"hurt", "peopl"}), frozenset())
    vectors = TemplatedGenerator(seeds_index).vectors
    assert focus.matches(asks, vectors) and not focus.matches(states, vectors)


def test_a_products_release_date_is_not_the_date_a_piece_about_it_came_out(seeds_index):
    from rag.assistant import Assistant

    assistant = Assistant(seeds_index)
    assert assistant.ask("When did IBM release its Diversity in Faces collection of photos?").abstained
    answer = assistant.ask("When did the press release on the improved facial expression model come out?")
    assert "2022-07-07" in answer.text


def test_a_sentence_case_headline_names_its_capitalized_words_and_a_title_case_one_does_not():
    from rag.generation.templated import headline_names

    names = frozenset({"microsoft"})
    sentence_case = "“Amazon and Microsoft deny using Flickr pics for facial recognition” was published by GeekWire on 2022-07-06."
    title_case = "“Introducing Facial Recognition Software for Seals” was published by Smithsonian Magazine on 2022-07-08."
    assert headline_names(sentence_case, names) == ["Microsoft", "Flickr"]  # a first word is capitalized anyway
    assert headline_names(title_case, names) == []


def test_which_noun_phrase_is_named_by_a_headline_word_close_to_the_whole_phrase(seeds_index):
    """"site" alone is far from Flickr; "photo-sharing site" is close."""
    from rag.assistant import Assistant

    answer = Assistant(seeds_index).ask("Which photo-sharing site's pictures are at the heart of the privacy suits against Amazon and Microsoft?")
    assert "Flickr" in answer.text


@pytest.mark.parametrize(
    ("sentence", "is_money"),
    [
        ("A single ticket now costs 30 crowns.", True),
        ("Rooms are CHF 120 a night.", True),
        ("The fare is ₹40.", True),
        ("It cost 2 million rupees.", True),
        ("Tickets were $5.", True),
        ("The club won the cup twice.", False),  # a currency's name that is an English word
        ("They visited the Crown Estate in 2020.", False),
        ("Try it 3 times.", False),
        ("The network has 13 lines.", False),
    ],
)
def test_a_sum_of_money_in_any_currency_answers_how_much(sentence, is_money):
    assert answer_type("How much does a single ticket cost?") == "money"
    assert holds_type("money", sentence, None) is is_money


def test_a_passage_about_a_sibling_of_the_asked_thing_does_not_answer(real_embedder, tmp_path):
    """"Aurora-4" is not "Aurora-2", and the Selby Hill fire is not the Corran Moor fire: a sentence
    that names another of the kind, and not the one asked about, answers about the other."""
    files = {
        "satellite.md": (
            "# A new weather satellite\n\nThe weather satellite Aurora-3 was launched from Port Selwyn on 4 May 2023. "
            "Its predecessor, Aurora-2, was launched in 2014 and failed after six years when a battery overheated.\n"
        ),
        "fires.md": (
            "# Fire season\n\nThe Corran Moor fire burned 400 hectares in August and closed the coast road for a "
            "week.\n\n## The worst fire\n\nThe village's worst fire, the Selby Hill fire of 1995, destroyed forty homes. "
            "A fire station was built after it.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    assert "2014" in assistant.ask("In what year was Aurora-2 launched?").text
    assert assistant.ask("In what year was Aurora-4 launched?").abstained
    assert "1995" in assistant.ask("When did the Selby Hill fire happen?").text
    assert assistant.ask("In what year did the Corran Moor fire start?").abstained


def test_an_amount_asked_in_a_unit_a_role_holder_a_deal_value_and_what_made(real_embedder, tmp_path):
    """"In dollars" is not answered in pounds; "who is the chief executive of X?" needs a name;
    "what is the value of the contract?" asks for a sum; "what made it …?" asks for a cause."""
    files = {
        "bakery.md": (
            "# Marlow Bakeries sells a branch\n\nMarlow Bakeries has sold its Harbour Street shop to Tamsin Reed, "
            "the company said on Monday. The deal is worth £1.2 million.\n"
        ),
        "pier.md": (
            "# A new pier for Kell\n\nThe council awarded the contract to build the new pier at Kell to Halden Marine "
            "on Tuesday, after a vote of nine to four. Work on the pier starts in June.\n\nHalden Marine will be paid "
            "€4.5 million for the work. A rival bid came from Ostby Construction, whose directors had offered to "
            "finish the pier a year sooner at a higher price.\n"
        ),
        "allotments.md": (
            "# Allotment accounts\n\nThe society's water bill for 2023 rose by 18% to £2,960, the treasurer reported. "
            "Members pay £40 a year for a plot, and the waiting list has 31 names. The rise was blamed on a leaking "
            "pipe under the north path, found in September.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    assert "£1.2 million" in assistant.ask("How much did the Harbour Street shop sell for in pounds?").text
    assert assistant.ask("How much did the Harbour Street shop sell for in dollars?").abstained
    assert assistant.ask("Who is the chief executive of Ostby Construction?").abstained
    assert "€4.5 million" in assistant.ask("What is the value of the contract to build the new pier at Kell?").text
    assert "leaking pipe" in assistant.ask("What made the society's water bill rise in 2023?").text


def test_what_day_is_answered_by_a_day_of_the_week(real_embedder, tmp_path):
    files = {
        "library.md": (
            "# Library opening hours\n\nFrom 3 March 2025 the library's opening hours will change, the council said "
            "in a notice to readers.\n\n- Reading room: open late on Wednesday evenings instead of Monday.\n"
            "- Children's corner: story time moves to the morning.\n"
        ),
    }
    answer = _assistant_over(files, real_embedder, tmp_path).ask("On what day will the reading room open late?")
    assert "Wednesday" in answer.text


def test_which_thing_is_named_by_its_section_heading_and_a_denial_answers_the_opposite(real_embedder, tmp_path):
    """A guide lists things of a kind under a heading that says the kind ("Campsites"), each in a
    section of its own name: the sentences say only "the larger site", the heading names it. "There
    are no showers" shares the question's word but answers "which has none?"."""
    files = {
        "guide.md": (
            "# Walking in the Harl valley\n\nThe valley has two campsites and one shop.\n\n## Campsites\n\n"
            "### Brackenford\n\nThe larger site has 40 pitches beside the river, and hot showers. It opens in April.\n\n"
            "### Tarnside\n\nA small field for tents only: there are no showers and no shop, but the view of the tarn is "
            "the best in the valley.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    assert "Brackenford" in assistant.ask("Which campsite in the Harl valley has showers?").text
    assert "Tarnside" in assistant.ask("Which campsite has no showers?").text


def test_which_noun_asked_with_the_same_noun_as_its_subject(real_embedder, tmp_path):
    """"Which team did the junior team beat?": the sentence's "team" is the question's other team,
    so the name that answers need not stand beside it."""
    files = {
        "bridge.md": (
            "---\ntitle: Dunmore Bridge Club turns sixty-five\noutlet: Card Players Monthly\ndate: 2023-05-02\n---\n"
            "# Dunmore Bridge Club\n\nThe Dunmore Bridge Club was founded in 1958 by Alice Crane. It has 64 members. "
            "In 2022 the club's junior team won the regional championship, beating Ashcombe 5–3 in the final. The club "
            "meets every Wednesday at the town hall.\n"
        ),
    }
    answer = _assistant_over(files, real_embedder, tmp_path).ask("Which team did the junior team beat in the final?")
    assert "Ashcombe" in answer.text


def test_a_count_spelled_above_twenty_answers_how_many(real_embedder, tmp_path):
    files = {
        "otters.txt": (
            "Field notes on the otter survey\n\nOtters returned to the river Harl in 1998. Forty-two adults were counted "
            "along the lower valley in the spring survey of 2024. The survey was led by the Harl Wildlife Trust.\n"
        ),
    }
    assistant = _assistant_over(files, real_embedder, tmp_path)
    assert "Forty-two adults" in assistant.ask("How many adults were counted along the lower valley?").text
    assert assistant.ask("How many otter cubs were born in 2024?").abstained


def test_lines_the_chunker_writes_are_quoted_only_for_what_they_say(real_embedder, tmp_path):
    """A summary's "Topics: …" joined answers to any question as a second sentence, and a related
    article with no byline opened with "“TITLE”, linked from “PARENT”", whose parent's title
    made it look like an answer about the parent piece."""
    assistant = _assistant_over({
        "recall.md": "---\ntitle: Kettle recall notice\nprovider: Product Safety Office\ndate: 2024-11-05\n"
                     "topics: [product recall, consumer safety, kitchen appliances]\n"
                     "excerpt: BrightBrew is recalling its BK-200 kettles because the base can overheat.\n---\n",
        "race.md": "---\ntitle: 'Stage 7 report: Moreau wins in the rain'\nprovider: Velo Daily\ndate: 2024-07-14\n"
                   "related:\n  - title: 'Stage 6: Sprint finish in Annecy'\n    excerpt: Femke de Wit won a bunch sprint in Annecy.\n---\n"
                   "Moreau won stage 7 alone after attacking on the final climb.\n",
    }, real_embedder, tmp_path)
    why = assistant.ask("Why are the BrightBrew kettles being recalled?")
    assert "overheat" in why.text and "Topics" not in why.text
    tags = assistant.ask("Which topic tags does the kettle recall notice carry?")
    assert "consumer safety" in tags.text
    for question in ("Who won stage 7?", "Where was the stage 6 sprint finish?"):
        assert "linked from" not in assistant.ask(question).text, question


def test_sentences_that_differ_only_in_their_figures_are_no_duplicates():
    # "Adults: CHF 16." was dropped beside "Family ticket (two adults …): CHF 38." as saying the
    # same: stems leave figures out, and the adult price never reached the answer.
    from rag.generation.templated import Candidate, _duplicate

    def candidate(sentence, terms):
        return Candidate(1, 0, sentence, 0.5, 0.5, 0.5, 0.5, True, frozenset(terms), frozenset())

    adults = candidate("Adults: CHF 16.", {"adult", "chf"})
    family = candidate("Family ticket (two adults and three children): CHF 38.", {"famili", "ticket", "adult", "children", "chf"})
    again = candidate("Adults pay CHF 16.", {"adult", "chf"})
    assert not _duplicate(adults, family) and not _duplicate(family, adults)
    assert _duplicate(adults, again)


def test_a_numbered_thing_is_not_answered_about_another_number(real_embedder, tmp_path):
    """"Who won stage 8?" was answered with the stage 7 winner: a plain noun and a number ("stage
    8", "room 101") name one thing of a kind, as "Series B" does; "took 3 hours" is an amount. (The
    passage writes an 8, "8 km", so the figure check alone lets it through.)"""
    assistant = _assistant_over({
        "race.md": "---\ntitle: Stage report\n---\nMarta Ruiz won stage 7 of the Tour of the Fells on Sunday, attacking 8 km from the summit. "
                   "The stage took 4 hours and covered 142 km.\n",
    }, real_embedder, tmp_path)
    assert "Marta Ruiz" in assistant.ask("Who won stage 7 of the Tour of the Fells?").text
    assert assistant.ask("Who won stage 8 of the Tour of the Fells?").abstained


def test_when_is_answered_by_a_time_of_day(real_embedder, tmp_path):
    """"When does the last ferry leave?" took the sentence with a date ("From 1 June 2024 …")
    over the one with the time it leaves: a time of day answers "when" as a date does."""
    assistant = _assistant_over({
        "ferry.md": "---\ntitle: Harbour ferry timetable\n---\nFrom 1 June 2024 the harbour ferry will run every 20 minutes "
                    "on weekdays. The last harbour ferry leaves the north pier at 23:40. A single ticket costs 30 DKK.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("When does the last harbour ferry leave?")
    assert "23:40" in answer.text, answer.text


def test_who_did_it_is_answered_by_the_sentence_that_says_the_doing(real_embedder, tmp_path):
    """"Who curated the whaling exhibition?" quoted "The exhibition … runs until March", which
    restates the question's object best, not "It was curated by Dr. Ingrid Halvorsen"."""
    assistant = _assistant_over({
        "museum.md": "---\ntitle: Visiting the maritime museum\n---\n## Exhibits\n\nThe centrepiece is the Grønne Hjort, "
                     "a 1782 merchant brig raised from the harbour in 1971. Visitors can walk along its lower deck.\n\nThe temporary exhibition "
                     "\"Ice and Iron: Arctic Whaling 1820-1900\" runs until 31 March 2025. It was curated by Dr. Ingrid Halvorsen.\n\n"
                     "The Kilnworth reading room opened in 1887, funded by the mill owner Josiah Barrowclough. "
                     "The building was designed by the architect Edith Marling.\n",
    }, real_embedder, tmp_path)
    assert "Ingrid Halvorsen" in assistant.ask("Who curated the Arctic whaling exhibition?").text
    assert "Edith Marling" in assistant.ask("Who designed the Kilnworth reading room?").text
    # The curator's sentence follows the whaling exhibition, not the brig: no curator of the brig.
    assert "Halvorsen" not in assistant.ask("Who curated the Grønne Hjort exhibition in 1971?").text


def test_a_name_with_a_number_in_it_counts_nothing(real_embedder, tmp_path):
    """"How many kettles were recalled?" led with the headline "Recall notice: BrightBrew BK-200
    electric kettles": the 200 of a model's name stood before "kettles" as if it counted them."""
    assistant = _assistant_over({
        "recall.md": "---\ntitle: 'Recall notice: BrightBrew BK-200 electric kettles'\nprovider: Product Safety Office\n"
                     "date: 2024-11-05\n---\nBrightBrew is recalling about 41,000 BK-200 kettles because the base can overheat.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("How many kettles were recalled?")
    assert "41,000" in answer.text and "Recall notice" not in answer.text, answer.text


def test_a_count_of_hives_answers_how_many_beehives(real_embedder, tmp_path):
    # "How many beehives …?" over "We have twelve hives up there": a closed compound and its last
    # part name one thing, and the count was refused for want of the word "beehives".
    assistant = _assistant_over({
        "bees.md": "---\ntitle: Rooftop beekeeping at the university\n---\nThe university has kept bees on its library roof since 2012. "
                   "We have twelve hives up there, and they produce about 180 kilograms of honey a year.\n",
    }, real_embedder, tmp_path)
    assert "twelve" in assistant.ask("How many beehives are on the university library roof?").text


def test_a_section_heading_answers_for_the_lines_under_it(real_embedder, tmp_path):
    """A changelog's "## Version 3.1.0 (released 2025-02-11)" / "- Added a dark theme": "when
    did it ship dark mode?" was refused (no date in the line) and "which release added offline
    sync?" quoted the line without its version. An FAQ's "## Can I bring my dog?" is what the
    answer under it is about. The heading now holds what its lines lack, and leads the answer."""
    assistant = _assistant_over({
        "changelog.md": "---\ntitle: Quillbox changelog\n---\n# Changelog\n\n## Version 3.2.0 (released 2025-06-02)\n\n"
                        "- Added offline sync for shared notebooks.\n- Raised the maximum attachment size to 100 MB.\n\n"
                        "## Version 3.1.0 (released 2025-02-11)\n\n- Added a dark theme for the web app.\n- Fixed slow search on large notebooks.\n",
        "faq.md": "---\ntitle: Harbor Bikes FAQ\n---\n## Can I bring my dog?\n\nPets are not allowed in the front basket. "
                  "Small pets may ride in a closed carrier worn as a backpack.\n\n## How do I end a ride?\n\nLock the bike at any dock.\n",
    }, real_embedder, tmp_path)
    when = assistant.ask("When did Quillbox ship its dark mode for the web?").text
    assert "2025-02-11" in when and "dark theme" in when, when
    which = assistant.ask("Which Quillbox release added offline syncing of shared notebooks?").text
    assert "Version 3.2.0" in which and "offline sync" in which, which
    assert which.count("Version 3.2.0") == 1
    assert "closed carrier" in assistant.ask("Can I take my dog on a Harbor bike?").text


def test_a_question_about_a_place_the_answering_piece_never_names_is_not_answered(real_embedder, tmp_path):
    """"What did the harbour wall repairs cost in Saltmere?" was answered with Port Ellery's cost:
    a name the question writes that the answering document never does means it is about
    something else. Accents do not hide a name ("Ibanez" ~ "Ibáñez")."""
    assistant = _assistant_over({
        "port.md": "---\ntitle: Port Ellery harbour works\n---\nThe repairs to the Port Ellery harbour wall cost 184,000 pounds. "
                   "Carmen Ibáñez, the harbour master, said the work finished in May.\n",
        "saltmere.md": "---\ntitle: Saltmere lighthouse\n---\nThe Saltmere lighthouse was built in 1872 on the north headland.\n",
    }, real_embedder, tmp_path)
    assert "184,000" in assistant.ask("How much did the harbour wall repairs cost in Port Ellery?").text
    assert assistant.ask("How much did the harbour wall repairs cost in Saltmere?").abstained
    assert "harbour master" in assistant.ask("What job does Carmen Ibanez do?").text
    assert "184,000" in assistant.ask("How Much Did The Harbour Wall Repairs Cost In Port Ellery?").text  # Title Case


def test_who_said_it_and_when_refer_to_what_the_last_answer_quoted(real_embedder, tmp_path):
    """After an answer quoting the chief executive, "and when was that?" was refused (the byline's
    date answered only questions about publishing) and "who said it?" named the mayor, whose quote
    stands next to hers. A follow-up of pronouns alone refers to what the last answer with words of
    its own quoted, and "when" to the date of its piece."""
    assistant = _assistant_over({
        "plant.md": "---\ntitle: Solvane opens battery recycling plant in Dunhaven\nprovider: Solvane Energy\ndate: 2025-02-20\n---\n"
                    "Solvane Energy today opened its first battery recycling plant in Dunhaven. "
                    "\"This plant shows that recycling can be done at scale, close to where batteries are used,\" said Leah Marsh, "
                    "chief executive of Solvane Energy. A second plant, in Saltmere, is planned.\n\n"
                    "The plant will employ 240 people. \"We are proud to welcome Solvane to our region,\" said Oren Dale, mayor of Dunhaven.\n",
    }, real_embedder, tmp_path)
    chat = assistant.conversation()
    first = chat.ask("Why does Solvane think the recycling plant matters?")
    assert "Leah Marsh" in first.text and "Oren Dale" not in first.text, first.text
    assert "2025-02-20" in chat.ask("and when was that?").text
    said = chat.ask("who said it?").text
    assert "Leah Marsh" in said and "Oren Dale" not in said, said


def test_a_count_before_a_modifier_counts_the_thing_after_it(real_embedder, tmp_path):
    """"How many hedgehogs …?" was answered by "3,255 hedgehog detections", which counts
    detections: the singular of the asked noun, with a word after it, only modifies that word. A
    "30-day period" still counts days."""
    assistant = _assistant_over({
        "survey.md": "---\ntitle: Garden hedgehog survey\n---\nThe cameras recorded 3,255 hedgehog detections in total. "
                     "Each camera ran for a 30-day period in spring.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How many hedgehogs live in the surveyed gardens?").abstained
    assert "30-day" in assistant.ask("How many days did each survey camera run?").text


def test_where_is_answered_by_a_sentence_that_names_a_place(real_embedder, tmp_path):
    """"Where was the glass artist born?" quoted the biography's byline, and "where were the seal
    photos taken?" a sentence that says nothing of where: a place is asked for, which a sentence
    names after a preposition ("born in Växjö")."""
    assistant = _assistant_over({
        "bio.md": "---\ntitle: 'Astrid Lindqvist: a life in glass'\nprovider: Art Lives\ndate: 2023-09-01\n"
                  "excerpt: A short biography of the Swedish glass artist Astrid Lindqvist.\n---\n"
                  "## Early years\n\nAstrid Lindqvist was born in Växjö, Sweden, on 3 March 1931. She trained as a painter first.\n",
        "seals.md": "---\ntitle: Telling seals apart\n---\nA neural network, trained using thousands of photos of harbor seals, "
                    "offers a noninvasive way of telling the animals apart.\n",
    }, real_embedder, tmp_path)
    assert "Växjö" in assistant.ask("Where was the glass artist Astrid Lindqvist born?").text
    assert assistant.ask("Where were the harbor seal photos for the neural network taken?").abstained


def test_who_wrote_something_in_the_story_and_a_numbered_name_elsewhere_in_the_passage(real_embedder, tmp_path):
    """"Who wrote the tribunal's decision on the Berth 7 dispute?" abstained: "wrote" asks for a
    piece's writer, and the sentence saying "Chair Amira Toivonen wrote the decision" was none;
    and the 7 of "Berth 7" stood two sentences away, so a sentence that writes it was preferred."""
    assistant = _assistant_over({
        "tribunal.md": "---\ntitle: Tribunal rules on harbour berth dispute\nprovider: Coastal Law Review\ndate: 2024-05-02\n---\n"
                       "## The decision\n\nChair Amira Toivonen wrote the decision, with member Olli Rask agreeing. "
                       "The tribunal found that the operator had not given the required notice. "
                       "Berth 7 had been closed for repairs since January, the ruling noted. "
                       "Toivonen wrote that notice \"is not a formality\".\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("Who wrote the tribunal's decision on the Berth 7 dispute?")
    assert "Amira Toivonen" in answer.text, answer.text
    # Still a writer's question when nobody in the passages wrote anything asked about.
    assert assistant.ask("Who wrote the libretto of the opera performed at Berth 7?").abstained


def test_an_interviewers_question_is_what_the_reply_after_it_answers(real_embedder, tmp_path):
    """In a Q&A, "Q: … your boat. Does she have a name?" holds the question's words and "A: We call
    her Marigold." the answer: the interviewer's line was quoted (or won) and the reply was not."""
    assistant = _assistant_over({
        "interview.md": "---\ntitle: 'Q&A: Jonna Vik, the ferry skipper of Lake Orn'\nprovider: Lakeside Weekly\ndate: 2024-03-02\n---\n"
                        "Jonna Vik has run the Lake Orn ferry for twenty years.\n\n"
                        "Q: How did you start?\n\nA: I crewed for my uncle every summer from the age of twelve.\n\n"
                        "Q: Everyone in the valley knows your wooden ferry. Does she have a name?\n\nA: We call her Marigold. "
                        "My uncle built her in 1961 from larch.\n\n"
                        "Q: What is the hardest part of the job?\n\nA: The autumn storms, when the lake freezes at the edges.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("What is Jonna Vik's wooden ferry called?")
    assert "Marigold" in answer.text, answer.text
    assert "?" not in answer.text, answer.text


def test_a_question_about_one_year_is_not_answered_with_another_years_figure(real_embedder, tmp_path):
    """"How many passengers did the ferry carry in 2023?" quoted "… 18,500 passengers in 2022": the
    piece's date (2023) satisfied the figure check, though the sentence gives the other year's."""
    assistant = _assistant_over({
        "ferry.md": "---\ntitle: Island ferry cuts winter sailings\nprovider: Coast Courier\ndate: 2023-10-04\n---\n"
                    "The Skerry Line will run two sailings a day instead of four from November. "
                    "The ferry carried about 18,500 passengers in 2022, according to the operator. "
                    "Fares will rise by 6 percent, more than in 2021.\n",
    }, real_embedder, tmp_path)
    assert "18,500" in assistant.ask("How many passengers did the Skerry Line ferry carry in 2022?").text
    assert assistant.ask("How many passengers did the Skerry Line ferry carry in 2023?").abstained
    # A year the sentence only compares with is not its own.
    assert "6 percent" in assistant.ask("By how much will Skerry Line fares rise in 2023?").text


def test_how_many_people_or_photos_is_counted_in_the_people_or_photographs_the_passage_names(real_embedder, tmp_path):
    """"How many people visited the island in its busiest year?" abstained over "A record 52,000
    visitors came": only the word "people" counted people. Another people-count further down
    ("2,000 visitors each week") still does not answer how many died."""
    assistant = _assistant_over({
        "island.md": "---\ntitle: A short history of Hareholm island\nprovider: Coastal Heritage\ndate: 2024-06-01\n---\n"
                     "1902 – A storm destroys the jetty and most of the fishing huts on Hareholm.\n\n"
                     "1988 – The lighthouse is automated and the last keeper leaves the island.\n\n"
                     "2022 – A record 52,000 visitors come to Hareholm, its busiest year.\n\n"
                     "Today the island's summer market draws around 2,000 visitors each week.\n\n"
                     "The heritage archive holds about 3,400 photographs of Hareholm, taken between 1890 and 1990.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("How many people visited Hareholm in its busiest year?")
    assert "52,000" in answer.text, answer.text
    # Any counted noun by a synonym ("photographs" for photos), not by a word merely related.
    assert "3,400" in assistant.ask("How many photos of Hareholm are in the heritage archive?").text
    assert assistant.ask("How many people died in the 1902 storm on Hareholm?").abstained


def test_a_show_notes_line_answers_when_in_the_episode(real_embedder, tmp_path):
    """A podcast page (not a video) lists its moments as "00:19:05 — …" lines: "at what point in the
    episode …?" abstained (only a video passage's anchor held a moment), and one moment answers,
    not two."""
    assistant = _assistant_over({
        "episode.md": "---\ntitle: 'Harbour Talk, episode 12: the new sea wall'\nprovider: Harbour Talk Podcast\n"
                      "url: https://harbourtalk.example.org/episodes/12\ndate: 2024-02-10\n---\n"
                      "Host Mia Lund talks with engineer Tor Heim about the town's new sea wall.\n\n## Timestamps\n\n"
                      "00:01:10 — Introductions and how Tor became a coastal engineer.\n\n"
                      "00:14:45 — Why the old wall failed in the 2019 storm surge.\n\n"
                      "00:27:30 — How the new wall was paid for, and what it cost.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("At what point in the episode do they talk about why the old wall failed?")
    assert "00:14:45" in answer.text, answer.text
    assert "00:27:30" not in answer.text and "00:01:10" not in answer.text, answer.text


def test_whose_feature_is_answered_by_its_from_line_for_what_the_whole_piece_says(real_embedder, tmp_path):
    """"Who wrote the feature about NorthLink's tone scoring?" abstained over the summary's
    "“TITLE” is from Priya Raman.": the summary names neither NorthLink nor tone scoring, the
    body does; an author line speaks for its whole document, as a byline does for its outlet."""
    assistant = _assistant_over({
        "feature.md": "---\ntitle: 'Listening for Anger: Sentiment AI in the Call Centre'\npublisher: The Service Desk Journal\n"
                      "author: Priya Raman\npublished: 2023-11-02\n---\n"
                      "When NorthLink Mobile installed a tone-scoring system called ToneGuard in its call centres in 2022, "
                      "managers hoped for calmer calls. Agents say the scores punished accents instead.\n\n"
                      "## The accent problem\n\nAn internal review by NorthLink's quality team found that 27% of the "
                      "system's negative flags were false positives tied to agents' regional accents. Tone scoring was "
                      "suspended in two call centres in March 2023.\n\n## The vendor's view\n\nThe vendor said the "
                      "scoring system was designed to coach agents, not to discipline them.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("Who wrote the feature about NorthLink Mobile's tone-scoring system?")
    assert "Priya Raman" in answer.text, answer.text


def test_a_chapter_list_answers_when_in_the_video_with_one_chapter(real_embedder, tmp_path):
    """A video's chapter list ("00:00 Intro" / "34:50 Q&A with the audience") was one run-on
    sentence: "when does the Q&A start in the video?" quoted the whole list, cited at 00:00, or
    (asked with "when does …") was answered with the upload date."""
    assistant = _assistant_over({
        "talk.md": "---\ntitle: 'Why Mood Tracking Fails | Dr. Lina Berg at DataFest 2023'\nprovider: YouTube\n"
                   "url: https://www.youtube.com/watch?v=abcDEF12345\ndate: 2023-07-09\n---\n"
                   "Dr. Lina Berg explains why apps that claim to track your mood from your voice get it wrong.\n\n"
                   "Chapters:\n00:00 Intro\n02:10 What mood-tracking apps promise\n09:30 The 2020 review of 400 studies\n"
                   "21:40 Case study: a call-centre pilot\n34:50 Questions from the audience\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("When does the part with questions from the audience start in the DataFest video?")
    assert "34:50" in answer.text and "21:40" not in answer.text and "00:00" not in answer.text, answer.text
    (citation,) = answer.citations
    assert citation.chunk.anchor == "34:50" and citation.chunk.url.endswith("t=2090s"), citation.chunk.url


def test_a_quarter_asked_for_is_answered_by_that_quarters_figure_and_not_anothers(real_embedder, tmp_path):
    """"What revenue for its second quarter?" quoted "Revenue for the third quarter was …, up from
    the second quarter"; "net profit in Q1?" abstained (Q1 read as the figure 1); "Q4 revenue?"
    quoted the third quarter's."""
    assistant = _assistant_over({
        "results.md": "---\ntitle: Harwick Software quarterly results\nprovider: Markets Daily\ndate: 2024-10-30\n---\n"
                      "Harwick Software reported higher sales again this year. "
                      "Revenue for the third quarter was $55.9 million, up 8 per cent from the second quarter. "
                      "Second-quarter revenue rose to $51.7 million. "
                      "Net profit was $3.1 million in the first quarter.\n",
    }, real_embedder, tmp_path)
    assert "51.7" in assistant.ask("What revenue did Harwick Software report for its second quarter?").text
    assert "3.1" in assistant.ask("What was Harwick's net profit in Q1?").text
    assert assistant.ask("What was Harwick Software's revenue in the fourth quarter?").abstained


def test_a_share_written_as_a_ratio_answers_what_proportion(real_embedder, tmp_path):
    assistant = _assistant_over({
        "survey.md": "---\ntitle: Call centres and voice scoring\nprovider: Labour Desk\n---\n"
                     "The union surveyed 140 call centres in the region last spring. "
                     "It estimates that nine out of ten large call centres score the tone of agents' voices.\n",
    }, real_embedder, tmp_path)
    assert "nine out of ten" in assistant.ask("What proportion of large call centres score agents' voices?").text


def test_a_length_in_another_dimension_does_not_say_how_high(real_embedder, tmp_path):
    """"How high are the bridge's towers?" was answered by "The bridge is 2.7 kilometres long", and
    "Graham Hollis … defended it" counted as a length ("Graham" read as "a m")."""
    assistant = _assistant_over({
        "bridge.md": "---\ntitle: Estuary bridge tolls to rise\nprovider: Coast Courier\n---\n"
                     "The painting of the bridge's two towers will follow the cable work. "
                     "The bridge is 2.7 kilometres long and carries 58,000 vehicles a day. "
                     "Graham Hollis, who chairs the transport committee, defended the rise.\n",
    }, real_embedder, tmp_path)
    assert "2.7 kilometres" in assistant.ask("How long is the estuary bridge?").text
    assert assistant.ask("How high are the towers of the estuary bridge?").abstained


def test_how_many_people_did_something_is_counted_in_what_they_did(real_embedder, tmp_path):
    """"How many people signed the petition?" abstained over "… 2,300 signatures on a petition",
    and "how many people reported burns?" over "6 reports of minor burns"."""
    assistant = _assistant_over({
        "cameras.md": "---\ntitle: Mood cameras on the number 9 bus\nprovider: Harbour Courier\n---\n"
                      "The civil liberties group Open Lanes said riders had not been told about the cameras. "
                      "The group has collected more than 2,300 signatures on a petition calling for the cameras to be switched off.\n",
    }, real_embedder, tmp_path)
    assert "2,300" in assistant.ask("How many people signed the Open Lanes petition against the cameras?").text
    assert assistant.ask("How many people joined the Open Lanes group?").abstained


def test_who_holds_a_role_is_the_named_person_the_passage_gives_it_to(real_embedder, tmp_path):
    """"Who is the policy lead at Open Lanes?" abstained: the best sentence restated the group,
    and "Its policy lead, Mette Kjær, said …" came second. A rival's chief executive is no answer."""
    assistant = _assistant_over({
        "lanes.md": "---\ntitle: Voice scoring escapes the new rules\nprovider: Rights Digest\n---\n"
                    "Digital rights group Open Lanes says the law covers faces but not voices. "
                    "Its policy lead, Mette Kjær, said call centres could keep scoring callers' voices.\n",
        "tender.md": "---\ntitle: Desalination contract awarded\nprovider: Water Weekly\n---\n"
                     "A rival bid from Acquaterra Servicios was cheaper but scored lower. "
                     "Javier Montoya, chief executive of Hidrotec Ibérica, said work starts in September.\n",
    }, real_embedder, tmp_path)
    assert "Mette Kjær" in assistant.ask("Who is the policy lead at the digital rights group Open Lanes?").text
    assert assistant.ask("Who is the chief executive of Acquaterra Servicios?").abstained
    assert "Javier Montoya" in assistant.ask("Who is the chief executive of Hidrotec Ibérica?").text


def test_a_votes_margin_a_fraction_and_a_plural_name_the_piece_writes_singular(real_embedder, tmp_path):
    """"How many MEPs voted in favour?" abstained over "523 votes in favour" (the piece writes
    "MEP Lukas Brandt", not "MEPs", and counts votes); "by what margin did the council vote?" over
    "voted 7-2" (no answer type); "what fraction of the flags …?" over "27% of the flags"."""
    assistant = _assistant_over({
        "act.md": "---\ntitle: Parliament passes the AI rules\nprovider: Brussels Brief\n---\n"
                  "The European Parliament approved the final text in March, with 523 votes in favour, 46 against and 49 abstentions. "
                  "MEP Lukas Brandt, one of the lead negotiators, welcomed the vote.\n",
        "council.md": "---\ntitle: Council halts police face search\nprovider: Riverton Ledger\n---\n"
                      "In January the Riverton City Council voted 7-2 to suspend the use of face search by police. "
                      "An internal review found that 27% of the flags were false positives linked to a regional accent.\n",
    }, real_embedder, tmp_path)
    assert "523" in assistant.ask("How many MEPs voted in favour of the final AI text?").text
    assert "7-2" in assistant.ask("By what margin did the Riverton council vote to suspend police face search?").text
    assert "27%" in assistant.ask("What fraction of the flags were false positives linked to an accent?").text


def test_when_something_started_is_not_answered_by_when_it_ended(real_embedder, tmp_path):
    """"When did passenger trains start running?" quoted "The last passenger train ran on 14
    September 1964" (its words matched better than "The line opened to passengers in 1871")."""
    assistant = _assistant_over({
        "railway.md": "---\ntitle: The Ashby and Kell Railway\nprovider: Rail History Society\n---\n"
                      "The railway was built to carry wool and stone down the valley. "
                      "The line opened on 3 October 1871, with a brass band at Ashby Junction. "
                      "Road competition cut into its traffic after the war. "
                      "The last passenger train ran on 14 September 1964.\n",
    }, real_embedder, tmp_path)
    assert "1871" in assistant.ask("When did passenger trains start running on the Ashby and Kell Railway?").text
    assert "1964" in assistant.ask("When did the last passenger train run on the Ashby and Kell Railway?").text


def test_which_firm_is_answered_by_a_name_with_a_companys_legal_form(real_embedder, tmp_path):
    """"Which firm supplied the cameras?" abstained: the best sentence named no firm, and the one
    that did ("supplied by the Leeds-based start-up Sentimetric Ltd") never says "firm"."""
    assistant = _assistant_over({
        "buses.md": "---\ntitle: Mood cameras on route 14 spark privacy row\nprovider: Harbour Courier\n---\n"
                    "Passengers on one of the city's busiest bus routes have been filmed by cameras that claim to read their emotions, "
                    "prompting calls from councillors and privacy campaigners for the trial to be halted.\n\n"
                    "Harbour Transit began the trial on route 14 in November 2024. Eight double-decker buses were fitted with two "
                    "cameras each, one on each deck. The cameras, supplied by the Leeds-based start-up Sentimetric Ltd, use software "
                    "that analyses passengers' facial expressions and sorts them into categories such as calm and agitated.\n",
    }, real_embedder, tmp_path)
    assert "Sentimetric Ltd" in assistant.ask("Which firm supplied the emotion-reading cameras on the buses?").text
    assert assistant.ask("Which firm insures the buses on route 14?").abstained


def test_which_things_is_not_answered_by_how_many_there_are(real_embedder, tmp_path):
    """"Which carmakers use the sensor?" was answered "… installed in 1.5 million vehicles from four
    carmakers": a count names none of them."""
    assistant = _assistant_over({
        "sensor.md": "---\ntitle: Cabin cameras that watch drivers' moods\nprovider: Auto Ledger\n---\n"
                     "Affectra says its cabin-monitoring sensor is already installed in 1.5 million vehicles from four carmakers. "
                     "The sensor is made in Tallinn by Affectra's partner Optiva.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("Which carmakers already use Affectra's cabin-monitoring sensor?").abstained
    assert "four carmakers" in assistant.ask("How many carmakers use Affectra's cabin-monitoring sensor?").text


def test_a_role_at_another_organisation_is_read_by_its_capitals():
    from rag.generation.templated import holds_role_elsewhere

    asked = frozenset(content_terms("Who is the chief executive of Acquaterra Servicios?"))
    assert holds_role_elsewhere("Javier Montoya, chief executive of Hidrotec Ibérica, said so.", "chief executive", asked)
    assert not holds_role_elsewhere("Ana Ruiz, Chief Executive of Acquaterra Servicios said it would appeal.", "chief executive", asked)


def test_a_year_asked_over_a_table_by_year_is_that_years_row_alone(real_embedder, tmp_path):
    """"Revenue in 2022?" over a results table abstained once its rows were about their years: the
    2021 row, whose neighbour writes 2022, came first and gave another year; and the next row joined."""
    assistant = _assistant_over({
        "report.md": "---\ntitle: Corvane Robotics annual report 2024\nprovider: Corvane Robotics\n---\n"
                     "Corvane makes warehouse robots.\n\n"
                     "| Year | Revenue (€ million) | Operating profit (€ million) | Employees |\n| --- | --- | --- | --- |\n"
                     "| 2021 | 168.9 | 15.7 | 940 |\n| 2022 | 201.3 | 19.4 | 1,060 |\n| 2023 | 236.0 | 21.8 | 1,185 |\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("What was Corvane Robotics' revenue in 2022?").text
    assert "201.3" in answer and "168.9" not in answer and "236.0" not in answer


def test_a_month_asked_for_is_not_answered_with_another_months_figure(real_embedder, tmp_path):
    """"How many warnings in February 2024?" quoted "340 written warnings in January 2024"."""
    assistant = _assistant_over({
        "warehouse.md": "---\ntitle: Sparks warehouse workers protest scanner quotas\nprovider: Valley Ledger\ndate: 2024-03-05\n---\n"
                        "Workers at the Sparks warehouse say the handheld scanners time every pick. "
                        "Managers issued 340 written warnings in January 2024 alone, according to the union.\n",
    }, real_embedder, tmp_path)
    assert "340" in assistant.ask("How many written warnings did the Sparks warehouse issue in January 2024?").text
    assert assistant.ask("How many written warnings did the Sparks warehouse issue in February 2024?").abstained


def test_what_someone_said_is_their_words_not_a_sentence_beside_them(real_embedder, tmp_path):
    """"What did Imogen Sato say about the trademark dispute?" quoted the company's statement and
    the dispute, neither said by her."""
    assistant = _assistant_over({
        "recall.md": "---\ntitle: Halvern recalls Nook Mini speakers\nprovider: Gadget Wire\n---\n"
                     "Halvern is recalling its Nook Mini speakers after a muted mode kept recording. "
                     "\"We told our customers the switch was a promise, and we broke it,\" chief executive Imogen Sato said. "
                     "\"We are deleting every clip recorded in muted mode.\"\n\n"
                     "Vessel Home said in a statement that its NookHub uses a different microphone. "
                     "The two companies settled a trademark dispute over the names in 2021.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("What did Imogen Sato say about deleting the recordings?")
    assert "deleting every clip" in answer.text, answer.text
    assert assistant.ask("What did Imogen Sato say about the 2021 trademark dispute with Vessel Home?").abstained


def test_how_old_someone_is_needs_an_age_not_a_year_they_held_a_post_since(real_embedder, tmp_path):
    """"How old is Tamsin Wren?" quoted "deputy director since 2019"."""
    assistant = _assistant_over({
        "profile.md": "---\ntitle: Vaccine scientist Tomasz Wrona moves to Larkspur\nprovider: Lab Notes\n---\n"
                      "Tomasz Wrona, 58, has left Northfield for the Larkspur Institute. "
                      "His successor is Dr. Tamsin Wren, who had been deputy director since 2019.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How old is Tamsin Wren?").abstained
    assert "58" in assistant.ask("How old is Tomasz Wrona?").text


def test_what_someone_said_is_the_quote_after_the_line_that_introduces_them(real_embedder, tmp_path):
    """"What did the editor-in-chief say?" quoted "Dr. Ruth Calloway, the editor-in-chief,
    disagreed." without the words that follow it."""
    assistant = _assistant_over({
        "retraction.md": "---\ntitle: Oat drink study retracted\nprovider: Lab Notes\n---\n"
                         "The authors called the duplicated rows a clerical error. "
                         "Dr. Ruth Calloway, the journal's editor-in-chief, disagreed. "
                         "\"Once the duplicates are removed, there is no effect left to report,\" she said.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("What did the journal's editor-in-chief say about the authors' explanation?")
    assert "no effect left to report" in answer.text, answer.text


def test_a_figure_asked_for_a_place_is_the_one_given_for_that_place(real_embedder, tmp_path):
    """"How many were sold in Canada?" quoted the worldwide sales; "starting pay at the Fargo call
    centre?" quoted the Duluth contract's."""
    assistant = _assistant_over({
        "recall.md": "---\ntitle: Halvern recalls Nook Mini speakers\nprovider: Gadget Wire\n---\n"
                     "Halvern sold roughly 1.6 million smart speakers worldwide in 2022. "
                     "Its shares fell 7 percent on the news.\n\n"
                     "The recall covers about 410,000 units in the United States and 62,000 in Canada.\n",
        "contract.md": "---\ntitle: Duluth call-centre workers win a contract\nprovider: Labor Wire\n---\n"
                       "Brightline's Duluth agents ratified the contract on Monday. "
                       "Starting pay for new agents rises to $21.40 an hour.\n\n"
                       "## The company's other sites\n\n"
                       "Brightline also runs a call centre in Fargo, which is not unionised.\n",
    }, real_embedder, tmp_path)
    assert "62,000" in assistant.ask("How many of the recalled speakers were sold in Canada?").text
    assert "21.40" in assistant.ask("What is the starting hourly pay at Brightline's Duluth call centre?").text
    assert assistant.ask("What is the starting hourly pay at Brightline's Fargo call centre?").abstained


def test_a_figure_given_without_the_place_asked_about_is_no_answer_for_it(real_embedder, tmp_path):
    """"What is the repair cost for Port Ailsa?" quoted "Total estimated cost, excluding Port Ailsa: £4.45 million"."""
    assistant = _assistant_over({
        "storm.md": "---\ntitle: Storm damage across the coast\nprovider: Coast Courier\n---\n"
                    "The council has published its first estimate of the storm damage. "
                    "Kilbrannan's sea wall repairs are put at £1.2 million. "
                    "Total estimated repair cost, excluding Port Ailsa: £4.45 million.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("What is the estimated storm repair cost for Port Ailsa?").abstained
    assert "1.2 million" in assistant.ask("What will Kilbrannan's sea wall repairs cost?").text


def test_a_name_in_the_question_is_no_cue_for_what_kind_of_answer_is_asked():
    """"What time did Lianne Price record?" was read as asking for a price (no sentence held one:
    it abstained); a name's length is kept, so cues around it stay as far apart as written."""
    assert answer_type("What time did Lianne Price record?") == "time"
    assert answer_type("What was Lianne Price's time?") is None
    assert answer_type("How old is Dr Young?") == "age"
    assert answer_type("What is the price of the Lumora Echo?") == "money"
    # "which … accuracy" within a few words asks for a share; a long name keeps it out of reach
    assert answer_type("Which speech scientist questioned MoodLens's accuracy claims?") is None
    assert answer_type("Which Outlet Ran The Piece?") == "source"  # Title Case: no word is taken for a name


def test_what_time_asks_for_a_clock_or_a_race_time(real_embedder, tmp_path):
    """"What time did Callum Reid run?" abstained: "time" was taken for a thing the answer must
    name, and "Callum Reid (Kettleby Town FC) 17:15." names none."""
    assistant = _assistant_over({
        "results.txt": "KETTLEBY LIONS 5K FUN RUN - RESULTS\n\nDate: Sunday 8 October 2023\n"
                       "Venue: Vicarage Park, Kettleby\n\nOwen Tregarthen (Wolds Harriers) 16:42.\n"
                       "Callum Reid (Kettleby Town FC) 17:15.\nLianne Price 23:01 gun time (net chip time 22:36).\n"
                       "The run raised money for the hospice. Entries closed on 1 October.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("What time did Callum Reid run?")
    assert "17:15" in answer.text, answer.text
    assert "22:36" in assistant.ask("What time did Lianne Price record?").text
    assert answer_type("Over what time period was the data collected?") != "time"


def test_how_old_someone_is_is_not_answered_by_a_namesake(real_embedder, tmp_path):
    """"How old was Irene Dunmore when she died?" quoted "Arthur Dunmore … has died at the age of
    91": the same surname, another person's age."""
    assistant = _assistant_over({
        "obituary.md": "---\ntitle: Kettleby goalkeeper Arthur Dunmore dies\nprovider: Kettleby Echo\n---\n"
                       "Arthur Dunmore, who kept goal for Kettleby Town for 15 seasons, has died at the age of 91. "
                       "He is survived by his wife, Irene Dunmore, and two sons. "
                       "The funeral will be held at St Mary's Church on 12 November.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How old was Irene Dunmore when she died?").abstained
    assert "91" in assistant.ask("How old was Arthur Dunmore when he died?").text


def test_a_sentence_opening_with_she_answers_for_the_person_named_before_it(real_embedder, tmp_path):
    """"How many penalty points did Calum Reilly get?" quoted "She was fined £310 … and had six
    penalty points added to her licence", which follows Gemma Pryce's case, not his."""
    assistant = _assistant_over({
        "court.md": "---\ntitle: Magistrates' court roundup\nprovider: Kettleby Echo\n---\n"
                    "Gemma Pryce, 34, of Mill Lane, admitted driving without due care on the A46 in July. "
                    "She was fined £310, ordered to pay £90 costs, and had six penalty points added to her licence.\n\n"
                    "Calum Reilly, 23, of Tanner's Row, admitted driving with excess alcohol on Lowfield Road. "
                    "Reilly was banned from driving for 20 months and fined £640.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("How many penalty points did Calum Reilly get on his licence?")
    assert "six penalty points" not in answer.text, answer.text
    assert "six" in assistant.ask("How many penalty points did Gemma Pryce get?").text


def test_a_company_that_publishes_a_document_and_is_written_about_is_a_subject_not_only_a_source(real_embedder, tmp_path):
    """"Which firm led Lumora's Series A?" read "Lumora's" as the source to read (Lumora published
    its privacy policy), and never looked at the news story that names the investor; "Lumora's
    data protection officer" was taken for a thing called "Lumora's data", a sibling of "EEG data"."""
    assistant = _assistant_over({
        "policy.md": "---\ntitle: Lumora privacy policy\nprovider: Lumora\n---\n"
                     "Lumora Inc. is based at 500 West 2nd Street, Austin, Texas. We collect EEG data only with consent. "
                     "Residents of the EU can contact our EU representative, Lumora Europe Ltd., in Dublin. "
                     "Everyone else can contact our Data Protection Officer, Maya Lindqvist, at privacy@lumora.io. "
                     "If we change how we use mood or EEG data, we will ask for your consent again.\n",
        "funding.md": "---\ntitle: Lumora raises $18 million for mood-sensing earbuds\nprovider: TechCrunch\n---\n"
                      "Lumora, an Austin startup that makes mood-sensing earbuds, has raised an $18 million Series A "
                      "round led by Northgate Ventures. The Echo earbuds will ship in 2026.\n",
    }, real_embedder, tmp_path)
    assert "Northgate Ventures" in assistant.ask("Which firm led Lumora's Series A?").text
    assert "Maya Lindqvist" in assistant.ask("Who is Lumora's data protection officer?").text


def test_why_is_answered_by_the_sentence_that_gives_the_cause_after_one_that_restates_the_question(real_embedder, tmp_path):
    """"Why did Helen Okafor give up building classifiers?" quoted "I used to build facial expression
    classifiers." and stopped there; "I stopped because …" follows it."""
    assistant = _assistant_over({
        "talk.txt": "What the face doesn't say\n\n"
                    "HELEN OKAFOR: Thank you, Rui. I'll start with a confession: I used to build facial expression "
                    "classifiers. I stopped because I couldn't get them to work outside the lab. So in 2022 we started "
                    "a study of 1,200 adults in six countries.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("Why did Helen Okafor give up building facial expression classifiers?")
    assert "outside the lab" in answer.text, answer.text


def test_a_figure_asked_for_a_country_written_in_capitals_needs_a_passage_naming_it(real_embedder, tmp_path):
    """"How many watches were recalled in the UK?" quoted the US figure: "UK" is written in capitals,
    which were not read as a place (and "uk" is in "Ukraine" and "duke")."""
    assistant = _assistant_over({
        "recall.md": "---\ntitle: Verano recalls Solace Band 2 smartwatches\nprovider: U.S. Consumer Product Safety Commission\n---\n"
                     "About 61,500 Solace Band 2 watches were sold in the United States and are being recalled. "
                     "About 8,200 were sold in Canada. The Duke of Ukraine Street store in Boston sold 300.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How many Solace Band 2 watches were recalled in the UK?").abstained
    assert "61,500" in assistant.ask("How many Solace Band 2 watches were recalled in the US?").text


def test_a_short_name_the_document_never_writes_as_a_word_is_another_thing(real_embedder, tmp_path):
    """"How much does the Lumora Echo Pro cost?" quoted the Echo's price: "Pro" was found inside
    "production", so the piece seemed to name it."""
    assistant = _assistant_over({
        "launch.md": "---\ntitle: Lumora unveils the Echo earbuds\nprovider: TechCrunch\n---\n"
                     "The Echo will cost $199 and ships after production starts in Austin. "
                     "Lumora says it has taken 11,000 pre-orders.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How much does the Lumora Echo Pro cost?").abstained
    assert "$199" in assistant.ask("How much does the Lumora Echo cost?").text


def test_an_age_written_against_another_name_in_the_sentence_is_not_the_asked_persons(real_embedder, tmp_path):
    """"How old is Joan Whitfield?" quoted "Mrs Whitfield complained about the care given to her
    husband, Mr Derek Whitfield, aged 74": the sentence names her, but the age is his."""
    assistant = _assistant_over({
        "ruling.md": "---\ntitle: Ombudsman upholds complaint about sepsis care\nprovider: Health Ombudsman\n---\n"
                     "The complainant is Mrs Joan Whitfield of Hexworth.\n\n"
                     "Mrs Whitfield complained about the care given to her husband, Mr Derek Whitfield, aged 74, when he "
                     "attended the emergency department in March 2023. The trust took eleven months to reply to her complaint.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How old is Joan Whitfield?").abstained
    assert "74" in assistant.ask("How old was Derek Whitfield?").text


def test_how_old_is_someones_husband_asks_his_age_not_hers(real_embedder, tmp_path):
    """"How old is Rosalind Pemberton's husband Geoffrey Lam?" quoted "Dr Rosalind Pemberton … has
    died at the age of 83": the name after "how old is" was taken for the one whose age is asked."""
    assistant = _assistant_over({
        "obituary.md": "---\ntitle: Curator Rosalind Pemberton dies\nprovider: Harwick Courier\n---\n"
                       "Dr Rosalind Pemberton, who was curator of scientific instruments from 1978 to 2009, has died at "
                       "the age of 83. She is survived by her husband, Geoffrey Lam, and their daughter.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How old is Rosalind Pemberton's husband Geoffrey Lam?").abstained
    assert assistant.ask("How old is Rosalind Pemberton's husband?").abstained
    assert "83" in assistant.ask("How old was Rosalind Pemberton when she died?").text


def test_a_bare_yes_answers_only_a_yes_no_question(real_embedder, tmp_path):
    """"Who is entitled to free parking?" was answered "Yes [1]." — an FAQ's reply to the question
    before it, which carries that question's words but answers nothing else."""
    assistant = _assistant_over({
        "parking.md": "---\ntitle: Car parking at our hospitals\nprovider: Hexworth Hospitals Trust\n---\n"
                      "Is parking free at Thornby Community Hospital?\n\nYes. Parking at Thornby Community Hospital "
                      "is free for everyone.\n\nWho can park for free at the main hospitals?\n\n"
                      "Blue badge holders park free in any disabled bay.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("Who is entitled to free parking at the hospitals?")
    assert not answer.text.startswith("Yes"), answer.text
    assert assistant.ask("Is parking free at Thornby Community Hospital?").text.startswith("Yes")


def test_which_x_is_not_answered_by_a_sentence_that_says_there_was_one(real_embedder, tmp_path):
    """"Which motor insurer used Pulso?" quoted "… three clients: a motor insurer, an energy retailer
    …"; "which MP attended?" quoted "attended by … the local MP"; "the name of her partner" quoted
    "lives … with her partner": each says there was one, not which. A name set beside the noun
    ("the energy retailer Energía Levante", "car No. 14, a double-deck tram") answers."""
    assistant = _assistant_over({
        "fine.md": "---\ntitle: VozMetric fined over Pulso call analysis\nprovider: Data Watch\n---\n"
                   "Pulso processed calls on behalf of three clients: a motor insurer, an energy retailer and a mobile-phone "
                   "operator. The resolution names only the Valencia-based energy retailer Energía Levante.\n\n"
                   "A ground-breaking ceremony for the new Pulso office was attended by staff and the local MP. "
                   "A spokesperson for the firm, Carla Denning, said the office would open in May.\n",
        "profile.md": "---\ntitle: The founders of Winceware\nprovider: Kelbridge Post\n---\n"
                      "Maren Oakes founded Winceware in 2019. She lives in Kelbridge with her partner and their two dogs. "
                      "In her spare time she restores old trams at the museum, where she has spent six years on car No. 14, "
                      "a double-deck tram built in 1931.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("Which motor insurer used VozMetric's Pulso software?").abstained
    assert assistant.ask("Which MP attended the ground-breaking ceremony for the Pulso office?").abstained
    assert assistant.ask("What is the name of Maren Oakes's partner?").abstained
    assert "Energía Levante" in assistant.ask("Which energy retailer used Pulso?").text
    assert "No. 14" in assistant.ask("Which tram has Maren Oakes been restoring at the museum?").text
    assert "Carla Denning" in assistant.ask("Which spokesperson said the Pulso office would open in May?").text


def test_this_season_is_not_answered_by_last_seasons_figure(real_embedder, tmp_path):
    """"How many goals has Kieran Doyle scored this season?" quoted "Doyle scored nine goals for
    Rovers last season": a period told from now ("this season", "last year") asked is another one
    than the sentence's own."""
    assistant = _assistant_over({
        "signing.md": "---\ntitle: Kettleby Town sign Kieran Doyle\nprovider: Kettleby Advertiser\n---\n"
                      "Kettleby Town have signed striker Kieran Doyle from Hollinsford Rovers. "
                      "Doyle, 24, scored nine goals for Rovers last season and was named their player of the year.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How many goals has Kieran Doyle scored for Hollinsford Rovers this season?").abstained
    assert "nine goals" in assistant.ask("How many goals did Kieran Doyle score for Rovers last season?").text


def test_an_email_header_answers_only_questions_about_the_message(real_embedder, tmp_path):
    """"On what date will the planning committee consider the barn?" quoted an email's header
    ("From: … To: … Date: 2 August 2024 …"): the day a message was sent dates nothing it tells."""
    assistant = _assistant_over({
        "emails.txt": "Subject: Objection - livestock building, Crag End Farm\n\n"
                      "From: Priya Lambert\nTo: Neil Stott, Planning Officer\nDate: 2 August 2024, 21:14\n"
                      "Subject: Objection - livestock building, Crag End Farm\n\n"
                      "Dear Mr Stott,\n\nI wish to object to the livestock building at Crag End Farm because it blocks the view.\n\n"
                      "Yours sincerely,\nPriya Lambert\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("On what date will the planning committee consider the Crag End livestock building?")
    assert answer.abstained, answer.text
    assert "2 August 2024" in assistant.ask("When did Priya Lambert email the planning officer?").text


def test_an_age_is_a_persons_years_not_a_span_of_their_working_life(real_embedder, tmp_path):
    """"How old was Desmond Okafor when he retrained?" quoted "He spent his first 24 years on
    buses" (a span of his career, no age); "how old is Maren Oakes?" missed "She is 38"."""
    assistant = _assistant_over({
        "profile.md": "---\ntitle: Forty years behind the wheel\nprovider: Harrowmere Gazette\n---\n"
                      "Desmond Okafor joined the corporation in 1975. He spent his first 24 years on buses, most of them "
                      "on Route 7.\n\nMaren Oakes runs Winceware from Kelbridge. She is 38 and lives with her partner.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How old was Desmond Okafor when he retrained to drive trams?").abstained
    assert "38" in assistant.ask("How old is Maren Oakes?").text


def test_a_turnover_is_money_and_a_financial_year_writes_the_year_it_ends_in(real_embedder, tmp_path):
    """"What was the co-operative's turnover for the year to March 2024?" quoted the caption
    ("Turnover, surplus … for the year ended 31 March 2024"), not the row "Turnover: 2023-24 £4,820,000":
    a turnover was asked as no sum of money, and "2023-24" did not write 2024."""
    assistant = _assistant_over({
        "accounts.md": "---\ntitle: Co-op annual accounts summary\nprovider: Thornbeck Farmers Co-operative\n---\n"
                       "Turnover, surplus and fund balances for the year ended 31 March 2024, as presented to the members.\n\n"
                       "| Item | 2023-24 | 2022-23 |\n|---|---|---|\n| Turnover | £4,820,000 | £4,547,000 |\n"
                       "| Operating surplus | £212,000 | £236,000 |\n",
    }, real_embedder, tmp_path)
    assert "£4,820,000" in assistant.ask("What was the co-operative's turnover for the year to March 2024?").text


def test_a_pay_rise_is_asked_as_a_share_not_a_sum(real_embedder, tmp_path):
    """"What pay increase did management put on the table?" was read as asking a sum of money
    ("what … pay"), and "an offer of 4.5% on basic pay" holds none: it abstained."""
    assistant = _assistant_over({
        "dispute.md": "---\ntitle: Bus drivers' pay dispute\nprovider: Harrowmere Gazette\n---\n"
                      "Management restated its offer of 4.5% on basic pay from 1 October 2023. "
                      "The union restated its claim of 9%, citing inflation.\n",
    }, real_embedder, tmp_path)
    assert "4.5%" in assistant.ask("What pay increase did management initially put on the table for drivers in 2023?").text


def test_who_came_first_is_answered_by_a_results_line(real_embedder, tmp_path):
    """"Who came first in the open sheepdog trial?" abstained over "1st: Ifor Pryce with Nell":
    no sentence says "came", and the one that names the winner says it by its place."""
    assistant = _assistant_over({
        "results.txt": "THORNBECK SHOW - OFFICIAL RESULTS 2024\n\nSHEEPDOG TRIAL\n\nOpen trial (52 runs)\n"
                       "1st: Ifor Pryce with \"Nell\" - 94 points\n2nd: Dewi Armitage with \"Moss\" - 91 points\n\n"
                       "The trial was held on the top field in light rain.\n",
    }, real_embedder, tmp_path)
    assert "Ifor Pryce" in assistant.ask("Who came first in the open sheepdog trial?").text


def test_a_readers_signed_question_is_asked_and_the_reply_answers(real_embedder, tmp_path):
    """"What did the vet think the red patch was?" quoted the reader's letter ("Is that from them? -
    Sally Hebblethwaite, Low Garth"): a question mark before a signature still asks."""
    assistant = _assistant_over({
        "vet.md": "---\ntitle: Ask the vet\nprovider: Dale Farmer\n---\n"
                  "**Q: My son has a round red patch on his arm after helping with the calves. Is that from them? "
                  "- Sally Hebblethwaite, Low Garth**\n\n"
                  "A: It sounds very like ringworm, which is a fungus, not a worm, and it passes easily from calves to people.\n",
    }, real_embedder, tmp_path)
    assert "ringworm" in assistant.ask("What did the vet think the red patch on the boy's arm was?").text


def test_a_year_naming_an_edition_dates_nothing_else(real_embedder, tmp_path):
    """"In what year did the Wynmouth clinic open?" quoted "Opening times, the 2024 price list …":
    a year between "the" and a noun says which price list, not when anything happened."""
    assistant = _assistant_over({
        "faq.md": "---\ntitle: Calder Vale Clinics FAQ\nprovider: Calder Vale Clinics\n---\n"
                  "Opening times, the 2024 price list and answers to common questions for our Brackenford and "
                  "Wynmouth clinics.\n\nThe Wynmouth clinic has a car park with twelve spaces.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("In what year did the Wynmouth clinic open?").abstained
    assert "2024" in assistant.ask("Which year's price list does the Calder Vale FAQ give?").text


def test_the_names_of_someones_children_are_not_their_number(real_embedder, tmp_path):
    """"What are the names of Denise Okafor's children?" quoted "… their two teenage children":
    the plural "what are the names of" asks for names as "what is the name of" does."""
    assistant = _assistant_over({
        "profile.md": "---\ntitle: Meet the manager, Denise Okafor\nprovider: Tidewell News\n---\n"
                      "Denise Okafor runs the Harbour Mill contact centre. She lives in Penhallow with her husband, Femi, "
                      "a harbour pilot, and their two teenage children.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("What are the names of Denise Okafor's children?").abstained
    assert "Femi" in assistant.ask("What is the name of Denise Okafor's husband?").text


def test_what_a_firm_charges_is_a_sum_of_money(real_embedder, tmp_path):
    """"What did Brightwell Sensing charge for each camera unit?" quoted "The system is made by
    Brightwell Sensing Ltd, a company based in Tarrow Quay": a charge was asked as no sum."""
    assistant = _assistant_over({
        "trial.md": "---\ntitle: Library ends camera trial\nprovider: Calderwood Courier\n---\n"
                    "The system, called Engage360, is made by Brightwell Sensing Ltd, a company based in Tarrow Quay. "
                    "Brightwell Sensing charges for each individual camera unit it installs, and it installed sixteen units "
                    "in two reading rooms.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("What did Brightwell Sensing charge for each individual camera unit?").abstained


def test_a_figure_the_sentence_sets_at_another_place_is_that_places(real_embedder, tmp_path):
    """"How many desks are there at Harbour Mill?" quoted "… an overflow site at Penhallow Business
    Park, which … has 90 desks": the passage names Harbour Mill, the sentence another site."""
    assistant = _assistant_over({
        "rollout.md": "---\ntitle: Tidewell buys voice analytics\nprovider: Penhallow Gazette\n---\n"
                      "Tidewell's main contact centre is at Harbour Mill on the quay. "
                      "The company also has a smaller overflow site at Penhallow Business Park, which opened in 2021 "
                      "and has 90 desks.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How many desks are there at Harbour Mill?").abstained
    assert "90 desks" in assistant.ask("How many desks are there at Penhallow Business Park?").text


def test_who_was_the_x_is_not_answered_by_a_sentence_that_says_there_was_one(real_embedder, tmp_path):
    """"Who was the telephone bidder who lost the Marbury Hours?" quoted "Margaret Voss … bids in the
    room against a telephone bidder": a name is asked, and the bidder has none."""
    assistant = _assistant_over({
        "acquisition.md": "---\ntitle: How the library bought the Marbury Hours\nprovider: Calderwood Library\n---\n"
                          "At the auction in London, Margaret Voss, Keeper of Manuscripts, bids in the room against a "
                          "telephone bidder. The hammer falls at £412,000.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("Who was the telephone bidder who lost the Marbury Hours at auction?").abstained
    assert "Margaret Voss" in assistant.ask("Who bid for the library at the Marbury Hours auction?").text


def test_a_span_of_years_ends_in_the_next_century_when_its_end_is_smaller():
    """"2023-24" writes 2024 (a financial year); "1999/00" ends in 2000, not 1900."""
    from rag.generation.templated import span_ends

    assert span_ends("Turnover: 2023-24 £4,820,000; 2022-23 £4,547,000") == {"2024", "2023"}
    assert span_ends("the 1999/00 season") == {"2000"}
    assert span_ends("call 2023-24-55") == set()


def test_a_share_is_a_figure_not_the_word_percentage(real_embedder, tmp_path):
    """"By what percentage did ferry fares go up?" chose "everything rose by the same percentage in
    April" (no figure) over "Fare change: all fares rose by 3.5% …", and then found no figure."""
    assistant = _assistant_over({
        "forum.md": "---\ntitle: Skarra noticeboard\n---\nOn the ferry fares, to be fair, everything went up by the same percentage "
                    "in April. The cafe on the pier has reopened.\n",
        "fares.txt": "SKARRA FERRY COMPANY - SUMMER TIMETABLE 2025\n\nFare change: all fares rose by 3.5% from 1 April 2025.\n\n"
                     "Adult single: £8.40\n",
    }, real_embedder, tmp_path)
    assert "3.5%" in assistant.ask("By what percentage did ferry fares go up in April 2025?").text


def test_a_sentence_about_his_sister_answers_for_her_not_for_another_pupil(real_embedder, tmp_path):
    """"How many grade 9s did Amira Shah get?" quoted "His twin sister, Anjali, achieved eight
    grade 9s": a sentence that opens with someone's relative by name is about that relative."""
    assistant = _assistant_over({
        "results.md": "---\ntitle: GCSE results day at Marlowe Heath\nprovider: Westmere Echo\n---\n"
                      "Among the top performers was Ravi Mendes, 16, who wants to study physics. He plans to stay on "
                      "at the sixth form. His twin sister, Anjali, achieved eight grade 9s and two grade 8s. "
                      "Amira Shah, head girl, gave a speech at the prize evening.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("How many grade 9s did Amira Shah get in her GCSEs?").abstained
    assert "eight grade 9s" in assistant.ask("How many grade 9s did Anjali Mendes get?").text


def test_a_sentence_that_opens_with_another_persons_name_is_theirs(real_embedder, tmp_path):
    """"Where was Imogen Pellow born?" quoted "Dorothy Ann Tremlow was born in Dunmere": a sentence
    that opens with another full name and never names the person is that other person's; the same
    given name under a maiden name is hers."""
    assistant = _assistant_over({
        "obituary.md": "---\ntitle: Dorothy Pellow, co-founder of Kestrel Vale Brewing, dies at 78\nprovider: Ashcombe Gazette\n---\n"
                       "Dorothy Ann Tremlow was born in Dunmere in 1945, the youngest of four children of a cooper. "
                       "She married Frank Pellow in 1968 and taught chemistry for thirty years. "
                       "Her daughter-in-law Imogen Pellow became the brewery's head brewer in 2015.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("Where was Imogen Pellow born?").abstained
    assert "Dunmere" in assistant.ask("Where was Dorothy Pellow born?").text


def test_who_led_is_answered_by_the_lead_named(real_embedder, tmp_path):
    """"Who led the inspection team?" quoted the sentence on the team's visit and left out "Lead
    inspector: Ruth Denholm": the stemmer does not make "led" "lead"."""
    assistant = _assistant_over({
        "report.txt": "INSPECTION REPORT: MARLOWE HEATH SCHOOL\n\nThe inspection team visited Marlowe Heath School in November "
                      "2023 and praised behaviour in lessons. Team inspectors Alan Varga and Sunita Rowe observed 40 lessons.\n\n"
                      "Lead inspector: Ruth Denholm\n",
    }, real_embedder, tmp_path)
    assert "Ruth Denholm" in assistant.ask("Who led the inspection team that visited Marlowe Heath in November 2023?").text


def test_a_one_word_reply_is_quoted_with_the_sentence_that_says_what_it_means(real_embedder, tmp_path):
    """"Is Daniel Archer related to Gwendolyn Archer?" quoted "Constantly." alone, the reply to
    "Does that cause confusion?": the sentence after it says what is meant."""
    assistant = _assistant_over({
        "interview.md": "---\ntitle: Gwendolyn Archer on leaving Marlowe Heath\nprovider: Westmere Echo\n---\n"
                        "Q: What was your motto?\nA: Be on time, be kind, finish what you start.\n\n"
                        "Q: Your deputy, Daniel Archer, shares your surname. Does that cause confusion?\n"
                        "A: Constantly. We are not related, not even distantly, although parents regularly email me about "
                        "his assemblies. He will be acting head from the summer term.\n",
    }, real_embedder, tmp_path)
    assert "not related" in assistant.ask("Is the deputy head Daniel Archer related to the head teacher Gwendolyn Archer?").text


def test_where_someone_died_is_a_place(real_embedder, tmp_path):
    """"In which place did Kestrel Vale's co-founder die?" quoted the summary's "… has died aged
    78": where someone died (or in which place) asks for a place, which the next sentence names."""
    assistant = _assistant_over({
        "obituary.md": "---\ntitle: Dorothy Pellow, brewer, dies at 78\nprovider: Ashcombe Gazette\nexcerpt: The co-founder of "
                       "Kestrel Vale Brewing, who started brewing after retiring from the classroom, has died aged 78.\n---\n"
                       "Dorothy Pellow, who co-founded Kestrel Vale Brewing Co. at the age of 66 and turned a disused dairy on "
                       "Quarry Lane into one of the best-known small breweries in the region, has died at her home in Saltcote. "
                       "She was 78.\n",
    }, real_embedder, tmp_path)
    for question in ("In which place did Kestrel Vale's co-founder die?", "Where did Kestrel Vale's co-founder die?"):
        assert "Saltcote" in assistant.ask(question).text


def test_a_time_the_sentence_sets_at_another_place_is_that_places(real_embedder, tmp_path):
    """"What time does the 47A arrive at the stop outside Fennimore Lane Academy?" quoted "… the
    stop outside Marlowe Heath School at 08:19": a time, like a figure, belongs to the place the
    sentence sets it at."""
    assistant = _assistant_over({
        "forum.md": "---\ntitle: New 47A bus route from September\nprovider: Westmere Parents Forum\n---\n"
                    "From September the 47A will run through Cresswick instead of Pelham Cross. The 47A will reach the Quarry "
                    "Road stop outside Marlowe Heath School at 08:19. Fennimore Lane Academy pupils can take the 12 from the "
                    "station.\n",
    }, real_embedder, tmp_path)
    assert assistant.ask("What time does the 47A bus arrive at the stop outside Fennimore Lane Academy in the morning?").abstained
    assert "08:19" in assistant.ask("What time does the 47A bus arrive at the stop outside Marlowe Heath School in the morning?").text


def test_she_is_read_with_the_sentence_that_says_who_she_is(real_embedder, tmp_path):
    """"Where is Ravi Mendes's twin sister going to study?" refused "She is moving to Castlemere
    College": the question's words are in the sentence before, which says who "she" is."""
    assistant = _assistant_over({
        "results.md": "---\ntitle: GCSE results day at Marlowe Heath\nprovider: Westmere Echo\n---\n"
                      "Among the top performers was Ravi Mendes, 16, who collected ten grade 9s. He plans to stay on at the "
                      "school's sixth form to study maths and physics. His twin sister, Anjali, achieved eight grade 9s and two "
                      "grade 8s. She is moving to Castlemere College in September to take a diploma in engineering.\n",
    }, real_embedder, tmp_path)
    answer = assistant.ask("Where is Ravi Mendes's twin sister going to study after her GCSEs?")
    assert "Castlemere College" in answer.text and "twin sister, Anjali" in answer.text
