"""Scale benchmark: FAISS index types of rag.index at up to 1,000,000 chunks of 384-d vectors.

    .venv/bin/python benchmarks/scale.py [--n 1000000] [--types hnsw,ivf] [--queries 500]

Vectors with the structure of real embeddings, not uniform noise (which defeats every ANN index):
real all-MiniLM-L6-v2 embeddings of SciFact passages (title + opening of each abstract) are the
anchors; each synthetic chunk is a point on the segment between an anchor and one of its 10 nearest
anchors (weight uniform in [0, 0.5]) plus Gaussian noise (sigma 0.02 a component, so ~0.93 cosine to
where it started), renormalized. Queries are the real SciFact claims, embedded as queries: they are
not in the collection. Ground truth is exact inner-product search (faiss.IndexFlatIP) over all n.

For each index type it reports build time, index size (the FAISS file, i.e. what a search holds in
memory), single-query latency p50/p95 (one query at a time, as `rag search` does) and recall@10
against exact, at the search setting rag uses and around it; exact flat search latency too; and the
process's peak memory. JSON goes to benchmarks/results/scale-<n>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, pct, peak_rss_mb, scifact_docs, scifact_queries, write_json  # noqa: E402

K = 10
CACHE = Path(os.environ.get("RAG_BENCH_CACHE", Path(tempfile.gettempdir()) / "rag-bench-cache"))


def anchors_and_queries(n_anchors: int, n_queries: int):
    """Real embeddings (cached on disk between runs): SciFact passages and SciFact claims."""
    import numpy as np

    CACHE.mkdir(parents=True, exist_ok=True)
    file = CACHE / f"scifact-anchors-{n_anchors}-queries-{n_queries}.npz"
    if file.exists():
        data = np.load(file)
        return data["anchors"], data["queries"]
    from rag.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    passages = [f"{d['title']}. {' '.join(d['text'].split()[:60])}" for d in scifact_docs(n_anchors)]
    t = time.perf_counter()
    anchors = embedder.encode(passages, kind="passage")
    queries = embedder.encode(scifact_queries(n_queries), kind="query")
    print(f"embedded {len(passages)} anchors + {len(queries)} queries in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    np.savez(file, anchors=anchors, queries=queries)
    return anchors, queries


def synthesize(anchors, n: int, seed: int = 0, sigma: float = 0.02, neighbours: int = 10):
    import faiss
    import numpy as np

    rng = np.random.default_rng(seed)
    flat = faiss.IndexFlatIP(anchors.shape[1])
    flat.add(anchors)
    _, near = flat.search(anchors, neighbours + 1)
    out = np.empty((n, anchors.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        a = rng.integers(0, len(anchors), m)
        b = near[a, rng.integers(1, neighbours + 1, m)]
        t = rng.uniform(0, 0.5, (m, 1)).astype(np.float32)
        v = (1 - t) * anchors[a] + t * anchors[b] + rng.normal(0, sigma, (m, anchors.shape[1])).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def latency(index, queries, k: int = K):
    """Per-query search times (ms) and the result rows, one query at a time."""
    import numpy as np

    times, rows = [], np.empty((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _, r = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - t) * 1000)
        rows[i] = r[0]
    return times, rows


def recall(found, truth) -> float:
    return sum(len(set(f) & set(t)) for f, t in zip(found, truth)) / truth.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="chunks (vectors) in the collection")
    parser.add_argument("--types", default="hnsw,ivf", help="index types to build, comma-separated")
    parser.add_argument("--anchors", type=int, default=5183, help="SciFact passages embedded as anchors")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--exact-queries", type=int, default=30, help="queries timed on exact flat search")
    parser.add_argument("--out", help="JSON file name in benchmarks/results/ (default scale-<n>.json)")
    args = parser.parse_args()

    import faiss

    from rag.index import make_faiss_index, resolve_index_type

    result = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "n": args.n, "dim": 384, "k": K, "faiss": faiss.__version__, "omp_threads": faiss.omp_get_max_threads()}
    anchors, queries = anchors_and_queries(args.anchors, args.queries)
    t = time.perf_counter()
    vectors = synthesize(anchors, args.n)
    result["synthesize_s"] = round(time.perf_counter() - t, 1)
    result["data"] = {"anchors": len(anchors), "queries": len(queries), "vectors_mb": round(vectors.nbytes / 2**20)}

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    t = time.perf_counter()
    _, truth = exact.search(queries, K)  # batched: BLAS, the fast way to get ground truth
    result["ground_truth_s"] = round(time.perf_counter() - t, 1)
    times, _ = latency(exact, queries[: args.exact_queries])
    result["flat"] = {"search_p50_ms": round(pct(times, 50), 2), "search_p95_ms": round(pct(times, 95), 2),
                      "recall@10": 1.0, "index_mb": round(vectors.nbytes / 2**20)}
    print(f"flat   p50 {pct(times, 50):7.2f} ms  (exact)", file=sys.stderr)
    del exact

    sweeps = {"hnsw": ("efSearch", [64, 128, 256, 512, 1024]), "ivf": ("nprobe", [16, 32, 64, 128, 256])}
    for kind in [t for t in args.types.split(",") if t]:
        index_type, params = resolve_index_type(kind, args.n)
        t = time.perf_counter()
        index = make_faiss_index(vectors, index_type, params)
        build_s = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            faiss.write_index(index, f"{tmp}/index.faiss")
            index_mb = os.path.getsize(f"{tmp}/index.faiss") / 2**20
        name, values = sweeps[index_type]
        default = params[name]
        sweep = []
        for value in sorted(set(values) | {default}):
            if index_type == "hnsw":
                index.hnsw.efSearch = value
            else:
                index.nprobe = min(value, params["nlist"])
            times, found = latency(index, queries)
            row = {name: value, "search_p50_ms": round(pct(times, 50), 3), "search_p95_ms": round(pct(times, 95), 3),
                   "recall@10": round(recall(found, truth), 4), "rag_default": value == default}
            sweep.append(row)
            print(f"{index_type:6} {name}={value:<4} p50 {row['search_p50_ms']:7.3f} ms  p95 {row['search_p95_ms']:7.3f} ms"
                  f"  recall@10 {row['recall@10']:.4f}{'  <- rag default' if row['rag_default'] else ''}", file=sys.stderr)
        result[index_type] = {"params": params, "build_s": round(build_s, 1), "index_mb": round(index_mb),
                              "sweep": sweep, **{k: v for k, v in next(r for r in sweep if r["rag_default"]).items() if k != "rag_default"}}
        print(f"{index_type:6} build {build_s:.0f} s, index {index_mb:.0f} MB", file=sys.stderr)
        del index
    result["peak_rss_mb"] = round(peak_rss_mb())
    path = write_json(args.out or f"scale-{args.n}.json", result)
    print(f"peak memory {result['peak_rss_mb']} MB; wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
