"""Retrieval evaluation: datasets, metrics and a run, for `rag eval` and the numbers in the README.

Two kinds of dataset, both read into the same `Dataset` (queries + graded relevance by doc id):

- our gold JSONL (`eval/questions.jsonl`): one question a line with the doc ids that answer it;
  unanswerable questions carry no relevance and are left out of retrieval metrics. Its splits are
  "tune" and "test" (`--split train` selects "tune").
- a BEIR folder (`corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`). Its corpus is indexed through
  the usual index folder format (manifest, chunk store, FAISS, BM25), one chunk per corpus row
  (title + text): our chunker is for markdown articles with front matter, not for abstracts. The
  index is cached under `indexes/beir-<name>-<key>`, the key hashing the corpus bytes, the model
  and this module's indexing settings, so a second run embeds nothing and any change rebuilds.

Relevance is judged per document: a ranked list of chunks becomes a ranked list of distinct doc
ids (a document ranks where its best chunk does). Metrics follow trec_eval's definitions (linear
gain nDCG, recall, reciprocal rank cut at k) and are checked against ranx in the tests.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rag.errors import DatasetError

if TYPE_CHECKING:
    from rag.embedding import Embedder
    from rag.index import Index

DEFAULT_DATASET = Path("eval/questions.jsonl")
METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
RUN_DEPTH = 100  # documents ranked per query: enough for recall@100
BEIR_INDEX_VERSION = 1  # bump when the way BEIR rows become chunks changes

Qrels = dict[str, dict[str, int]]  # query id -> {doc id: grade > 0}
Run = dict[str, list[str]]  # query id -> doc ids, best first
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: str  # "gold" or "beir"
    queries: dict[str, str]  # query id -> text, only those with relevance judgements
    qrels: Qrels
    path: Path
    rows: tuple[dict, ...] = ()  # the gold file's rows (for answer metrics), empty for BEIR


@dataclass
class EvalResult:
    dataset: str
    mode: str
    queries: int
    metrics: dict[str, float]
    latency_ms: dict[str, float]
    run: Run = field(default_factory=dict, repr=False)
    answers: list[dict] = field(default_factory=list, repr=False)  # gold: each question's outcome (rag.answer_eval.judge)

    def to_json(self, answers: bool = False) -> dict:
        """The design's `rag eval --json` object; with `answers`, also each gold question's outcome."""
        out = {
            "dataset": self.dataset,
            "mode": self.mode,
            "queries": self.queries,
            "metrics": {k: round(v, 4) for k, v in self.metrics.items()},
            "latency_ms": {k: round(v, 2) for k, v in self.latency_ms.items()},
        }
        if answers and self.answers:
            out["questions"] = [{k: o[k] for k in _OUTCOME_FIELDS} for o in self.answers]
        return out


# What `rag eval --json` tells of each gold question's answer.
_OUTCOME_FIELDS = ("id", "question", "answerable", "near_miss", "correct", "abstained", "answer", "cited_docs")


# -- metrics -------------------------------------------------------------------------------------
def ndcg_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    relevant = {d for d, g in rels.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], rels: dict[str, int], k: int) -> float:
    for i, d in enumerate(ranked[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


_METRIC_FUNCTIONS = {"ndcg": ndcg_at, "recall": recall_at, "mrr": mrr_at}


def score_run(run: Run, qrels: Qrels, metrics: tuple[str, ...] = METRICS) -> dict[str, float]:
    """Mean of each metric ("name@k") over the judged queries; a query missing from the run scores 0."""
    judged = [q for q, rels in qrels.items() if any(g > 0 for g in rels.values())]
    out = {}
    for metric in metrics:
        name, _, k = metric.partition("@")
        fn = _METRIC_FUNCTIONS[name]
        values = [fn(run.get(q, []), qrels[q], int(k)) for q in judged]
        out[metric] = sum(values) / len(values) if values else 0.0
    return out


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


# -- datasets ------------------------------------------------------------------------------------
def load_dataset(path: str | Path, split: str | None = None) -> Dataset:
    """A gold JSONL file or a BEIR folder. `split`: "test" or "train" (BEIR default: test; gold
    default: every answerable question)."""
    path = Path(path)
    if split not in (None, "test", "train", "tune"):
        raise DatasetError(f"unknown split {split!r}: choose test or train (tune)")
    split = "train" if split == "tune" else split  # a gold file calls its train half "tune"
    if path.is_dir():
        return load_beir(path, split or "test")
    if path.is_file():
        return load_gold(path, split)
    raise DatasetError(f"no dataset at {path}: give a gold .jsonl file or a BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")


def load_gold(path: Path, split: str | None = None) -> Dataset:
    from rag.answer_eval import load_questions

    wanted = {"train": "tune", "test": "test"}.get(split or "")
    rows = [row for row in load_questions(path) if wanted is None or row["split"] == wanted]
    judged = [r for r in rows if r["answerable"] and r.get("doc_ids")]
    if not judged:
        raise DatasetError(f"{path} has no answerable question with doc_ids" + (f" in split {split}" if split else ""))
    return Dataset(
        name=path.stem + (f"/{split}" if split else ""),
        kind="gold",
        queries={str(r["id"]): r["question"] for r in judged},
        qrels={str(r["id"]): {d: 1 for d in r["doc_ids"]} for r in judged},
        path=path,
        rows=tuple(rows),
    )


def load_beir(folder: Path, split: str = "test") -> Dataset:
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise DatasetError(f"{folder} is not a BEIR folder: {name} is missing")
    qrels: Qrels = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            parts = line.rstrip("\n").split("\t")
            if n == 1 and not parts[-1].strip().lstrip("-").isdigit():
                continue  # header line
            if len(parts) < 3:
                if line.strip():
                    raise DatasetError(f"{folder}/qrels/{split}.tsv:{n}: expected query-id, corpus-id, score")
                continue
            try:
                grade = int(parts[2])
            except ValueError:
                raise DatasetError(f"{folder}/qrels/{split}.tsv:{n}: score {parts[2]!r} is not an integer") from None
            if grade > 0:
                qrels.setdefault(parts[0], {})[parts[1]] = grade
    texts = {}
    for n, row in enumerate(_read_jsonl(folder / "queries.jsonl"), start=1):
        try:
            texts[str(row["_id"])] = row["text"]
        except (KeyError, TypeError):
            raise DatasetError(f"{folder}/queries.jsonl:{n}: expected _id and text") from None
    missing = [q for q in qrels if q not in texts]
    if missing:
        raise DatasetError(f"{folder}: {len(missing)} judged queries are not in queries.jsonl (e.g. {missing[0]})")
    if not qrels:
        raise DatasetError(f"{folder}/qrels/{split}.tsv judges no query")
    return Dataset(
        name=f"{folder.name}/{split}", kind="beir", queries={q: texts[q] for q in qrels}, qrels=qrels, path=folder
    )


def _read_jsonl(path: Path):
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as e:
                    raise DatasetError(f"{path}:{n}: not JSON ({e})") from None


# -- the BEIR corpus as an index -----------------------------------------------------------------
def beir_chunks(folder: Path):
    """One chunk per corpus row: its title and text, cited by its `_id`."""
    from rag.types import Chunk

    chunks = []
    for n, row in enumerate(_read_jsonl(folder / "corpus.jsonl"), start=1):
        try:
            doc_id = str(row["_id"])
            title, text = row.get("title") or "", row.get("text") or ""
        except (KeyError, TypeError, AttributeError):
            raise DatasetError(f"{folder}/corpus.jsonl:{n}: expected _id, title, text") from None
        chunks.append(Chunk(chunk_id=doc_id, doc_id=doc_id, kind="body", title=title, url="", text=text))
    if not chunks:
        raise DatasetError(f"{folder}/corpus.jsonl is empty")
    return chunks


def beir_cache_path(folder: Path, embedder: Embedder, cache_root: Path = Path("indexes")) -> Path:
    key = hashlib.sha256()
    with (folder / "corpus.jsonl").open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            key.update(block)
    key.update(f"\0{embedder.name}\0{BEIR_INDEX_VERSION}".encode())
    return cache_root / f"beir-{folder.resolve().name}-{key.hexdigest()[:12]}"


def beir_index(folder: str | Path, embedder: Embedder | None = None, cache_root: str | Path = "indexes",
               on_progress: Progress | None = None) -> Index:
    """The BEIR corpus's index, from the cache when it holds one for this corpus and model."""
    import datetime as dt

    import numpy as np

    from rag.index import FORMAT, FORMAT_VERSION, MANIFEST, Index, _embed, _resolve_embedder, _write_index_folder

    folder = Path(folder)
    embedder = _resolve_embedder(embedder, default=None)
    path = beir_cache_path(folder, embedder, Path(cache_root))
    if (path / MANIFEST).exists():
        return Index.open(path, embedder)
    chunks = beir_chunks(folder)
    vectors = _embed(embedder, [c.search_text for c in chunks], on_progress)
    documents: dict[str, dict] = {}
    for c in chunks:
        documents.setdefault(c.doc_id, {"hash": "", "path": "corpus.jsonl", "chunks": 0})["chunks"] += 1
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "embedder": {"name": embedder.name, "dim": int(vectors.shape[1])},
        "chunker": {"beir": BEIR_INDEX_VERSION},
        "index_type": "flat",
        "corpus": str(folder.resolve()),
        "counts": {"documents": len(documents), "chunks": len(chunks), "skipped": 0},
        "documents": documents,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_index_folder(path, manifest, chunks, np.asarray(vectors, dtype=np.float32), embedder)
    return Index.open(path, embedder)


# -- a run ---------------------------------------------------------------------------------------
def evaluate(
    index: Index,
    dataset: Dataset,
    mode: str,
    *,
    rerank: str | None = None,
    retriever=None,
    label: str | None = None,
    depth: int = RUN_DEPTH,
    on_progress: Progress | None = None,
) -> EvalResult:
    """Rank every judged query of `dataset` with `Retriever(index, mode, rerank=...)` (or the
    given `retriever`) and score the run. Latency is per query, warm (one query runs first)."""
    from rag.retrieval import Retriever

    retriever = retriever or Retriever(index, mode=mode, rerank=rerank)
    doc_of = [c.doc_id for c in index.chunks]
    retriever.rank("warm up", 1)  # loads the model and BM25 before the clock runs
    run: Run = {}
    latencies = []
    items = list(dataset.queries.items())
    for n, (qid, text) in enumerate(items, start=1):
        start = time.perf_counter()
        ranked = retriever.rank(text, depth)
        latencies.append((time.perf_counter() - start) * 1000)
        seen: dict[str, None] = {}
        for row, _ in ranked:
            seen.setdefault(doc_of[row])
        run[qid] = list(seen)
        if on_progress:
            on_progress(n, len(items))
    return EvalResult(
        dataset=dataset.name,
        mode=label or (mode + ("+rerank" if rerank else "")),
        queries=len(items),
        metrics=score_run(run, dataset.qrels),
        latency_ms={"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
        run=run,
    )


PLOT_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg")


def check_plot_path(file: str | Path) -> Path:
    """`file` if a chart can be written there; checked before the evaluation runs, not after."""
    file = Path(file)
    if file.is_dir():
        raise DatasetError(f"--plot {file} is a folder: give a file name such as {file / 'modes.png'}")
    if file.suffix.lower().lstrip(".") not in PLOT_FORMATS:
        raise DatasetError(f"--plot {file}: the chart is written as {', '.join(PLOT_FORMATS)}; end the file name with one of them")
    if not file.parent.is_dir():
        raise DatasetError(f"--plot {file}: no folder {file.parent} to write it in")
    return file


def plot(results: list[EvalResult], file: str | Path) -> None:
    """A grouped bar chart: one group per metric, one bar per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(METRICS)
    width = 0.8 / max(len(results), 1)
    fig, ax = plt.subplots(figsize=(1.8 * len(metrics) + 2, 4))
    for i, r in enumerate(results):
        xs = [m + (i - (len(results) - 1) / 2) * width for m in range(len(metrics))]
        bars = ax.bar(xs, [r.metrics[m] for m in metrics], width, label=r.mode)
        ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
    ax.set_xticks(range(len(metrics)), metrics)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"retrieval on {results[0].dataset} ({results[0].queries} queries)" if results else "retrieval")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=max(len(results), 1), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)


def eval_variants(mode: str, rerank: bool | None = None) -> list[tuple[str, Callable]]:
    """(label, index -> retriever) for each configuration `rag eval --mode MODE` measures.

    One mode: its default retriever (`rerank` None), or with the default reranker forced on (True)
    or off (False). "all": every mode as it ships, plus plain fusion (RRF k=60, equal weights: the
    baseline the hybrid must beat) and the hybrid's fusion without its reranker."""
    from rag.errors import QueryError
    from rag.retrieval import DEFAULT_RERANKER, RANKERS, RERANK_BY_DEFAULT, HybridRanker, Retriever

    def plain(index):
        retriever = Retriever(index, mode="hybrid", rerank=None)
        retriever.ranker = HybridRanker(index, "rrf", rrf_k=60, dense_weight=1.0, bm25_weight=1.0)
        return retriever

    if mode == "all":
        variants = [(m, lambda ix, m=m: Retriever(ix, mode=m)) for m in RANKERS]
        at = list(RANKERS).index("hybrid")
        variants[at:at] = [("plain-rrf", plain), ("hybrid-norerank", lambda ix: Retriever(ix, mode="hybrid", rerank=None))]
        return variants
    if mode not in RANKERS:
        raise QueryError(f"unknown mode {mode!r}: choose one of {', '.join(RANKERS)}, all")
    by_default = mode in RERANK_BY_DEFAULT
    if rerank is None or rerank == by_default:
        return [(mode, lambda ix: Retriever(ix, mode=mode))]
    if rerank:
        return [(f"{mode}+rerank", lambda ix: Retriever(ix, mode=mode, rerank=DEFAULT_RERANKER))]
    return [(f"{mode}-norerank", lambda ix: Retriever(ix, mode=mode, rerank=None))]
