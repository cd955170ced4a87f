"""Cross-validated comparison of abstention evidences on the tune split (the test split is never read).

A threshold fitted on the same questions it is scored on flatters the method; this script fits it
on nine tenths of the tune questions and scores the held-out tenth, over 10 folds × 10 shuffles,
for each way of measuring the evidence:

    confidence          the templated generator's confidence alone (the method before the word match)
    confidence + match  the mean of the confidence and `word_match` (the method now)

Hard checks (a required answer type, the question's focus) apply to both. Printed: answer accuracy
and abstention recall (all unanswerable, and near misses) averaged over the shuffles.

    .venv/bin/python eval/cv_abstention.py --index /tmp/me/idx
"""

from __future__ import annotations

import random

from rag.errors import run_script
from tune_templated import TuneSplit, best_threshold, outcomes, tune_arguments


def auc(positives, negatives) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pairs = [(p > n) + 0.5 * (p == n) for p in positives for n in negatives]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def cross_validate(points, near, folds: int = 10, shuffles: int = 10) -> tuple[float, float, float]:
    """(answer accuracy, abstention recall, near-miss abstention recall), held-out folds only."""
    totals = [0.0, 0.0, 0.0]
    for seed in range(shuffles):
        order = list(range(len(points)))
        random.Random(seed).shuffle(order)
        answered = [False] * len(points)
        for f in range(folds):
            held = set(order[f::folds])
            t, _, _ = best_threshold([points[i] for i in range(len(points)) if i not in held])
            for i in held:
                answered[i] = points[i][0] >= t
        answerable = [i for i, p in enumerate(points) if p[1]]
        unanswerable = [i for i, p in enumerate(points) if not p[1]]
        totals[0] += sum(answered[i] and points[i][2] for i in answerable) / len(answerable)
        totals[1] += sum(not answered[i] for i in unanswerable) / len(unanswerable)
        totals[2] += sum(not answered[i] for i in unanswerable if near[i]) / max(1, sum(near[i] for i in unanswerable))
    return tuple(x / shuffles for x in totals)


def main() -> None:
    tune = TuneSplit.load(tune_arguments().parse_args())
    generator, vectors, rows, hits = tune.generator, tune.vectors, tune.rows, tune.hits
    near = [bool(r.get("near_miss")) for r in rows]
    with_match = outcomes(generator, vectors, rows, hits)
    original = generator.word_match
    generator.word_match = lambda *a: None  # evidence = confidence
    try:
        without = outcomes(generator, vectors, rows, hits)
    finally:
        generator.word_match = original
    print(f"{len(rows)} tune questions, 10-fold cross-validation × 10 shuffles (threshold fitted on the other folds)")
    print(f"{'evidence':22}{'accuracy':>10}{'abstention':>12}{'near misses':>13}")
    for name, points in (("confidence", without), ("confidence + match", with_match)):
        acc, abst, near_abst = cross_validate(points, near)
        print(f"{name:22}{acc:10.3f}{abst:12.3f}{near_abst:13.3f}")


if __name__ == "__main__":
    run_script(main)
