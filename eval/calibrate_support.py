"""Calibrate the citation check's SUPPORT_MIN on the tune half of the gold set.

For each tune question, the passages retrieved for it give:
  supported  — each passage sentence cited against its own passage, whole and cut to its first
               60% of words (a shortened claim, as an LLM's paraphrase often is);
  fabricated — each passage sentence cited against another retrieved passage of another document
               (an on-topic claim pinned on the wrong source, the error a generator makes).
Prints both score distributions and the threshold that best separates them (balanced accuracy).

    .venv/bin/python eval/calibrate_support.py [--index /tmp/me/idx]
"""

from __future__ import annotations

from tune_templated import tune_arguments

from rag.answer_eval import load_questions
from rag.citations import SentenceVectors, passage_sentences, query_embedder, support
from rag.errors import run_script
from rag.index import Index
from rag.retrieval import Retriever


def main() -> None:
    args = tune_arguments().parse_args()
    index = Index.open(args.index)
    retriever = Retriever(index)
    vectors = SentenceVectors(query_embedder(index))
    good, bad, seen = [], [], set()
    for row in load_questions(args.dataset):
        if row["split"] != "tune":
            continue
        hits = retriever.search(row["question"], k=args.k)
        for a in hits:
            for sentence in passage_sentences(a.chunk):
                words = sentence.split()
                for claim in (sentence, " ".join(words[: max(4, int(len(words) * 0.6))])):
                    if (claim, a.chunk.chunk_id) not in seen:
                        seen.add((claim, a.chunk.chunk_id))
                        good.append(support(claim, a.chunk, vectors).score)
                for b in hits:
                    if b.chunk.doc_id != a.chunk.doc_id and (sentence, b.chunk.chunk_id) not in seen:
                        seen.add((sentence, b.chunk.chunk_id))
                        bad.append(support(sentence, b.chunk, vectors).score)
    good.sort()
    bad.sort()
    q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))]
    print(f"supported:  n={len(good)} min={good[0]:.3f} p5={q(good, .05):.3f} p50={q(good, .5):.3f}")
    print(f"fabricated: n={len(bad)} p50={q(bad, .5):.3f} p95={q(bad, .95):.3f} p99={q(bad, .99):.3f} max={bad[-1]:.3f}")
    best = max(
        (t / 200 for t in range(40, 180)),
        key=lambda t: (sum(g >= t for g in good) / len(good) + sum(b < t for b in bad) / len(bad), -abs(t - 0.5)),
    )
    keep = sum(g >= best for g in good) / len(good)
    reject = sum(b < best for b in bad) / len(bad)
    print(f"best threshold {best:.3f}: keeps {keep:.1%} of supported, rejects {reject:.1%} of fabricated")


if __name__ == "__main__":
    run_script(main)
