"""Fit the templated generator on the tune split only: selection weights, then ANSWER_MIN.

For each tune question (its retrieved passages fixed), the generator's answer (ignoring the
threshold) is checked as eval/run_answers.py checks it: it passes the citation check, contains the
gold phrase and cites a gold document. Each question also gets the generator's evidence (its
confidence, or 0 when a hard check fails). Then:

  --grid   tries the sentence-selection weights (W_SEMANTIC, W_CONTEXT, W_COVERAGE) and the
           confidence weights (C_COVERAGE, C_RELATION) on a small grid and prints, for each, the
           threshold that gets the most tune questions right and the gap around it;
  default  prints the evidence of every tune question, sorted, and the best ANSWER_MIN for the
           weights in rag/generation/templated.py (most questions right; ties: widest gap).

The test split is never read here.

    .venv/bin/python eval/tune_templated.py [--index /tmp/me/idx] [--grid]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass

import rag.generation.templated as templated
from rag.answer_eval import contains_phrase, load_questions
from rag.citations import CitationCheck, SentenceVectors, query_embedder
from rag.errors import run_script
from rag.index import Index
from rag.retrieval import Retriever


def outcomes(generator, vectors, rows, hits) -> list[tuple[float, bool, bool, str]]:
    """(evidence, answerable, answered right if it answers, question) per tune question."""
    out = []
    for row in rows:
        passages = hits[row["id"]]
        selection = generator.select(row["question"], passages)
        right = False
        if row["answerable"] and selection.chosen:
            text = templated.render_answer(row["question"], selection, passages)
            check = CitationCheck(passages, vectors)
            checked = "".join([*check.feed(text), *check.finish()])
            right = contains_phrase(checked, row["answer_contains"]) and any(
                c.chunk.doc_id in row["doc_ids"] for c in check.citations
            )
        out.append((selection.evidence, bool(row["answerable"]), right, row["question"]))
    return out


def best_threshold(points) -> tuple[float, int, float]:
    """(threshold, questions right, gap between the nearest evidences on either side)."""
    cuts = sorted({e for e, *_ in points})
    candidates = [(a + b) / 2 for a, b in zip(cuts, cuts[1:])] or [0.5]

    def right(t):
        return sum((e >= t and ok) if answerable else e < t for e, answerable, ok, _ in points)

    def gap(t):
        below = [e for e, *_ in points if e < t]
        above = [e for e, *_ in points if e >= t]
        return (min(above) if above else 1.0) - (max(below) if below else 0.0)

    best = max(candidates, key=lambda t: (right(t), gap(t)))
    return best, right(best), gap(best)


def tune_arguments() -> argparse.ArgumentParser:
    """The options every tuning script takes: the index, the gold set, k."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="indexes/default")
    parser.add_argument("--dataset", default="eval/questions.jsonl")
    parser.add_argument("--k", type=int, default=5)
    return parser


@dataclass
class TuneSplit:
    """The tune questions with their retrieved passages, and a generator to try on them."""

    index: Index
    retriever: Retriever
    vectors: SentenceVectors
    generator: templated.TemplatedGenerator
    rows: list[dict]
    hits: dict[str, list]

    @classmethod
    def load(cls, args) -> TuneSplit:
        index = Index.open(args.index)
        retriever = Retriever(index)
        vectors = SentenceVectors(query_embedder(index))
        rows = [r for r in load_questions(args.dataset) if r["split"] == "tune"]
        hits = {r["id"]: retriever.search(r["question"], k=args.k) for r in rows}
        return cls(index, retriever, vectors, templated.TemplatedGenerator(index, vectors=vectors), rows, hits)


def main() -> None:
    parser = tune_arguments()
    parser.add_argument("--grid", action="store_true", help="try selection and confidence weights")
    args = parser.parse_args()
    tune = TuneSplit.load(args)
    generator, vectors, rows, hits = tune.generator, tune.vectors, tune.rows, tune.hits
    if args.grid:
        grid = itertools.product([0.3, 0.5], [0.1, 0.2], [0.3, 0.5, 0.7], [0.1, 0.3], [0.0, 0.1, 0.2])
        print("W_SEM W_CTX W_COV C_COV C_REL  answer-right threshold right/n gap")
        for ws, wc, wv, cv, cr in grid:
            templated.W_SEMANTIC, templated.W_CONTEXT, templated.W_COVERAGE = ws, wc, wv
            templated.C_COVERAGE, templated.C_RELATION = cv, cr
            points = outcomes(generator, vectors, rows, hits)
            t, right, gap = best_threshold(points)
            answer_right = sum(ok for *_, ok, _ in points)
            print(f"{ws:5} {wc:5} {wv:5} {cv:5} {cr:5}  {answer_right:12} {t:9.3f} {right:3}/{len(points)} {gap:.3f}")
        return
    points = outcomes(generator, vectors, rows, hits)
    for evidence, answerable, right, question in sorted(points):
        label = ("answerable, right" if right else "answerable, WRONG") if answerable else "unanswerable"
        print(f"{evidence:.3f} {label:18} {question}")
    t, right, gap = best_threshold(points)
    print(f"ANSWER_MIN = {t:.3f}: {right}/{len(points)} tune questions right (gap {gap:.3f})")


if __name__ == "__main__":
    run_script(main)
