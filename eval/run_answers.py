"""Answer metrics on the gold set, per split (tune / test / all), through the Python API.

    .venv/bin/python eval/run_answers.py [--index indexes/default] [--generator templated] [--split tune]
        [--first-id N] [--last-id M] [--json] [--show]

Metrics are defined in rag/answer_eval.py. `--show` lists every question with its outcome.
"""

from __future__ import annotations

import argparse
import json

from rag.answer_eval import evaluate_answers, load_questions
from rag.assistant import Assistant
from rag.errors import run_script
from rag.index import Index, default_paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=None)
    parser.add_argument("--dataset", default="eval/questions.jsonl")
    parser.add_argument("--generator", default=None)
    parser.add_argument("--mode", default=None)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--first-id", type=int, default=0, help="only questions whose id number is at least this (q76 → 76)")
    parser.add_argument("--last-id", type=int, default=None, help="only questions whose id number is at most this")
    parser.add_argument("--split", default=None, help="only this split (tune while the method is being changed)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true", help="list each tune question with its outcome")
    parser.add_argument("--show-test", action="store_true", help="also list the held-out test questions (only once the method is frozen)")
    args = parser.parse_args()
    corpus, default_index = default_paths()
    index = Index.open_or_build(args.index or default_index, corpus)
    assistant = Assistant(index, generator=args.generator, k=args.k, mode=args.mode)
    number = lambda r: int("".join(filter(str.isdigit, r["id"])) or 0)  # noqa: E731
    rows = [r for r in load_questions(args.dataset) if args.first_id <= number(r) <= (args.last_id or number(r))]
    rows = [r for r in rows if args.split is None or r["split"] == args.split]
    result = evaluate_answers(assistant, rows)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if args.show:
        for o in result["outcomes"]:
            if o["split"] == "test" and not args.show_test:
                continue
            kind = "answerable" if o["answerable"] else ("near-miss" if o["near_miss"] else "off-topic")
            print(f"{'ok ' if o['correct'] else 'BAD'} {o['split']:4} {kind:10} {o['question']}\n      → {o['answer'][:160]} {o['cited_docs']}")
    names = ["answer_accuracy", "citation_precision", "citation_precision_all", "abstention_precision",
             "abstention_recall", "abstention_recall_near_miss", "abstention_recall_off_topic", "false_abstention"]
    splits = result["splits"]
    print(f"{'metric':30}" + "".join(f"{s:>8}" for s in splits))
    print(f"{'questions (ans/unans)':30}" + "".join(f"{str(m['answerable']) + '/' + str(m['unanswerable']):>8}" for m in splits.values()))
    for name in names:
        print(f"{name:30}" + "".join(f"{'-' if m[name] is None else format(m[name], '.3f'):>8}" for m in splits.values()))
    ms = sorted(o["total_ms"] for o in result["outcomes"])
    print(f"latency per question (warm): p50 {ms[len(ms) // 2]:.0f} ms, max {ms[-1]:.0f} ms")


if __name__ == "__main__":
    run_script(main)
