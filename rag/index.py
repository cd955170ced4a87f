"""An index folder: build it, update it, open it.

    indexes/NAME/
      manifest.json   format version, embedder name + dim, chunker settings, per-document hash, counts
      chunks.jsonl    the chunk store: one chunk (text + metadata) a line, in vector order
      vectors.npy     float32 [n, dim] normalized embeddings: the source for incremental updates
      vectors.faiss   the FAISS index searched at query time (inner product = cosine): flat (exact)
                      for small corpora, HNSW or IVF for large ones (`index_type` in the manifest)
      query_encoder/  the embedding model exported to ONNX + its tokenizer.json: queries are encoded
                      with onnxruntime, without importing torch (manifest `query_encoder`)

A build writes a temporary sibling folder and renames it into place, so an interrupted build leaves
the previous index as it was. Re-indexing re-chunks only documents whose content hash changed and
embeds only chunks whose text was not embedded before.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from rag.bm25 import BM25_DIR
from rag.chunking import CHUNKER_VERSION, ChunkerSettings, chunk_document
from rag.corpus import FileChanges, changed_files, file_state, load_corpus
from rag.corpus_words import CORPUS_WORDS
from rag.embedding import (
    Embedder,
    ExportError,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    export_is_current,
    export_onnx,
    model_fingerprint,
    onnx_cache_dir,
)
from rag.errors import CorpusError, IndexMismatchError, IndexNotFoundError, IndexWriteError, ModelError, QueryError
from rag.types import Chunk, FileNote, SkippedFile

FORMAT = "rag-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
FAISS_FILE = "vectors.faiss"
QUERY_ENCODER_DIR = "query_encoder"
INDEX_TYPES = ("auto", "flat", "hnsw", "ivf")
AUTO_FLAT_MAX = 100_000  # auto: exact search up to here (~7 ms a query at 100k on 2 cores), IVF above
ADD_BATCH = 65_536  # vectors added to FAISS at a time
EXACT_FILTER_MAX = 200_000  # filtered search over an ANN index: exact over the allowed rows up to here
EMBED_GROUP = 256  # texts per encode call: progress granularity, large enough to batch well

ProgressCallback = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the CLI to tell the user."""

    documents: int
    chunks: int
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded: int = 0  # chunks sent to the model
    reused: int = 0  # chunks whose vector came from the previous index
    skipped: tuple[SkippedFile, ...] = ()
    notes: tuple[FileNote, ...] = ()  # documents kept with a field left out
    written: bool = True  # False when the index was already up to date

    @property
    def up_to_date(self) -> bool:
        return not self.written


@dataclass
class Index:
    """An opened index: chunks, their vectors in FAISS, and the embedder that made them."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    faiss_index: object
    embedder: Embedder
    report: BuildReport | None = None
    _vectors: np.ndarray | None = field(default=None, repr=False)
    _query_embedder: Embedder | None = field(default=None, repr=False)
    _bm25: object | None = field(default=None, repr=False)
    _corpus_words: object | None = field(default=None, repr=False)
    _last_query: tuple[str, np.ndarray] | None = field(default=None, repr=False)
    _folder: tuple[int, int] | None = field(default=None, repr=False)  # the folder opened (`_folder_id`)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, embedder: Embedder | str | None = None) -> Index:
        """Open an index folder. `embedder` (an Embedder or a model name) must be the one the index
        was built with; by default the manifest's model is used. A build that swaps a new folder
        in while this reads (the manifest of one, the chunks of the other) makes it read again."""
        path = Path(path)
        for attempt in range(OPEN_ATTEMPTS):
            folder = _folder_id(path)
            try:
                index = cls._open(path, embedder)
            except (IndexMismatchError, IndexNotFoundError):  # mid-swap, the folder is briefly gone
                if attempt + 1 < OPEN_ATTEMPTS and (_folder_id(path) != folder or _swapping(path)):
                    time.sleep(0.01 * (attempt + 1))
                    continue
                raise
            if _folder_id(path) == folder or attempt + 1 == OPEN_ATTEMPTS:
                index._folder = folder
                return index
        raise AssertionError("unreachable")

    @classmethod
    def _open(cls, path: Path, embedder: Embedder | str | None) -> Index:
        manifest = read_manifest(path)
        built_with = manifest["embedder"]["name"]
        embedder = _resolve_embedder(embedder, default=built_with)
        if embedder.name != built_with:
            raise IndexMismatchError(
                f"index {path} was built with embedder {built_with!r}, not {embedder.name!r}: leave out --model "
                f"to search it with its own, or rebuild it for this one with `rag index --rebuild --index {path} --model {embedder.name}`"
            )
        try:
            chunks = [_chunk_from_json(json.loads(line)) for line in (path / CHUNKS).open(encoding="utf-8")]
            faiss_index = _read_faiss(path / FAISS_FILE)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
            raise damaged(path, str(e)) from None
        if faiss_index.ntotal != len(chunks) or faiss_index.d != manifest["embedder"]["dim"]:
            raise damaged(
                path, f"its FAISS index holds {faiss_index.ntotal} vectors of {faiss_index.d} numbers, the manifest says "
                f"{len(chunks)} chunks of {manifest['embedder']['dim']}",
            )
        _apply_search_params(faiss_index, manifest)
        return cls(path, manifest, chunks, faiss_index, embedder)

    @classmethod
    def open_or_build(
        cls,
        path: str | Path,
        corpus: str | Path,
        embedder: Embedder | str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Index:
        """Open the index at `path`, building it from `corpus` first if there is none."""
        if (Path(path) / MANIFEST).exists():
            return cls.open(path, embedder)
        return cls.build(corpus, path, embedder, on_progress=on_progress)

    # -- building --------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        corpus: str | Path,
        path: str | Path,
        embedder: Embedder | str | None = None,
        *,
        rebuild: bool = False,
        settings: ChunkerSettings = ChunkerSettings(),
        on_progress: ProgressCallback | None = None,
        index_type: str = "auto",
    ) -> Index:
        """Build or update the index at `path` from the corpus folder. Without `rebuild`, an
        existing index is updated: unchanged documents keep their chunks and vectors.
        `index_type` is one of INDEX_TYPES; "auto" picks flat (exact) or IVF by size."""
        if index_type not in INDEX_TYPES:
            raise QueryError(f"unknown index type {index_type!r}: choose one of {', '.join(INDEX_TYPES)}")
        path = check_index_path(path)
        # Two builds of one index at once would each update the index as it was, and the last to
        # finish would drop the other's changes: the second waits, then updates the first's result.
        with _build_lock(path):
            # Holding the lock, no other build of this index runs: what an earlier one left behind
            # (killed outright) is dead, however recent.
            _remove_stale_builds(path, older_than=0)
            return cls._build(corpus, path, embedder, rebuild, settings, on_progress, index_type)

    @classmethod
    def _build(cls, corpus, path: Path, embedder, rebuild: bool, settings: ChunkerSettings, on_progress, index_type: str) -> Index:
        files = file_state(Path(corpus)) if Path(corpus).is_dir() else {}  # before reading: a later edit shows as a change
        loaded = load_corpus(corpus)
        if not loaded.documents:
            first = loaded.skipped[0] if loaded.skipped else None
            more = f", and {len(loaded.skipped) - 1} more" if len(loaded.skipped) > 1 else ""
            detail = f" ({len(loaded.skipped)} skipped: {first.path}: {first.reason}{more})" if first else ""
            raise CorpusError(f"no readable documents in {corpus}{detail}")

        previous = None if rebuild else _previous_index(path)
        embedder = _resolve_embedder(embedder, default=previous.embedder.name if previous else None)
        if previous is not None and previous.embedder.name != embedder.name:
            raise IndexMismatchError(
                f"index {path} was built with embedder {previous.embedder.name!r}: to replace it with "
                f"{embedder.name!r} run `rag index --rebuild --index {path} --model {embedder.name}`"
            )

        old_docs = previous.manifest["documents"] if previous else {}
        same_chunker = previous is not None and previous.manifest["chunker"] == settings.to_json()
        old_chunks_by_doc: dict[str, list[int]] = {}
        if previous:
            for row, chunk in enumerate(previous.chunks):
                old_chunks_by_doc.setdefault(chunk.doc_id, []).append(row)

        chunks: list[Chunk] = []
        reuse_rows: list[int | None] = []  # previous row whose vector a chunk reuses, if any
        old_row_by_text = {c.search_text: i for i, c in enumerate(previous.chunks)} if previous else {}
        added, changed = [], []
        for doc in loaded.documents:
            old = old_docs.get(doc.doc_id)
            if old and same_chunker and old["hash"] == doc.content_hash:
                rows = old_chunks_by_doc.get(doc.doc_id, [])
                chunks.extend(previous.chunks[r] for r in rows)
                reuse_rows.extend(rows)
                continue
            (changed if old else added).append(doc.doc_id)
            for chunk in chunk_document(doc, settings):
                chunks.append(chunk)
                reuse_rows.append(old_row_by_text.get(chunk.search_text))
        current_ids = {d.doc_id for d in loaded.documents}
        removed = sorted(set(old_docs) - current_ids)

        if index_type == "auto" and previous is not None:  # an update keeps a type chosen explicitly
            index_type = previous.manifest.get("index_type_requested", "auto")
        resolved_type, index_params = resolve_index_type(index_type, len(chunks))
        same_type = previous is not None and previous.manifest.get("index_type", "flat") == resolved_type
        fresh_export = previous is not None and not previous.query_encoder_is_stale and _export_intact(previous)
        same_files = previous is not None and previous.manifest.get("files") == files  # a skipped file added: recorded anew
        # An index written before the word tables were stored (rag.corpus_words) is written again to
        # hold them, its vectors reused.
        has_tables = previous is not None and (path / CORPUS_WORDS).is_file()
        if (previous and same_chunker and same_type and fresh_export and same_files and has_tables
                and not (added or changed or removed) and _bm25_intact(previous)):  # loads its BM25 files: last
            previous.report = BuildReport(
                documents=len(loaded.documents), chunks=len(chunks), reused=len(chunks),
                skipped=loaded.skipped, notes=loaded.notes, written=False,
            )
            return previous

        to_embed = [i for i, row in enumerate(reuse_rows) if row is None]
        vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
        if previous and len(to_embed) < len(chunks):
            old_vectors = previous.vectors
            for i, row in enumerate(reuse_rows):
                if row is not None:
                    vectors[i] = old_vectors[row]
        vectors[to_embed] = _embed(embedder, [chunks[i].search_text for i in to_embed], on_progress)

        documents = {
            d.doc_id: {"hash": d.content_hash, "path": d.path, "chunks": sum(c.doc_id == d.doc_id for c in chunks)}
            for d in loaded.documents
        }
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder.name, "dim": int(vectors.shape[1])},
            "chunker": settings.to_json(),
            "index_type": resolved_type,
            "index_params": index_params,
            "index_type_requested": index_type,
            "corpus": str(Path(corpus).resolve()),
            "counts": {"documents": len(documents), "chunks": len(chunks), "skipped": len(loaded.skipped)},
            "documents": documents,
            "files": files,
            "created": previous.manifest["created"] if previous else now,
            "updated": now,
        }
        faiss_index = _write_index_folder(path, manifest, chunks, vectors, embedder, previous, reuse_export=not rebuild)
        report = BuildReport(
            documents=len(documents), chunks=len(chunks), added=tuple(added), changed=tuple(changed),
            removed=tuple(removed), embedded=len(to_embed), reused=len(chunks) - len(to_embed),
            skipped=loaded.skipped, notes=loaded.notes,
        )
        return cls(path, manifest, chunks, faiss_index, embedder, report, vectors)

    # -- reading ---------------------------------------------------------------------------
    @property
    def vectors(self) -> np.ndarray:
        """All chunk vectors (memory-mapped from disk when the index was opened)."""
        if self._vectors is None:
            self._check_same_folder()
            try:
                vectors = np.load(self.path / VECTORS, mmap_mode="r")
            except (OSError, ValueError):
                # numpy's own words can advise loading "unsafely" (allow_pickle): not for a user
                raise damaged(self.path, f"{VECTORS} is not a float array numpy can read", self._folder) from None
            if vectors.ndim != 2 or vectors.dtype != np.float32:
                raise damaged(self.path, f"{VECTORS} is not a float array numpy can read", self._folder)
            if vectors.shape != (len(self.chunks), self.manifest["embedder"]["dim"]):
                raise damaged(self.path, f"{VECTORS} holds {vectors.shape[0]} vectors of {vectors.shape[1]} numbers, the manifest "
                              f"says {len(self.chunks)} chunks of {self.manifest['embedder']['dim']}", self._folder)
            self._vectors = vectors
        return self._vectors

    def _check_same_folder(self) -> None:
        """Files read after opening must come from the folder opened: a build may have swapped in
        another since, whose vectors would silently belong to other chunks."""
        if self._folder is not None and _folder_id(self.path) != self._folder:
            raise damaged(self.path, "replaced", self._folder)

    @property
    def bm25(self):
        """The BM25 index of the chunks (rag.bm25.BM25Index), memory-mapped on first use. An index
        folder written before BM25 was stored gets one built in memory from its chunks."""
        if self._bm25 is None:
            from rag.bm25 import BM25_DIR, BM25Index

            self._check_same_folder()
            folder = self.path / BM25_DIR
            if folder.is_dir():
                try:
                    self._bm25 = BM25Index.load(folder, len(self.chunks))
                except (OSError, ValueError, KeyError) as e:
                    raise damaged(self.path, f"its BM25 index: {e}", self._folder) from None
            else:
                self._bm25 = BM25Index.build([c.search_text for c in self.chunks])
        return self._bm25

    @property
    def corpus_words(self):
        """The corpus's word tables answers read (rag.corpus_words.CorpusWords), stored by `rag
        index`; made from the chunks for an index written before they were stored."""
        if self._corpus_words is None:
            from rag.corpus_words import CorpusWords

            self._check_same_folder()
            self._corpus_words = CorpusWords.load(self.path) or CorpusWords.of(self.chunks)
        return self._corpus_words

    @property
    def query_embedder(self) -> Embedder:
        """The embedder for queries: the ONNX export stored with the index when there is one and the
        index uses the sentence-transformers model it came from (same vectors, no torch import),
        else `self.embedder`. Use it for anything embedded at query or answer time."""
        if self._query_embedder is None:
            record = self.manifest.get("query_encoder") or {}
            folder = self.path / record.get("folder", QUERY_ENCODER_DIR)
            if (
                record.get("kind") == "onnx"
                and isinstance(self.embedder, SentenceTransformerEmbedder)
                and (folder / "model.onnx").exists()
            ):
                self._query_embedder = OnnxEmbedder(folder, record, self.embedder.name)
            else:
                self._query_embedder = self.embedder
        return self._query_embedder

    @property
    def query_encoder_is_stale(self) -> bool:
        """The stored ONNX export lacks what this rag's export has (the token vectors the answer
        check uses): it still works, but those come from the torch model, slow to load, until
        `rag index` re-exports it."""
        record = self.manifest.get("query_encoder") or {}
        return record.get("kind") == "onnx" and not export_is_current(record)

    def corpus_changes(self) -> FileChanges | None:
        """What changed in the corpus folder the index was built from since it was built; None
        when that is unknown (an index from an older rag, or the folder is gone)."""
        recorded, corpus = self.manifest.get("files"), Path(self.manifest.get("corpus") or "")
        if recorded is None or not corpus.is_dir():
            return None
        return changed_files(corpus, recorded)

    @property
    def chunks_are_stale(self) -> bool:
        """The passages were cut by an older chunker (say, before summaries carried the piece's
        link): the index works, and `rag index` re-chunks every document."""
        return (self.manifest.get("chunker") or {}).get("version") != CHUNKER_VERSION

    def encode_query(self, query: str) -> np.ndarray:
        """The query's embedding by `query_embedder`. The last one is kept, so a ranker, a fusion
        and a reranker working on the same query embed it once."""
        if self._last_query is None or self._last_query[0] != query:
            self._last_query = (query, self.query_embedder.encode([query], kind="query")[0])
        return self._last_query[1]

    def search_vectors(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rows) for one normalized query vector; `allowed` restricts to those rows."""
        import faiss

        k = min(k, len(self.chunks) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        index_type = self.manifest.get("index_type", "flat")
        if allowed is not None and index_type != "flat" and len(allowed) <= EXACT_FILTER_MAX:
            # An ANN graph or a few IVF lists miss most rows of a narrow filter: score those exactly.
            allowed = np.sort(np.asarray(allowed, dtype=np.int64))
            scores = np.asarray(self.vectors[allowed]) @ np.asarray(query, dtype=np.float32).reshape(-1)
            top = np.argsort(-scores, kind="stable")[:k]
            return scores[top].astype(np.float32), allowed[top]
        if allowed is not None:
            params = _search_params(index_type, self.manifest.get("index_params") or {},
                                    faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, rows = self.faiss_index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]


def read_manifest(path: Path) -> dict:
    manifest_file = path / MANIFEST
    if not manifest_file.exists():
        raise IndexNotFoundError(f"no index at {path}: build it with `rag index --index {path}`")
    try:
        text = manifest_file.read_text(encoding="utf-8")
    except FileNotFoundError:  # gone since: a build swapping its folder in
        raise IndexNotFoundError(f"no index at {path}: build it with `rag index --index {path}`") from None
    except OSError as e:
        raise IndexMismatchError(f"cannot read index {path}: {e.strerror or e}") from None
    try:
        manifest = json.loads(text)
        if not _is_rag_manifest(manifest):
            raise IndexMismatchError(f"{path} is not a rag index: its {MANIFEST} is another program's")
        version = manifest["format_version"]
        fmt = manifest["format"]
        manifest["embedder"]["name"], manifest["embedder"]["dim"], manifest["documents"]
    except (ValueError, KeyError, TypeError) as e:
        raise damaged(path, f"its manifest: {e}") from None
    if fmt != FORMAT or not isinstance(version, int):
        raise IndexMismatchError(f"{path} is not a rag index: run `rag index --rebuild --index {path}`")
    if version > FORMAT_VERSION:
        raise IndexMismatchError(
            f"index {path} has format {version}, newer than this rag reads ({FORMAT_VERSION}): upgrade rag "
            f"or run `rag index --rebuild --index {path}`"
        )
    if version < FORMAT_VERSION:
        raise IndexMismatchError(
            f"index {path} has the old format {version}: run `rag index --rebuild --index {path}`"
        )
    return manifest


def damaged(path: Path, why: str, opened: tuple[int, int] | None = None) -> IndexMismatchError:
    """The error for an index folder whose files cannot be read or disagree: the fix is a rebuild;
    unless the folder was `opened` and has since been replaced by a build, which nothing damaged."""
    if opened is not None and _folder_id(path) != opened:
        return IndexMismatchError(f"index {path} was rebuilt while this command read it: run the command again")
    return IndexMismatchError(f"index {path} is damaged ({why}): run `rag index --rebuild --index {path}`")


OPEN_ATTEMPTS = 5


def _swapping(path: Path) -> bool:
    """A build is swapping its new folder in (`_swap_into_place`): the old one is set aside."""
    return any(path.parent.glob(f".{glob.escape(path.name)}.old-*"))


def _folder_id(path: Path) -> tuple[int, int] | None:
    """Which folder is at `path` now (a build swaps in a new one): its device and inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _previous_index(path: Path) -> Index | None:
    """The index an update starts from; none when there is no index at `path` yet."""
    if not (path / MANIFEST).exists():
        return None
    previous = Index.open(path)  # the embedder is lazy: opening loads no model
    _ = previous.vectors  # damaged vectors are an error here, not an "up to date" index
    return previous


def _resolve_embedder(embedder: Embedder | str | None, default: str | None) -> Embedder:
    if isinstance(embedder, str) and not embedder.strip():  # `--model ""` is a mistake, not the default
        raise ModelError("the model name is empty: give a sentence-transformers folder or a cached model name")
    if embedder is None or isinstance(embedder, str):
        return SentenceTransformerEmbedder(embedder or default)
    return embedder


def _embed(embedder: Embedder, texts: list[str], on_progress: ProgressCallback | None) -> np.ndarray:
    """Embed in groups, longest texts together so batches pad little; report progress per group."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    if on_progress:
        on_progress(0, len(texts))
    for start in range(0, len(order), EMBED_GROUP):
        rows = order[start : start + EMBED_GROUP]
        out[rows] = embedder.encode([texts[i] for i in rows], kind="passage")
        if on_progress:
            on_progress(min(start + EMBED_GROUP, len(texts)), len(texts))
    return out


def resolve_index_type(index_type: str, n: int) -> tuple[str, dict]:
    """(type, FAISS parameters) for `n` vectors. Measured on 1M 384-d vectors shaped like real
    embeddings (benchmarks/scale.py, results in benchmarks/results/): IVF-Flat with these settings
    has recall@10 0.998 at ~2 ms a query, HNSW M=32 only 0.80 at efSearch 128 (0.87 at 256) on the
    same data, so "auto" picks IVF for large corpora."""
    if index_type == "auto":
        index_type = "flat" if n <= AUTO_FLAT_MAX else "ivf"
    if index_type == "hnsw":
        return "hnsw", {"M": 32, "efConstruction": 40, "efSearch": 128}
    if index_type == "ivf":
        nlist = max(1, min(int(4 * n**0.5), n // 39))  # FAISS wants >= 39 training points per list
        return "ivf", {"nlist": nlist, "nprobe": min(nlist, max(16, nlist // 64))}
    return "flat", {}


def make_faiss_index(vectors: np.ndarray, index_type: str, params: dict):
    """A FAISS inner-product index of `vectors` (float32, normalized; may be memory-mapped), filled
    in batches so memory stays at the vectors plus the index itself."""
    import faiss

    n, dim = vectors.shape
    if index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(params["efConstruction"])
    elif index_type == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, int(params["nlist"]), faiss.METRIC_INNER_PRODUCT)
        # IVF asked for on a corpus too small for it (nlist is then 1): train quietly, without
        # FAISS's "please provide at least 39 training points" on stderr.
        index.cp.min_points_per_centroid = 1
        sample = min(n, 64 * int(params["nlist"]))
        rows = np.sort(np.random.default_rng(0).choice(n, size=sample, replace=False))
        index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
    else:
        index = faiss.IndexFlatIP(dim)
    for start in range(0, n, ADD_BATCH):
        index.add(np.ascontiguousarray(vectors[start : start + ADD_BATCH], dtype=np.float32))
    _apply_search_params(index, {"index_type": index_type, "index_params": params})
    return index


def _apply_search_params(faiss_index, manifest: dict) -> None:
    params = manifest.get("index_params") or {}
    if manifest.get("index_type") == "hnsw":
        faiss_index.hnsw.efSearch = int(params["efSearch"])
    elif manifest.get("index_type") == "ivf":
        faiss_index.nprobe = int(params["nprobe"])


def _search_params(index_type: str, params: dict, selector):
    import faiss

    if index_type == "hnsw":
        return faiss.SearchParametersHNSW(sel=selector, efSearch=int(params["efSearch"]))
    if index_type == "ivf":
        return faiss.SearchParametersIVF(sel=selector, nprobe=int(params["nprobe"]))
    return faiss.SearchParameters(sel=selector)


# What an index folder holds. A build replaces the folder whole, so a folder without a manifest that
# holds anything else is someone's files, not an index (one missing only its manifest is rebuilt).
INDEX_ENTRIES = frozenset({MANIFEST, CHUNKS, VECTORS, FAISS_FILE, QUERY_ENCODER_DIR, BM25_DIR, CORPUS_WORDS})


def recorded_corpus(path: Path) -> Path | None:
    """The corpus folder the index at `path` was built from, if its manifest records one that is there."""
    try:
        corpus = json.loads((path / MANIFEST).read_text(encoding="utf-8"))["corpus"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Path(corpus) if isinstance(corpus, str) and Path(corpus).is_dir() else None


def _holds_rag_manifest(path: Path) -> bool:
    """The folder's manifest.json is rag's (or one too damaged to tell): not another program's
    `{"name": "my app"}`, whose folder a build would wipe."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True
    return _is_rag_manifest(manifest)


def _is_rag_manifest(manifest) -> bool:
    """Parsed manifest.json data is rag's, or too damaged to be anyone else's (not a dict); another
    program's `{"name": "my app"}` is not."""
    return not isinstance(manifest, dict) or manifest.get("format") == FORMAT or "format_version" in manifest


def check_index_path(path: str | Path) -> Path:
    """`path` as a Path, if an index can be written there: it is written by swapping its folder
    whole, so not ".", "" (which typer reads as "."), "/" or "..", not a file, and not a folder of
    other files (they would be deleted with it)."""
    path = Path(path)
    if path.name in ("", ".."):
        raise QueryError(f"the index needs a folder of its own: give a folder name, not {str(path)!r}")
    if path.exists() and not path.is_dir():
        raise QueryError(f"{path} is a file, not an index folder: give a new folder for the index")
    if path.is_dir() and not _holds_rag_manifest(path):
        others = sorted(p.name for p in path.iterdir() if p.name not in INDEX_ENTRIES or p.name == MANIFEST)
        if others:
            shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise QueryError(
                f"{path} holds files that are not an index ({shown}); building there would delete them: "
                "give a new or empty folder for the index"
            )
    return path


def _store_query_encoder(folder: Path, embedder: Embedder, previous: Index | None, reuse_export: bool = True) -> dict:
    """Put the ONNX query encoder into the index folder being written and return its manifest record:
    linked from the previous index, else from the export cache (keyed by the model's weights), else
    exported now (~5 s) and cached. `reuse_export=False` (`rag index --rebuild`) exports anew: the
    files are hard links, so a damaged one in an index is damaged in the cache too. When the model
    cannot be exported, the record says why and queries use the embedder itself."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return {"kind": "none", "reason": f"{type(embedder).__name__} is not a sentence-transformers model"}
    record = (previous.manifest.get("query_encoder") or {}) if previous is not None else {}
    if record.get("kind") == "onnx" and not _export_intact(previous):
        reuse_export = False  # its files are hard links to the cache's: those are damaged too
    elif record.get("kind") == "onnx" and not previous.query_encoder_is_stale:  # older exports: redo
        try:
            _link_tree(previous.path / record.get("folder", QUERY_ENCODER_DIR), folder)
            return _with_sizes({**record, "folder": folder.name}, folder)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
    cached = onnx_cache_dir() / model_fingerprint(embedder)
    try:
        if not reuse_export:
            raise OSError("a rebuild exports anew")
        record = json.loads((cached / "record.json").read_text(encoding="utf-8"))
        if not _files_intact(cached, record):
            reuse_export = False
            raise OSError("the cached export is damaged")
        _link_tree(cached, folder, skip=("record.json",))
        return _with_sizes({**record, "folder": folder.name}, folder)
    except (OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        record = export_onnx(embedder, folder)
    except ExportError as e:
        shutil.rmtree(folder, ignore_errors=True)
        return {"kind": "torch", "reason": f"not exported to ONNX: {e}"}
    record = _with_sizes(record, folder)
    if not reuse_export:
        shutil.rmtree(cached, ignore_errors=True)  # the new export replaces one that may be damaged
    _cache_export(folder, record, cached)
    return record


def _with_sizes(record: dict, folder: Path) -> dict:
    """The export's record with its files' sizes, for `_files_intact` to check later."""
    return {**record, "sizes": {f.name: f.stat().st_size for f in sorted(folder.iterdir()) if f.is_file()}}


def _bm25_intact(index: Index) -> bool:
    """The index's BM25 files load and score its rows (damaged ones failed every hybrid query
    while `rag index` said the index was up to date)."""
    try:
        index.bm25
    except IndexMismatchError:
        return False
    return True


def _export_intact(index: Index) -> bool:
    """The index's ONNX query encoder is all there: a truncated or emptied file made every query
    fail as damaged while `rag index` said the index was up to date."""
    record = index.manifest.get("query_encoder") or {}
    if record.get("kind") != "onnx":
        return True
    return _files_intact(index.path / record.get("folder", QUERY_ENCODER_DIR), record)


def _files_intact(folder: Path, record: dict) -> bool:
    """The export's files have the sizes it recorded (an export from before sizes were kept: its
    two files are there and not empty)."""
    sizes = record.get("sizes") or {"model.onnx": None, "tokenizer.json": None}
    try:
        return all((folder / name).stat().st_size == size if size is not None else (folder / name).stat().st_size > 0
                   for name, size in sizes.items())
    except OSError:
        return False


def _cache_export(folder: Path, record: dict, cached: Path) -> None:
    """Keep a copy of an export for the next index of the same model; a cache that cannot be
    written only costs the next build its own export."""
    tmp = None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{cached.name}-", dir=cached.parent))
        _link_tree(folder, tmp)
        (tmp / "record.json").write_text(json.dumps(record), encoding="utf-8")
        os.rename(tmp, cached)  # fails when another build cached it first: theirs is as good
    except OSError:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _link_tree(source: Path, target: Path, skip: tuple[str, ...] = ()) -> None:
    """Hard-link (else copy) every file of `source` into `target`: an index's export is read-only."""
    target.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        if file.name in skip:
            continue
        try:
            os.link(file, target / file.name)
        except OSError:
            shutil.copy2(file, target / file.name)


def _write_index_folder(
    path: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray,
    embedder: Embedder | None = None, previous: Index | None = None, reuse_export: bool = True,
):
    """Write everything to a temporary sibling folder, then swap it into place."""
    import faiss

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(path)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    except OSError as e:
        raise cannot_write(path, e) from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would keep a shared index from other users
    try:
        with (tmp / CHUNKS).open("w", encoding="utf-8") as f:
            for chunk in chunks:
                f.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        np.save(tmp / VECTORS, vectors)
        from rag.bm25 import BM25_DIR, BM25Index

        BM25Index.build([c.search_text for c in chunks]).save(tmp / BM25_DIR)
        from rag.corpus_words import CorpusWords

        CorpusWords.of(chunks).save(tmp)  # the first answer would otherwise read every passage for them
        faiss_index = make_faiss_index(vectors, manifest.get("index_type", "flat"), manifest.get("index_params") or {})
        faiss.write_index(faiss_index, str(tmp / FAISS_FILE))
        if embedder is not None:
            manifest["query_encoder"] = _store_query_encoder(tmp / QUERY_ENCODER_DIR, embedder, previous, reuse_export)
        # The manifest goes last: a folder without one is never mistaken for an index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _swap_into_place(tmp, path)
    except OSError as e:  # no space left, a folder gone read-only: the index that was there stays
        shutil.rmtree(tmp, ignore_errors=True)
        raise cannot_write(path, e) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return faiss_index


def cannot_write(path: Path, error: OSError) -> IndexWriteError:
    """The one-line error for an index folder the system will not let a build write."""
    if isinstance(error, (FileExistsError, NotADirectoryError)) and not path.parent.is_dir():
        return IndexWriteError(f"cannot write the index at {path}: a file stands where a folder of its path should be")
    return IndexWriteError(f"cannot write the index at {path}: {error.strerror or error}")


@contextmanager
def _build_lock(path: Path):
    """Hold an exclusive lock on the index at `path` (a ".NAME.lock" file beside it) while a build
    runs; a second build blocks until the first is done. The file stays: removing it would race."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = open(path.parent / f".{path.name}.lock", "a")
    except OSError as e:
        raise cannot_write(path, e) from None
    with lock_file as lock:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            yield
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Say so: a second `rag index` that waits in silence looks hung.
            print(f"waiting for another build of {path} to finish…", file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


STALE_BUILD_SECONDS = 3600  # untouched this long, a sibling build folder is no build in progress


def _remove_stale_builds(path: Path, older_than: float = STALE_BUILD_SECONDS) -> None:
    """Delete the temporary siblings (".NAME.building-…", ".NAME.old-…") that a build killed
    outright (SIGKILL, power loss) left behind; without the build lock, recent ones may belong to
    a build still running. An ".old-…" folder that still holds a user's files (`_swap_into_place`
    moves them out last) gives them back first."""
    now = time.time()
    for kind in ("old", "building"):
        for folder in path.parent.glob(f".{glob.escape(path.name)}.{kind}-*"):
            if not folder.is_dir() or now - folder.stat().st_mtime < older_than:
                continue
            if kind == "old" and not path.exists():
                os.rename(folder, path)  # killed mid-swap: this is the index that was there
                continue
            if kind == "old" and path.is_dir():
                _move_foreign_entries(folder, path)
            shutil.rmtree(folder, ignore_errors=True)


def _swap_into_place(new: Path, path: Path) -> None:
    if not path.exists():
        os.rename(new, path)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.rename(path, old)
    try:
        os.rename(new, path)
    except BaseException:
        os.rename(old, path)
        raise
    _move_foreign_entries(old, path)
    shutil.rmtree(old, ignore_errors=True)


def _move_foreign_entries(old: Path, path: Path) -> None:
    """Move what a user put in the index folder (notes, their own files) from the replaced
    folder into the new one: a rebuild replaces the index's own entries, nothing else."""
    for entry in old.iterdir():
        if entry.name not in INDEX_ENTRIES and not (path / entry.name).exists():
            os.rename(entry, path / entry.name)


def _read_faiss(file: Path):
    import faiss

    # Memory-mapped: opening costs no copy of the vectors, whatever the index size.
    return faiss.read_index(str(file), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)


def _chunk_from_json(data: dict) -> Chunk:
    data["topics"] = tuple(data.get("topics") or ())
    return Chunk(**data)


def default_paths() -> tuple[Path, Path]:
    """(corpus folder, index folder) from RAG_CORPUS / RAG_INDEX, else seeds/ and indexes/default."""
    return Path(os.environ.get("RAG_CORPUS", "seeds")), Path(os.environ.get("RAG_INDEX", "indexes/default"))

