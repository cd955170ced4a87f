"""The assistant end to end on the shipped corpus: grounded answers, honest abstention, follow-ups."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rag.assistant import Assistant, is_follow_up, resolve
from rag.generation.base import Turn
from rag.types import Answer


@pytest.fixture(scope="module")
def assistant(seeds_index):
    return Assistant(seeds_index)


def test_answers_with_a_citation_of_the_right_document(assistant):
    answer = assistant.ask("Which news site called emotion-reading face AI a total scam?")
    assert not answer.abstained
    assert "The Next Web" in answer.text
    assert answer.citations and answer.citations[0].chunk.doc_id == "002_4c3417b0c4697e7c"
    assert "[1]" in answer.text and answer.citations[0].n == 1
    assert set(answer.timings_ms) == {"retrieve", "generate", "total"}


def test_json_shape_is_the_contract(assistant):
    data = assistant.ask("What ethical problems does gathering emotion data raise?").to_json()
    assert list(data) == ["question", "answer", "abstained", "citations", "timings_ms"]
    assert data["citations"] and set(data["citations"][0]) == {"n", "doc_id", "chunk_id", "title", "url", "quote"}
    assert data["citations"][0]["url"].startswith("https://www.youtube.com/watch?v=bmjamLZ3v8A&t=")  # the timestamp


def test_abstains_on_an_off_topic_question(assistant):
    answer = assistant.ask("What is the boiling point of mercury?")
    assert answer.abstained and answer.citations == () and "does not answer" in answer.text


def test_abstains_on_a_near_miss_that_shares_words_with_the_corpus(assistant):
    # The corpus says a writer likes Arsenal FC; nothing about the club's matches.
    answer = assistant.ask("How many goals did Arsenal FC score in the Premier League this season?")
    assert answer.abstained and answer.citations == ()


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("and who reported it?", True),
        ("When was that published?", True),
        ("What about the date?", True),
        ("Which magazine wrote about facial recognition for seals?", False),
        ("Why is it that facial recognition software misreads emotions of people?", False),
    ],
)
def test_follow_up_detection(question, follow_up):
    assert is_follow_up(question) is follow_up


def test_a_follow_up_is_resolved_against_the_previous_turn():
    previous = Turn("Which company is backing off facial recognition?", Answer("q", "a", False))
    assert resolve("and who reported it?", [previous]) == "and who reported it? (Which company is backing off facial recognition?)"
    assert resolve("Who makes CompreFace?", [previous]) == "Who makes CompreFace?"
    assert resolve("and who reported it?", []) == "and who reported it?"


def test_conversation_answers_a_follow_up_from_the_same_source(assistant):
    chat = assistant.conversation()
    first = chat.ask("Which company is pulling back from facial recognition analysis?")
    assert "Microsoft" in first.text
    second = chat.ask("and who reported it?")
    assert not second.abstained and "Computerworld" in second.text
    assert second.question == "and who reported it?"
    assert len(chat.turns) == 2


def test_stream_yields_the_text_of_the_final_answer(assistant):
    stream = assistant.stream("What did researchers find about facial movements and emotions?")
    pieces = list(stream)
    assert "".join(pieces).strip() == stream.answer.text and not stream.answer.abstained


def test_cli_ask_json_and_bad_input(seeds_index, tmp_path):
    env_index = ["--index", str(seeds_index.path)]
    done = subprocess.run(
        [sys.executable, "-m", "rag", "ask", "--json", *env_index, "What is the tallest mountain in Africa?"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["abstained"] is True and data["citations"] == []
    bad = subprocess.run([sys.executable, "-m", "rag", "ask", *env_index, "   "], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    bad = subprocess.run([sys.executable, "-m", "rag", "ask", "--generator", "nope", "hi"], capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "choose one of templated" in bad.stderr


def test_a_follow_up_about_it_is_answered_from_the_document_just_cited(assistant):
    chat = assistant.conversation()
    first = chat.ask("What did researchers discover about the facial movements people use for emotions?")
    assert first.citations and first.citations[0].chunk.doc_id.startswith("000")
    second = chat.ask("and who published it?")
    assert "The Next Web" in second.text and second.citations[0].chunk.doc_id.startswith("000")


def test_a_follow_up_to_an_unanswered_question_still_abstains(assistant):
    chat = assistant.conversation()
    assert chat.ask("What is the melting point of tungsten?").abstained
    assert chat.ask("and who published it?").abstained


def test_padded_or_very_long_questions_are_answered_without_error(assistant):
    assert not assistant.ask("  Which magazine wrote about   facial recognition for seals?  ").abstained
    long_question = "why do people call facial emotion recognition a scam " * 60  # past the model's 256 tokens
    assert isinstance(assistant.ask(long_question).abstained, bool)


@pytest.mark.parametrize("question", ["who published it?", "and when was it written?", "and when?"])
def test_a_first_question_that_only_points_back_says_there_is_nothing_to_follow(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.citations == () and "no earlier answer" in answer.text


def test_a_pronoun_in_a_question_that_says_what_it_is_about_is_no_follow_up(assistant):
    answer = assistant.ask("Who published the piece that calls facial expression recognition a scam, and when was it out?")
    assert not answer.abstained and "The Next Web" in answer.text
    chat = assistant.conversation()
    chat.ask("Which outlet called facial expression recognition a scam?")
    assert not chat.ask("who published it?").abstained
