"""Generators: the registry, the answer templates, and the templated (extractive) generator."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from rag.errors import QueryError
from rag.generation import GENERATORS, make_generator
from rag.generation.base import answer_text, render
from rag.generation.templated import TemplatedGenerator, answer_type, focus_term


def test_answer_template_puts_each_marker_before_the_full_stop():
    sentences = [{"body": "The piece ran in The Next Web", "end": ".", "n": 2}, {"body": "It says so", "end": ".", "n": 1}]
    assert render("answer.j2", question="q", sentences=sentences) == "The piece ran in The Next Web [2]. It says so [1]."


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
        ("How many people signed it?", "number"),
        ("Why do models struggle with mixed emotions?", None),
    ],
)
def test_answer_type_cues(question, kind):
    assert answer_type(question) == kind


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
