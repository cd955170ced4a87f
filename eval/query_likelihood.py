"""Experiment (round 5, not adopted): does a small language model tell near misses from answers?

Query likelihood, as in unsupervised passage re-ranking (UPR): how much more likely the question
becomes once the model has read the sentences the templated generator chose,

    gain = mean log P(question | passage) − mean log P(question | empty passage)

with the GGUF model the [local] extra ships (SmolLM2-135M) or `--model-path FILE`. Printed for the tune
split only: the gain's AUC between right answers and unanswerable questions among those the
generator answers today (evidence ≥ ANSWER_MIN; 0.5 = no better than chance), and the
cross-validated accuracy/abstention of the evidence plus w × gain.

    .venv/bin/python eval/query_likelihood.py [--index indexes/default] [--model-path FILE]
"""

from __future__ import annotations

import numpy as np
from llama_cpp import Llama

import rag.generation.templated as templated
from cv_abstention import auc, cross_validate
from rag.errors import run_script
from rag.generation.llama_cpp import resolve_model_path
from tune_templated import TuneSplit, outcomes, tune_arguments

PROMPT = "Passage: {passage}\nQuestion answered by this passage:"


def mean_logprob(llm: Llama, prefix: str, text: str) -> float:
    """Mean log-probability of `text`'s tokens after `prefix`."""
    head = llm.tokenize(prefix.encode(), add_bos=True)
    tail = llm.tokenize(text.encode(), add_bos=False)
    tokens = (head + tail)[-llm.n_ctx() :]
    llm.reset()
    llm.eval(tokens)
    logits = np.asarray(llm.scores[: len(tokens)], dtype=np.float64)
    rows = logits[len(tokens) - len(tail) - 1 : len(tokens) - 1]
    top = rows.max(axis=1, keepdims=True)
    logsumexp = (top + np.log(np.exp(rows - top).sum(axis=1, keepdims=True)))[:, 0]
    return float((rows[np.arange(len(tail)), tokens[-len(tail) :]] - logsumexp).mean())


def main() -> None:
    parser = tune_arguments()
    parser.add_argument("--model-path", default=None, help="a GGUF file (default: the [local] extra's SmolLM2)")
    args = parser.parse_args()
    tune = TuneSplit.load(args)
    llm = Llama(model_path=str(resolve_model_path(args.model_path)), n_ctx=2048, logits_all=True, n_threads=2, verbose=False)
    points = outcomes(tune.generator, tune.vectors, tune.rows, tune.hits)
    gains = []
    for row in tune.rows:
        hits = tune.hits[row["id"]]
        chosen = tune.generator.select(row["question"], hits).chosen
        titles = dict.fromkeys(hits[c.n - 1].chunk.title for c in chosen)
        passage = " ".join([*titles, *dict.fromkeys(c.around or c.sentence for c in chosen)])
        question = " " + row["question"]
        gains.append(mean_logprob(llm, PROMPT.format(passage=passage), question) - mean_logprob(llm, PROMPT.format(passage=""), question))
    answered = [i for i, p in enumerate(points) if p[0] >= templated.ANSWER_MIN]
    right = [gains[i] for i in answered if points[i][1] and points[i][2]]
    unanswerable = [gains[i] for i in answered if not points[i][1]]
    evidence_auc = auc([points[i][0] for i in answered if points[i][1] and points[i][2]], [points[i][0] for i in answered if not points[i][1]])
    print(f"answered today: {len(right)} right, {len(unanswerable)} unanswerable")
    print(f"AUC right vs unanswerable: gain {auc(right, unanswerable):.3f}, evidence {evidence_auc:.3f}")
    near = [bool(r.get("near_miss")) for r in tune.rows]
    print(f"{'w':>5}{'accuracy':>10}{'abstention':>12}{'near misses':>13}   (evidence + w × gain, 10-fold CV)")
    for w in (0.0, 0.05, 0.1, 0.2, 0.5):
        combined = [(e + w * g if e > 0 else 0.0, a, ok, q) for (e, a, ok, q), g in zip(points, gains)]
        acc, abst, near_abst = cross_validate(combined, near)
        print(f"{w:5}{acc:10.3f}{abst:12.3f}{near_abst:13.3f}")


if __name__ == "__main__":
    run_script(main)
