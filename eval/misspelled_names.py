"""Answers to questions whose names are misspelled, with and without reading them as the corpus writes them.

    .venv/bin/python eval/misspelled_names.py [--dataset eval/questions.jsonl] [--index indexes/default] [--split tune]

Each answerable question that writes a name (a capitalized word past the first that is no English
word, rag.spelling) is asked with that name's two middle letters swapped ("CompreFace" →
"CompreaFce"), once with the speller and once without; the answers are judged as `rag eval` judges
them (rag.answer_eval.judge), the "Reading … as …" line left out.
"""

from __future__ import annotations

import argparse
import dataclasses
import re

from rag.answer_eval import judge, load_questions
from rag.assistant import Assistant
from rag.errors import run_script
from rag.index import Index, default_paths
from rag.spelling import Speller, english_words

_NAME = re.compile(r"(?<=\s)[A-Z][A-Za-z]{4,}\b")


def misspelled(question: str) -> str | None:
    """The question with its first name's two middle letters swapped; None if it writes no name."""
    for match in _NAME.finditer(question):
        name = match.group()
        middle = len(name) // 2
        swapped = name[:middle] + name[middle + 1] + name[middle] + name[middle + 2 :]
        if name.lower() not in english_words() and swapped != name:
            return question[: match.start()] + swapped + question[match.end() :]
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="eval/questions.jsonl")
    parser.add_argument("--index", default=None)
    parser.add_argument("--split", default="tune", help="only this split ('' for all)")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    corpus, default_index = default_paths()
    assistant = Assistant(Index.open_or_build(args.index or default_index, corpus))
    rows = [r for r in load_questions(args.dataset) if r["answerable"] and (not args.split or r.get("split", args.split) == args.split)]
    asked = [(r, q) for r in rows if (q := misspelled(r["question"]))]
    right = {"with the speller": 0, "without": 0}
    for row, question in asked:
        for setting in right:
            assistant._speller = None if setting == "with the speller" else Speller.of([], english=frozenset())
            answer = assistant.ask(question)
            text = answer.text.split("\n\n", 1)[1] if answer.text.startswith("Reading “") else answer.text
            correct = judge(row, dataclasses.replace(answer, text=text))["correct"]
            right[setting] += correct
            if args.show and setting == "with the speller":
                print(f"{'ok ' if correct else '-- '} {question}")
    print(f"{len(asked)} misspelled questions; answered right: " + ", ".join(f"{k} {v}" for k, v in right.items()))


if __name__ == "__main__":
    run_script(main)
