"""The embedders, and the ONNX query path against the torch model it was exported from."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from rag.embedding import OnnxEmbedder, SentenceTransformerEmbedder
from rag.index import Index
from rag.retrieval import Retriever

# Our own phrasings, not taken from any evaluation set.
QUERIES = [
    "does facial expression analysis reveal what someone feels",
    "companies selling emotion detection to employers",
    "regulation of affective computing in Europe",
    "bias of emotion AI against people of colour",
    "what do psychologists say about universal emotions",
    "video interview software that scores candidates",
    "x",
]


def test_real_embedder_contract(real_embedder):
    vectors = real_embedder.encode(["one sentence", "another, longer sentence about faces"], kind="passage")
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.encode([], kind="query").shape == (0, 384)


def test_index_stores_an_onnx_query_encoder(seeds_index):
    record = seeds_index.manifest["query_encoder"]
    assert record["kind"] == "onnx", record
    assert record["max_seq_length"] == 256
    assert record["max_abs_diff"] < 1e-5
    folder = seeds_index.path / record["folder"]
    assert (folder / "model.onnx").stat().st_size > 1_000_000 and (folder / "tokenizer.json").exists()
    assert isinstance(seeds_index.query_embedder, OnnxEmbedder)
    reopened = Index.open(seeds_index.path)
    assert isinstance(reopened.query_embedder, OnnxEmbedder)
    assert json.loads((seeds_index.path / "manifest.json").read_text())["query_encoder"] == record


def test_onnx_vectors_equal_torch_vectors(seeds_index, real_embedder):
    onnx = seeds_index.query_embedder
    passages = [c.search_text for c in seeds_index.chunks]
    for kind, texts in (("query", QUERIES), ("passage", passages)):
        got, expected = onnx.encode(texts, kind=kind), real_embedder.encode(texts, kind=kind)
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.abs(got - expected).max() < 1e-5, kind
        assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert onnx.encode([], kind="query").shape == (0, 384)


def test_onnx_token_vectors_equal_torch_token_vectors(seeds_index, real_embedder):
    onnx = seeds_index.query_embedder
    assert onnx.has_token_vectors
    for text in [*QUERIES, seeds_index.chunks[0].search_text, "Ünïcödé, emoji 🙂 and emotion-reading AI's limits"]:
        got, expected = onnx.token_vectors(text), real_embedder.token_vectors(text)
        assert got.words == expected.words and got.word_of == expected.word_of, text
        assert got.vectors.shape == expected.vectors.shape and np.abs(got.vectors - expected.vectors).max() < 1e-5
        assert np.allclose(np.linalg.norm(got.vectors, axis=1), 1.0, atol=1e-5)
        assert got.word_of[0] == got.word_of[-1] == -1  # [CLS] and [SEP] belong to no word
    words = onnx.token_vectors("emotion-reading AI's").words
    assert words == ("emotion", "-", "reading", "AI", "'", "s")  # each word as written


def test_onnx_rankings_equal_torch_rankings_on_the_shipped_corpus(seeds_index, real_embedder):
    every = len(seeds_index.chunks)
    for query in QUERIES:
        torch_rows = seeds_index.search_vectors(real_embedder.encode([query], kind="query")[0], every)[1]
        onnx_hits = Retriever(seeds_index, mode="dense").search(query, k=every)
        assert [h.chunk.chunk_id for h in onnx_hits] == [seeds_index.chunks[r].chunk_id for r in torch_rows], query


def test_onnx_respects_max_seq_length(seeds_index, real_embedder):
    long = " ".join(f"word{i}" for i in range(400))  # far past 256 tokens
    onnx = seeds_index.query_embedder
    a, b = onnx.encode([long, long + " and a tail that truncation must cut off"], kind="passage")
    assert np.abs(a - b).max() < 1e-6
    assert np.abs(a - real_embedder.encode([long], kind="passage")[0]).max() < 1e-5


def test_query_path_imports_neither_torch_nor_sentence_transformers(seeds_index):
    code = (
        "import sys; from rag import Index, Retriever; "
        f"hits = Retriever(Index.open({str(seeds_index.path)!r}), mode='dense').search('emotion AI', k=3); "
        "assert len(hits) == 3; "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_embedder_that_cannot_be_exported_keeps_its_own_query_path(corpus_copy, tmp_path, hash_embedder):
    built = Index.build(corpus_copy, tmp_path / "index", hash_embedder)
    record = built.manifest["query_encoder"]
    assert record["kind"] != "onnx" and "not a sentence-transformers model" in record["reason"]
    assert not (tmp_path / "index" / "query_encoder").exists()
    assert built.query_embedder is hash_embedder


def test_update_reuses_the_stored_export(seeds_index, tmp_path, corpus_copy, real_embedder):
    import shutil

    path = tmp_path / "index"
    shutil.copytree(seeds_index.path, path)
    first = next(corpus_copy.iterdir())
    first.write_text(first.read_text(encoding="utf-8") + "\n\nOne more paragraph about emotion AI.\n", encoding="utf-8")
    updated = Index.build(corpus_copy, path, real_embedder)
    assert updated.report.embedded >= 1
    assert updated.manifest["query_encoder"]["kind"] == "onnx"
    a = updated.query_embedder.encode(QUERIES[:2], kind="query")
    assert np.abs(a - real_embedder.encode(QUERIES[:2], kind="query")).max() < 1e-5


@pytest.mark.parametrize("model", ["no/such-model-anywhere"])
def test_unknown_model_is_a_clear_error(model):
    from rag.errors import ModelError

    with pytest.raises(ModelError, match="cannot load embedding model"):
        SentenceTransformerEmbedder(model).encode(["x"])


def test_export_is_cached_across_indexes_by_model(seeds_index, real_embedder, tmp_path, monkeypatch):
    from rag.embedding import model_fingerprint, onnx_cache_dir

    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    first = Index.build(_seeds(), tmp_path / "a", real_embedder)
    cached = onnx_cache_dir() / model_fingerprint(real_embedder)
    assert (cached / "model.onnx").exists() and first.manifest["query_encoder"]["kind"] == "onnx"
    second = Index.build(_seeds(), tmp_path / "b", real_embedder)
    assert (tmp_path / "b" / "query_encoder" / "model.onnx").stat().st_ino == (cached / "model.onnx").stat().st_ino
    assert second.manifest["query_encoder"]["max_abs_diff"] == first.manifest["query_encoder"]["max_abs_diff"]
    assert isinstance(second.query_embedder, OnnxEmbedder)


def test_a_damaged_query_encoder_is_a_clear_error_that_a_rebuild_mends(real_embedder, tmp_path, monkeypatch):
    """The export is hard-linked from the cache, so damage to an index's model.onnx damages the
    cache's too: the error names the fix, and `--rebuild` exports anew, mending both."""
    from rag.embedding import model_fingerprint, onnx_cache_dir
    from rag.errors import IndexMismatchError

    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    Index.build(_seeds(), tmp_path / "a", real_embedder)
    with open(tmp_path / "a" / "query_encoder" / "model.onnx", "r+b") as f:
        f.truncate(1000)  # in place: the cache's hard link is cut short too
    damaged = Index.open(tmp_path / "a", real_embedder)
    with pytest.raises(IndexMismatchError, match="damaged .*query encoder.*rag index --rebuild"):
        damaged.encode_query("why is emotion AI called a scam?")
    rebuilt = Index.build(_seeds(), tmp_path / "a", real_embedder, rebuild=True)
    assert rebuilt.encode_query("why is emotion AI called a scam?").shape == (real_embedder.dim,)
    assert (onnx_cache_dir() / model_fingerprint(real_embedder) / "model.onnx").stat().st_size > 1000
    assert Index.build(_seeds(), tmp_path / "b", real_embedder).encode_query("scam").shape == (real_embedder.dim,)


def test_a_disk_that_fills_up_during_the_export_fails_the_build_and_keeps_the_index(real_embedder, tmp_path, monkeypatch):
    """The export ran out of space and the build went on with a slow torch query path, silently,
    in place of a good index (and later builds called it up to date)."""
    import errno

    import torch

    from rag.errors import IndexWriteError

    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    before = Index.build(_seeds(), tmp_path / "a", real_embedder).manifest["query_encoder"]
    assert before["kind"] == "onnx"

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch.onnx, "export", no_space)
    with pytest.raises(IndexWriteError, match="No space left"):
        Index.build(_seeds(), tmp_path / "a", real_embedder, rebuild=True)
    assert Index.open(tmp_path / "a", real_embedder).manifest["query_encoder"] == before


def _seeds():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "seeds"


def test_export_follows_another_models_pooling_and_length(tmp_path, real_embedder, monkeypatch):
    """Not only MiniLM's mean pooling at 256 tokens: CLS pooling, no Normalize module, 32 tokens."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling, Transformer

    from rag.embedding import packaged_model_path

    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    transformer = Transformer(str(packaged_model_path()), max_seq_length=32)
    SentenceTransformer(modules=[transformer, Pooling(384, pooling_mode="cls")], device="cpu").save(str(tmp_path / "cls-model"))
    embedder = SentenceTransformerEmbedder(str(tmp_path / "cls-model"))
    built = Index.build(_seeds(), tmp_path / "index", embedder)
    record = built.manifest["query_encoder"]
    assert record["kind"] == "onnx" and record["max_seq_length"] == 32
    onnx = Index.open(tmp_path / "index").query_embedder
    assert isinstance(onnx, OnnxEmbedder)
    texts = QUERIES + [c.search_text for c in built.chunks[:8]]
    expected = embedder.encode(texts, kind="query")
    assert np.abs(onnx.encode(texts, kind="query") - expected).max() < 1e-5
    assert np.abs(expected - real_embedder.encode(texts, kind="query")).max() > 0.05  # really another model
