"""Reproduce the fusion and reranker grids of eval/retrieval.md on a BEIR folder (SciFact).

    .venv/bin/python eval/tune_retrieval.py [--dataset ../shared/data/scifact]

Uses the cached BEIR index of `rag eval` (built on first use), scores every query once with dense
and BM25 over the whole corpus, then tries each setting on the train queries and the test queries.
Settings are chosen on train; test is printed beside it only to report, never to choose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.bm25 import top_k  # noqa: E402
from rag.errors import run_script  # noqa: E402
from rag.evaluation import beir_index, load_dataset, score_run  # noqa: E402
from rag.retrieval import rrf  # noqa: E402

DEPTH = 100


def minmax(x):
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="../shared/data/scifact")
    args = parser.parse_args()
    splits = {s: load_dataset(args.dataset, s) for s in ("train", "test")}
    index = beir_index(args.dataset)
    vectors = np.asarray(index.vectors, dtype=np.float32)
    doc_of = [c.doc_id for c in index.chunks]
    texts = {q: t for d in splits.values() for q, t in d.queries.items()}
    ids = list(texts)
    qvecs = index.query_embedder.encode([texts[q] for q in ids], kind="query")
    dense = {q: vectors @ v for q, v in zip(ids, qvecs)}
    bm25 = {q: index.bm25.scores(texts[q]) for q in ids}
    dense_top = {q: top_k(dense[q], DEPTH) for q in ids}
    bm25_top = {q: top_k(bm25[q], DEPTH, 0.0) for q in ids}

    def convex(q, alpha):
        rows = np.array(sorted({r for r, _ in dense_top[q]} | {r for r, _ in bm25_top[q]}))
        fused = alpha * minmax(dense[q][rows]) + (1 - alpha) * minmax(bm25[q][rows])
        order = np.argsort(-fused, kind="stable")
        return [(int(rows[i]), float(fused[i])) for i in order]

    def rocchio(q, feedback, beta, weight, depth=30):
        ranked = convex(q, 0.5)
        head = ranked[:depth]
        rows = np.array([r for r, _ in head])
        v = qvecs[ids.index(q)] + beta * vectors[rows[:feedback]].mean(axis=0)
        v /= np.linalg.norm(v)
        blended = weight * minmax(vectors[rows] @ v) + (1 - weight) * minmax(np.array([s for _, s in head]))
        return [head[i] for i in np.argsort(-blended, kind="stable")] + ranked[depth:]

    def show(name, rank):
        cells = []
        for split, data in splits.items():
            run = {q: [doc_of[r] for r, _ in rank(q)[:DEPTH]] for q in data.queries}
            m = score_run(run, data.qrels, ("ndcg@10", "recall@100"))
            cells.append(f"{split} {m['ndcg@10']:.4f} / {m['recall@100']:.4f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

    print("| setting | train nDCG@10 / R@100 | test nDCG@10 / R@100 |\n| --- | --- | --- |")
    show("dense", lambda q: dense_top[q])
    show("bm25", lambda q: bm25_top[q])
    for k in (5, 20, 60):
        for w in (0.5, 1.0, 1.5, 2.0):
            show(f"rrf k={k}, bm25 weight {w}", lambda q: rrf([(dense_top[q], 1.0), (bm25_top[q], w)], k))
    for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
        show(f"convex min-max, alpha={alpha}", lambda q: convex(q, alpha))
    for fb, beta, weight in ((1, 0.5, 0.3), (1, 0.25, 0.3), (1, 1.0, 0.3), (3, 0.5, 0.3), (1, 0.5, 0.5)):
        show(f"convex 0.5 + rocchio feedback={fb}, beta={beta}, weight={weight}", lambda q: rocchio(q, fb, beta, weight))


if __name__ == "__main__":
    run_script(main)
