"""Experiment (round 12, not adopted): a linear probe over the packaged MiniLM reading the question
and the chosen sentences together, as a pair, trained to tell right answers from the rest.

The rounds before found no packaged model that reads (eval/answers.md). A cross-encoder is the usual
reader; none is packaged, but the packaged bi-encoder still attends across a tokenized pair
"[CLS] question [SEP] sentences [SEP]". Its mean-pooled pair vector P (and P − Q, Q the question's own
vector) feed a logistic regression fitted on the seeds' tune split, label = the generator's answer
is right. Printed:

  1. on the tune split, out of fold (10 contiguous folds, so questions written together are held
     out together): the probe's AUC between right answers and near misses among the questions the
     generator answers today, and accuracy / abstention / near misses when answers the probe scores
     below a gate are refused too; the same for the question's vector Q alone (no passage at all)
     and for what the sentences change (the pair minus the pair with an empty passage);
  2. the probe fitted on the whole tune split, applied to another corpus's tune split (`eval/ood/`,
     indexed to a scratch folder): does what it learned carry over?

The gold test split and `eval/ood2/` (all test) are never read.

    .venv/bin/python eval/pair_probe.py [--index indexes/default]
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import rag.generation.templated as templated
from cv_abstention import auc
from rag.errors import run_script
from rag.index import Index
from tune_templated import TuneSplit, outcomes, tune_arguments

GATES = (None, -1.0, -0.5, 0.0)  # refuse an answer whose probe score (in standard deviations) is below


class Split:
    """One split's questions: the generator's evidence and outcome, and the pair features."""

    def __init__(self, tune: TuneSplit, model):
        points = outcomes(tune.generator, tune.vectors, tune.rows, tune.hits)
        chosen = [" ".join(c.sentence for c in tune.generator.select(r["question"], tune.hits[r["id"]]).chosen) or "-" for r in tune.rows]
        questions = [r["question"] for r in tune.rows]
        pairs = model.encode([[q, s] for q, s in zip(questions, chosen)], normalize_embeddings=True)
        self.q_only = model.encode(questions, normalize_embeddings=True)
        self.pair = np.hstack([pairs, pairs - self.q_only])
        # What reading the sentences changes: the pair minus the pair with an empty passage.
        self.read = pairs - model.encode([[q, "-"] for q in questions], normalize_embeddings=True)
        self.right = np.array([p[2] for p in points], dtype=int)
        answerable = [p[1] for p in points]
        near = [bool(r.get("near_miss")) for r in tune.rows]
        self.answered = [i for i, p in enumerate(points) if p[0] >= templated.ANSWER_MIN]
        self.answered_right = [i for i in self.answered if self.right[i]]
        self.answered_near = [i for i in self.answered if near[i]]
        self.answerable = [i for i, a in enumerate(answerable) if a]
        self.unanswerable = [i for i, a in enumerate(answerable) if not a]
        self.near = [i for i in self.unanswerable if near[i]]

    def report(self, name: str, scores: np.ndarray) -> str:
        cells = [f"{name:52} AUC {auc([scores[i] for i in self.answered_right], [scores[i] for i in self.answered_near]):.3f}"]
        for gate in GATES:
            kept = {i for i in self.answered if gate is None or scores[i] >= gate}
            accuracy = sum(i in kept and self.right[i] for i in self.answerable) / len(self.answerable)
            abstention = sum(i not in kept for i in self.unanswerable) / len(self.unanswerable)
            near = sum(i not in kept for i in self.near) / max(1, len(self.near))
            cells.append(f"{accuracy:.3f}/{abstention:.3f}/{near:.3f}")
        return "  ".join(cells)


def main() -> None:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold, cross_val_predict

    from rag.embedding import packaged_model_path

    parser = tune_arguments()
    parser.add_argument("--ood", default="eval/ood", help="another corpus with a gold file: CORPUS/corpus and CORPUS/questions.jsonl")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    seeds = Split(TuneSplit.load(args), model)
    with tempfile.TemporaryDirectory() as scratch:
        Index.build(f"{args.ood}/corpus", f"{scratch}/idx")
        args.index, args.dataset = f"{scratch}/idx", f"{args.ood}/questions.jsonl"
        other = Split(TuneSplit.load(args), model)
    print(f"{'accuracy / abstention / near misses refused':>62}" + "".join(f"{'no gate' if g is None else f'gate {g}':>19}" for g in GATES))
    probes = (("pair probe", lambda s: s.pair), ("question alone", lambda s: s.q_only), ("pair minus empty pair", lambda s: s.read))
    for label, features in probes:
        probe = lambda: LogisticRegression(C=100.0, max_iter=5000)  # noqa: E731 (C: the best of 1, 10, 100 out of fold)
        held_out = cross_val_predict(probe(), features(seeds), seeds.right, cv=KFold(10), method="decision_function")
        print(seeds.report(f"{label}, seeds tune, out of fold", held_out / held_out.std()))
        fitted = probe().fit(features(seeds), seeds.right)
        spread = fitted.decision_function(features(seeds)).std()
        print(other.report(f"{label}, fitted on seeds, {args.ood} tune", fitted.decision_function(features(other)) / spread))


if __name__ == "__main__":
    run_script(main)
