"""An index folder: build it, update it, open it.

    indexes/NAME/
      manifest.json   format version, embedder name + dim, chunker settings, per-document hash, counts
      chunks.jsonl    the chunk store: one chunk (text + metadata) a line, in vector order
      vectors.npy     float32 [n, dim] normalized embeddings: the source for incremental updates
      vectors.faiss   the FAISS index searched at query time (inner product = cosine)

A build writes a temporary sibling folder and renames it into place, so an interrupted build leaves
the previous index as it was. Re-indexing re-chunks only documents whose content hash changed and
embeds only chunks whose text was not embedded before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from rag.chunking import ChunkerSettings, chunk_document
from rag.corpus import load_corpus
from rag.embedding import Embedder, SentenceTransformerEmbedder
from rag.errors import CorpusError, IndexMismatchError, IndexNotFoundError
from rag.types import Chunk, SkippedFile

FORMAT = "rag-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
FAISS_FILE = "vectors.faiss"
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

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, embedder: Embedder | str | None = None) -> Index:
        """Open an index folder. `embedder` (an Embedder or a model name) must be the one the index
        was built with; by default the manifest's model is used."""
        path = Path(path)
        manifest = read_manifest(path)
        built_with = manifest["embedder"]["name"]
        embedder = _resolve_embedder(embedder, default=built_with)
        if embedder.name != built_with:
            raise IndexMismatchError(
                f"index {path} was built with embedder {built_with!r}, not {embedder.name!r}: "
                f"rebuild it with `rag index --rebuild --index {path} --model {embedder.name}`"
            )
        try:
            chunks = [_chunk_from_json(json.loads(line)) for line in (path / CHUNKS).open(encoding="utf-8")]
            faiss_index = _read_faiss(path / FAISS_FILE)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
            raise IndexMismatchError(f"index {path} is damaged ({e}): run `rag index --rebuild`") from None
        if faiss_index.ntotal != len(chunks) or faiss_index.d != manifest["embedder"]["dim"]:
            raise IndexMismatchError(f"index {path} is damaged (vectors and chunks disagree): run `rag index --rebuild`")
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
    ) -> Index:
        """Build or update the index at `path` from the corpus folder. Without `rebuild`, an
        existing index is updated: unchanged documents keep their chunks and vectors."""
        path = Path(path)
        loaded = load_corpus(corpus)
        if not loaded.documents:
            detail = f" ({len(loaded.skipped)} files skipped as unreadable)" if loaded.skipped else ""
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

        if previous and same_chunker and not (added or changed or removed):
            previous.report = BuildReport(
                documents=len(loaded.documents), chunks=len(chunks), reused=len(chunks),
                skipped=loaded.skipped, written=False,
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
            "index_type": "flat",
            "corpus": str(Path(corpus).resolve()),
            "counts": {"documents": len(documents), "chunks": len(chunks), "skipped": len(loaded.skipped)},
            "documents": documents,
            "created": previous.manifest["created"] if previous else now,
            "updated": now,
        }
        faiss_index = _write_index_folder(path, manifest, chunks, vectors)
        report = BuildReport(
            documents=len(documents), chunks=len(chunks), added=tuple(added), changed=tuple(changed),
            removed=tuple(removed), embedded=len(to_embed), reused=len(chunks) - len(to_embed),
            skipped=loaded.skipped,
        )
        return cls(path, manifest, chunks, faiss_index, embedder, report, vectors)

    # -- reading ---------------------------------------------------------------------------
    @property
    def vectors(self) -> np.ndarray:
        """All chunk vectors (memory-mapped from disk when the index was opened)."""
        if self._vectors is None:
            self._vectors = np.load(self.path / VECTORS, mmap_mode="r")
        return self._vectors

    def search_vectors(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rows) for one normalized query vector; `allowed` restricts to those rows."""
        import faiss

        k = min(k, len(self.chunks) if allowed is None else len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, rows = self.faiss_index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]


def read_manifest(path: Path) -> dict:
    manifest_file = path / MANIFEST
    if not manifest_file.exists():
        raise IndexNotFoundError(f"no index at {path}: build it with `rag index --index {path}`")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        version = manifest["format_version"]
        fmt = manifest["format"]
        manifest["embedder"]["name"], manifest["embedder"]["dim"], manifest["documents"]
    except (ValueError, KeyError, TypeError) as e:
        raise IndexMismatchError(f"index {path} has a damaged manifest ({e}): run `rag index --rebuild`") from None
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


def _previous_index(path: Path) -> Index | None:
    """The index an update starts from; none when there is no index at `path` yet."""
    if not (path / MANIFEST).exists():
        return None
    return Index.open(path)  # the embedder is lazy: opening loads no model


def _resolve_embedder(embedder: Embedder | str | None, default: str | None) -> Embedder:
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


def _write_index_folder(path: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray):
    """Write everything to a temporary sibling folder, then swap it into place."""
    import faiss

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    try:
        with (tmp / CHUNKS).open("w", encoding="utf-8") as f:
            for chunk in chunks:
                f.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        np.save(tmp / VECTORS, vectors)
        faiss_index = faiss.IndexFlatIP(vectors.shape[1])
        faiss_index.add(vectors)
        faiss.write_index(faiss_index, str(tmp / FAISS_FILE))
        # The manifest goes last: a folder without one is never mistaken for an index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _swap_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return faiss_index


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
    shutil.rmtree(old, ignore_errors=True)


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

