"""Misspelled names read as the corpus writes them; English words and unknown names left alone."""

from __future__ import annotations

import pytest

from rag.assistant import Assistant
from rag.spelling import Fix, Speller, english_words

CORPUS = [
    "Exadel announced updates to CompreFace, an open source face recognition application.",
    "WANdisco, the data activation company, was a finalist. WANdisco's partners were pleased.",
    "The engineer Marta Kovač was born in Split. Austria and Hallstatt were on the tour.",
]


@pytest.fixture(scope="module")
def speller():
    return Speller.of(CORPUS)


@pytest.mark.parametrize(
    "question, fixed",
    [
        ("Which company updated CompreFase?", "Which company updated CompreFace?"),
        ("How does WANdiscoo describe itself?", "How does WANdisco describe itself?"),
        ("What did Wandsico's partners say?", "What did WANdisco's partners say?"),  # two letters swapped, possessive kept
        ("Where was Marta Kovac born?", "Where was Marta Kovač born?"),
    ],
)
def test_a_name_a_letter_off_the_corpus_is_read_as_the_corpus_writes_it(speller, question, fixed):
    assert speller.correct(question)[0] == fixed


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",  # an English word the corpus lacks, near its "Austria"
        "Who founded Exadel?",  # written as the corpus writes it
        "What did Lisa Brandt say about CompreFace?",  # a name near no corpus name
        "Which company updated comprefase?",  # not written as a name
        "Is Kova in the corpus?",  # too short to correct
    ],
)
def test_english_words_corpus_words_and_unknown_names_stay(speller, question):
    assert speller.correct(question) == (question, [])


@pytest.mark.parametrize(
    "question",
    [
        "Who is Richard Branson?",  # "Brandon" is a letter off, but the corpus has no Richard Brandon
        "What does https://www.example.org/CompreFase say?",  # a url
        "Is `CompreFase.init()` documented?",  # code
        'What does the name "CompreFase" mean?',  # the user's own spelling, quoted
    ],
)
def test_a_full_name_the_corpus_lacks_and_words_in_urls_code_or_quotes_stay(question):
    speller = Speller.of(["Brandon Mandel founded Tarrow Foods.", *CORPUS])
    assert speller.correct(question) == (question, [])
    assert speller.correct("What did Brandon Mandle say?")[0] == "What did Brandon Mandel say?"  # beside a name it has


def test_a_name_with_a_rival_one_edit_further_is_not_guessed():
    speller = Speller.of(["Veltra and Vextra both sell sensors."])
    assert speller.correct("What does Velxra sell?")[1] == []  # Veltra 1 edit away, Vextra 2
    alone = Speller.of(["Veltra and Quorum both sell sensors."])
    assert alone.correct("What does Velxra sell?")[1] == [Fix("Velxra", "Veltra")]


def test_two_names_as_close_and_as_common_are_not_guessed_between():
    speller = Speller.of(["Halvorsen met Halvorson.", "Halvorsen and Halvorson spoke."])
    assert speller.correct("Who is Halvorsan?") == ("Who is Halvorsan?", [])
    lopsided = Speller.of(["Halvorsen met Halvorson."] + ["Halvorsen spoke."] * 5)
    assert lopsided.correct("Who is Halvorsan?")[1] == [Fix("Halvorsan", "Halvorsen")]


def test_the_dictionary_is_the_packaged_vocabulary():
    words = english_words()
    assert {"australia", "pride", "bank"} <= words and "comprefase" not in words


def test_the_assistant_answers_a_misspelled_name_and_says_how_it_read_it(seeds_index):
    assistant = Assistant(seeds_index)
    answer = assistant.ask("Which company announced updates to CompreFase?")
    assert answer.text.startswith("Reading “CompreFase” as “CompreFace”.")
    assert not answer.abstained and "Exadel" in answer.text
    assert answer.question == "Which company announced updates to CompreFase?"  # the user's words kept
    stream = assistant.stream("Which company announced updates to CompreFase?")
    assert "".join(stream) == stream.answer.text
    unknown = assistant.ask("What is the capital of Australia?")
    assert unknown.abstained and not unknown.text.startswith("Reading")
    unanswered = assistant.ask("What is CompreFase's share price?")  # read, but nothing found: no note
    assert unanswered.abstained and not unanswered.text.startswith("Reading")
