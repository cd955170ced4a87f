"""Calibrate the templated generator's abstention threshold (ANSWER_MIN) on the tune half only.

For each tune question: the confidence of the sentences the generator would choose, and whether
the question is answerable. Prints them sorted, and the threshold that classifies the most tune
questions right (ties: the midpoint of the widest gap). The test half is never read here.

    .venv/bin/python eval/tune_templated.py [--index /tmp/me/idx]
"""

from __future__ import annotations

import argparse

from rag.answer_eval import load_questions
from rag.generation.templated import TemplatedGenerator
from rag.index import Index
from rag.retrieval import Retriever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="indexes/default")
    parser.add_argument("--dataset", default="eval/questions.jsonl")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    index = Index.open(args.index)
    retriever, generator = Retriever(index), TemplatedGenerator(index)
    points = []  # (confidence, answerable, typed)
    for row in load_questions(args.dataset):
        if row["split"] != "tune":
            continue
        selection = generator.select(row["question"], retriever.search(row["question"], k=args.k))
        conf = selection.evidence
        points.append((conf, bool(row["answerable"]), row["question"]))
    points.sort()
    for conf, answerable, question in points:
        print(f"{conf:.3f} {'answerable  ' if answerable else 'unanswerable'} {question}")
    cuts = sorted({c for c, _, _ in points})
    candidates = [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
    def right(t):
        return sum((c >= t) == answerable for c, answerable, _ in points)
    gap = {t: min(abs(t - c) for c, _, _ in points) for t in candidates}
    best = max(candidates, key=lambda t: (right(t), gap[t]))
    print(f"ANSWER_MIN = {best:.3f}: {right(best)}/{len(points)} tune questions right")


if __name__ == "__main__":
    main()
