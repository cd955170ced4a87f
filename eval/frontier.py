"""What abstention would cost: answer accuracy and abstention recall at every threshold, per split.

Diagnostic only, never used to choose ANSWER_MIN (eval/tune_templated.py does that, on tune): it
shows how far apart the evidence of right answers and of unanswerable questions lies, i.e. which
accuracy a threshold that refuses 90% of the unanswerable questions would leave.

    .venv/bin/python eval/frontier.py [--index indexes/default]
"""

from __future__ import annotations

import rag.generation.templated as templated
from rag.answer_eval import load_questions
from rag.errors import run_script
from tune_templated import TuneSplit, outcomes, tune_arguments


def main() -> None:
    parser = tune_arguments()
    args = parser.parse_args()
    tune = TuneSplit.load(args)
    thresholds = sorted({t / 100 for t in range(30, 72, 2)} | {templated.ANSWER_MIN})
    for split in ("tune", "test"):
        rows = [r for r in load_questions(args.dataset) if r["split"] == split]
        hits = tune.hits if split == "tune" else {r["id"]: tune.retriever.search(r["question"], k=args.k) for r in rows}
        points = outcomes(tune.generator, tune.vectors, rows, hits)
        answerable = [p for p in points if p[1]]
        unanswerable = [p for p in points if not p[1]]
        print(f"{split}: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
        if not answerable or not unanswerable:
            continue  # a set with one split only (eval/ood2 is all test)
        print(f"  {'threshold':>9} {'accuracy':>9} {'abstention':>11}")
        for t in thresholds:
            accuracy = sum(e >= t and right for e, _, right, _ in answerable) / len(answerable)
            abstention = sum(e < t for e, *_ in unanswerable) / len(unanswerable)
            mark = "  ← ANSWER_MIN" if t == templated.ANSWER_MIN else ""
            print(f"  {t:9.3f} {accuracy:9.3f} {abstention:11.3f}{mark}")


if __name__ == "__main__":
    run_script(main)
