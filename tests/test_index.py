import hashlib
import json

import pytest

from rag.errors import CorpusError, IndexMismatchError, IndexNotFoundError, QueryError
from rag.index import Index
from rag.retrieval import Retriever
from tests.conftest import HashEmbedder


def _files(path):
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.rglob("*")) if p.is_file()}


def test_round_trip_gives_the_same_results(seeds_index, real_embedder):
    reopened = Index.open(seeds_index.path, real_embedder)
    assert [c.chunk_id for c in reopened.chunks] == [c.chunk_id for c in seeds_index.chunks]
    for query in ("who says emotion recognition is a scam", "training data for emotion models", "seals"):
        before = Retriever(seeds_index, mode="dense").search(query, k=5)
        after = Retriever(reopened, mode="dense").search(query, k=5)
        assert [h.chunk.chunk_id for h in before] == [h.chunk.chunk_id for h in after]
        assert [h.score for h in before] == pytest.approx([h.score for h in after], abs=1e-6)


def test_scam_question_ranks_the_scam_article_first(seeds_index):
    hits = Retriever(seeds_index, mode="dense").search("why do critics call facial expression recognition a scam", k=3)
    assert hits[0].chunk.doc_id == "002_4c3417b0c4697e7c"
    assert [h.rank for h in hits] == [1, 2, 3]


def test_manifest_records_what_built_the_index(seeds_index):
    manifest = json.loads((seeds_index.path / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["embedder"] == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}
    assert manifest["chunker"]["max_tokens"] > 0
    assert manifest["counts"]["documents"] == 5
    assert manifest["counts"]["chunks"] == len(seeds_index.chunks)
    assert all(len(d["hash"]) == 64 for d in manifest["documents"].values())


def test_opening_with_another_embedder_is_a_clear_error(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        Index.open(index_path, "sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        Index.build(corpus_copy, index_path, "sentence-transformers/all-MiniLM-L6-v2")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m.update(format_version=99), "newer than this rag reads"),
        (lambda m: m.update(format_version=0), "old format"),
        (lambda m: m.update(format="something-else"), "not a rag index"),
        (lambda m: m.pop("embedder"), "damaged \\(its manifest"),
    ],
)
def test_a_manifest_from_another_format_is_a_clear_error(corpus_copy, tmp_path, change, message):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    manifest = json.loads((index_path / "manifest.json").read_text())
    change(manifest)
    (index_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=message):
        Index.open(index_path, HashEmbedder())


def test_damaged_files_are_a_clear_error(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    (index_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMismatchError, match="damaged"):
        Index.open(index_path, HashEmbedder())


def test_truncated_vectors_are_a_clear_error_until_rebuilt(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    with open(index_path / "vectors.npy", "r+b") as f:
        f.truncate(500)
    with pytest.raises(IndexMismatchError, match="damaged"):
        _ = Index.open(index_path, HashEmbedder()).vectors
    with pytest.raises(IndexMismatchError, match="--rebuild"):  # not "up to date"
        Index.build(corpus_copy, index_path, HashEmbedder())
    rebuilt = Index.build(corpus_copy, index_path, HashEmbedder(), rebuild=True)
    assert Index.open(index_path, HashEmbedder()).vectors.shape == (len(rebuilt.chunks), HashEmbedder().dim)


def test_a_vectors_file_of_objects_is_damage_without_numpys_unsafe_advice(corpus_copy, tmp_path):
    """numpy's error for a pickled array advises loading it "unsafely" (allow_pickle): the user
    is told what is wrong and how to mend it instead."""
    import numpy as np

    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    np.save(index_path / "vectors.npy", np.array([{"not": "vectors"}], dtype=object), allow_pickle=True)
    with pytest.raises(IndexMismatchError, match="damaged .*vectors.npy") as error:
        _ = Index.open(index_path, HashEmbedder()).vectors
    assert "pickle" not in str(error.value)


def test_damaged_bm25_params_are_a_clear_error_mended_by_the_next_index_run(corpus_copy, tmp_path):
    """bm25s reads a params file of `{}` and failed only at the first query, with a TypeError;
    `rag index` called the index up to date."""
    index_path = tmp_path / "idx"
    built = Index.build(corpus_copy, index_path, HashEmbedder())
    (index_path / "bm25" / "params.index.json").write_text("{}")
    with pytest.raises(IndexMismatchError, match="damaged .*BM25"):
        _ = Index.open(index_path, HashEmbedder()).bm25
    assert Index.build(corpus_copy, index_path, HashEmbedder()).report.written
    assert Index.open(index_path, HashEmbedder()).bm25.rows == len(built.chunks)


def test_missing_index_and_empty_corpus(tmp_path):
    with pytest.raises(IndexNotFoundError, match="rag index"):
        Index.open(tmp_path / "none", HashEmbedder())
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable documents"):
        Index.build(tmp_path / "empty", tmp_path / "idx", HashEmbedder())
    (tmp_path / "empty" / "a.md").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError, match=r"1 skipped: .*a\.md: binary file"):  # which file, and why
        Index.build(tmp_path / "empty", tmp_path / "idx", HashEmbedder())
    assert not (tmp_path / "idx").exists()


def test_a_build_never_replaces_a_file_or_a_folder_of_other_files(corpus_copy, tmp_path):
    """The build swaps the index folder whole: pointed at someone's file or folder (or at the
    corpus itself) it must refuse, not delete what is there."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me")
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("keep me too")
    # A folder whose manifest.json is another program's is no index either, even with --rebuild.
    webapp = tmp_path / "webapp"
    webapp.mkdir()
    (webapp / "manifest.json").write_text('{"name": "my app"}')
    (webapp / "important.txt").write_text("keep me")
    with pytest.raises(IndexMismatchError, match="not a rag index"):
        Index.open(webapp)
    for target in (notes, a_file, corpus_copy, webapp):
        before = sorted(p.name for p in target.iterdir()) if target.is_dir() else target.read_text()
        with pytest.raises(QueryError, match="not an index"):
            Index.build(corpus_copy, target, HashEmbedder())
        assert (sorted(p.name for p in target.iterdir()) if target.is_dir() else target.read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file.txt", "corpus", "notes", "webapp"]  # no leftovers
    # An index folder missing only its manifest is a damaged index: it may be rebuilt in place.
    damaged = tmp_path / "damaged"
    Index.build(corpus_copy, damaged, HashEmbedder())
    (damaged / "manifest.json").unlink()
    assert Index.build(corpus_copy, damaged, HashEmbedder(), rebuild=True).report.documents == 5


def test_reindex_embeds_only_the_changed_document(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    first = HashEmbedder()
    built = Index.build(corpus_copy, index_path, first)
    assert built.report.embedded == len(built.chunks) == len(first.encoded)

    unchanged = HashEmbedder()
    again = Index.build(corpus_copy, index_path, unchanged)
    assert unchanged.encoded == [] and again.report.up_to_date

    target = corpus_copy / "003_8e8adc8aa99b0e78.txt"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "Recognizing facial expressions, however, is a whole different story.",
        "Recognizing facial expressions, however, remains much harder.",
    ), encoding="utf-8")
    second = HashEmbedder()
    updated = Index.build(corpus_copy, index_path, second)

    assert updated.report.changed == ("003_8e8adc8aa99b0e78",)
    assert updated.report.added == updated.report.removed == ()
    assert len(second.encoded) == 1 and "remains much harder" in second.encoded[0]
    assert updated.report.embedded == 1
    assert updated.report.reused == len(updated.chunks) - 1
    # the stored vectors are exactly those a full rebuild would make
    full = Index.build(corpus_copy, tmp_path / "full", HashEmbedder(), rebuild=True)
    assert [c.chunk_id for c in full.chunks] == [c.chunk_id for c in Index.open(index_path, HashEmbedder()).chunks]
    assert (Index.open(index_path, HashEmbedder()).vectors == full.vectors).all()


def test_added_and_removed_documents(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    (corpus_copy / "000_0d74549e87b2fe1b.txt").unlink()
    (corpus_copy / "new.md").write_text("---\ntitle: A new note\nexcerpt: Affect and faces.\n---\n", encoding="utf-8")
    embedder = HashEmbedder()
    updated = Index.build(corpus_copy, index_path, embedder)
    assert updated.report.removed == ("000_0d74549e87b2fe1b",)
    assert updated.report.added == ("new",)
    assert {c.doc_id for c in Index.open(index_path, HashEmbedder()).chunks} == {
        "001_083ada1853b1cad6", "002_4c3417b0c4697e7c", "003_8e8adc8aa99b0e78", "004_f9b868ada0241f27", "new"}
    assert len(embedder.encoded) == 1


class ExplodingEmbedder(HashEmbedder):
    """Fails part-way through a build, as a crash or Ctrl-C would."""

    def encode(self, texts, kind="passage"):
        raise KeyboardInterrupt("interrupted mid-build")


def test_an_interrupted_build_leaves_the_previous_index_unchanged(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    before = _files(index_path)
    (corpus_copy / "004_f9b868ada0241f27.txt").write_text("---\ntitle: Rewritten\n---\nAll new text.\n", encoding="utf-8")

    with pytest.raises(KeyboardInterrupt):
        Index.build(corpus_copy, index_path, ExplodingEmbedder())
    with pytest.raises(KeyboardInterrupt):
        Index.build(corpus_copy, index_path, ExplodingEmbedder(), rebuild=True)

    assert _files(index_path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["corpus", "idx"]  # no temp folder left behind
    reopened = Index.open(index_path, HashEmbedder())
    assert len(reopened.chunks) == reopened.faiss_index.ntotal


def test_a_build_removes_what_a_killed_build_left_behind(corpus_copy, tmp_path):
    """SIGKILL leaves no chance to clean up: the next build removes the temporary folders, old or
    recent (it holds the index's build lock, so no build of it runs beside it; a SIGTERM'd one
    left 88 MB each time), but not another index's; a user's file left in a killed swap's
    ".old-…" folder goes back into the index."""
    import os
    import time

    from rag.index import STALE_BUILD_SECONDS

    stale = [tmp_path / ".idx.building-k1", tmp_path / ".idx.old-4242", tmp_path / ".idx.building-now"]
    kept = [tmp_path / ".idx2.building-k2", tmp_path / ".idx.notes"]
    for folder in stale + kept:
        folder.mkdir()
        (folder / "chunks.jsonl").write_text("", encoding="utf-8")
    (tmp_path / ".idx.old-4242" / "my-notes.txt").write_text("keep me", encoding="utf-8")
    long_ago = time.time() - STALE_BUILD_SECONDS - 60
    for folder in [*stale[:2], *kept]:
        os.utime(folder, (long_ago, long_ago))
    Index.build(corpus_copy, tmp_path / "idx", HashEmbedder())
    Index.build(corpus_copy, tmp_path / "idx", HashEmbedder())  # an index there now: the old folder's file goes back
    assert not any(f.exists() for f in stale) and all(f.exists() for f in kept)
    assert (tmp_path / "idx" / "my-notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rebuilding_an_index_keeps_what_a_user_put_in_its_folder(corpus_copy, tmp_path):
    """The build swaps the index folder whole: a note or a folder of one's own inside an index
    was deleted by the next `rag index`."""
    path = tmp_path / "idx"
    Index.build(corpus_copy, path, HashEmbedder())
    (path / "NOTES.txt").write_text("built for the March review", encoding="utf-8")
    (path / "mydata").mkdir()
    (path / "mydata" / "keep.csv").write_text("a,b\n", encoding="utf-8")
    Index.build(corpus_copy, path, HashEmbedder(), rebuild=True)
    assert (path / "NOTES.txt").read_text(encoding="utf-8") == "built for the March review"
    assert (path / "mydata" / "keep.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".idx.lock", "corpus", "idx"]  # no temporary folder left


def test_a_second_build_of_one_index_waits_for_the_first_and_updates_its_result(corpus_copy, tmp_path):
    """Two builds at once each updated the index as it was, and the last to finish dropped the
    other's changes: now the second waits for the first's lock, then starts from its result."""
    import shutil
    import threading

    from rag.index import _build_lock

    path = tmp_path / "idx"
    Index.build(corpus_copy, path, HashEmbedder())
    first = sorted(corpus_copy.glob("*.txt"))[0]
    shutil.copy(first, corpus_copy / "copy-of-first.txt")  # the change the waiting build must see
    result = {}
    with _build_lock(path):  # a first build, still running
        waiting = threading.Thread(target=lambda: result.setdefault("index", Index.build(corpus_copy, path, HashEmbedder())))
        waiting.start()
        waiting.join(timeout=5)
        assert waiting.is_alive(), "a second build must not run while the first holds the index"
    waiting.join(timeout=120)
    assert result["index"].report.added == ("copy-of-first",)
    assert "copy-of-first" in Index.open(path, HashEmbedder()).manifest["documents"]


def test_an_index_folder_is_as_readable_as_any_new_folder(corpus_copy, tmp_path):
    """mkdtemp makes its folder 0700: an index shared on a machine was readable by its builder alone."""
    import os

    umask = os.umask(0o022)
    try:
        Index.build(corpus_copy, tmp_path / "idx", HashEmbedder())
    finally:
        os.umask(umask)
    assert (tmp_path / "idx").stat().st_mode & 0o777 == 0o755


def test_rebuild_embeds_everything(corpus_copy, tmp_path):
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    embedder = HashEmbedder()
    rebuilt = Index.build(corpus_copy, index_path, embedder, rebuild=True)
    assert rebuilt.report.embedded == len(rebuilt.chunks) == len(embedder.encoded)


def test_an_index_cut_by_an_older_chunker_is_stale_until_reindexed(corpus_copy, tmp_path):
    """Documents unchanged since an older rag built the index are chunked again, so its passages
    get what this chunker adds (a summary's link); until then the index says it is stale."""
    index_path = tmp_path / "idx"
    Index.build(corpus_copy, index_path, HashEmbedder())
    manifest_path = index_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["chunker"]["version"] -= 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert Index.open(index_path, HashEmbedder()).chunks_are_stale

    embedder = HashEmbedder()
    refreshed = Index.build(corpus_copy, index_path, embedder)
    assert not refreshed.chunks_are_stale and not Index.open(index_path, HashEmbedder()).chunks_are_stale
    assert not refreshed.report.up_to_date
    # Chunks whose text did not change keep their vectors (a chunk's id is its text's hash).
    assert refreshed.report.embedded == 0 and refreshed.report.reused == len(refreshed.chunks)


def test_reading_while_a_build_swaps_in_a_new_folder_is_no_damage(corpus_copy, tmp_path):
    """A `rag ask` that opened the index just before a rebuild swapped a new folder in read the
    manifest of one and the chunks or vectors of the other, and said the index was damaged and
    needed a rebuild (1 ask in 50 beside a loop of rebuilds). Opening reads again; a lazy read
    after the swap says what happened."""
    import threading

    path = tmp_path / "idx"
    Index.build(corpus_copy, path, HashEmbedder())
    opened = Index.open(path, HashEmbedder())
    (corpus_copy / "extra.txt").write_text("---\ntitle: Extra\n---\nOne more document, one more chunk.\n", encoding="utf-8")
    Index.build(corpus_copy, path, HashEmbedder())  # swapped in while `opened` has not read its vectors
    with pytest.raises(IndexMismatchError, match="rebuilt while this command read it"):
        _ = opened.vectors

    stop = threading.Event()
    def rebuild_again_and_again():
        while not stop.is_set():
            Index.build(corpus_copy, path, HashEmbedder(), rebuild=True)
    builder = threading.Thread(target=rebuild_again_and_again)
    builder.start()
    try:
        for _ in range(300):
            index = Index.open(path, HashEmbedder())
            assert len(index.chunks) == index.faiss_index.ntotal
    finally:
        stop.set()
        builder.join()


def test_a_damaged_query_encoder_is_mended_by_the_next_index_run(corpus_copy, tmp_path, real_embedder):
    """A truncated model.onnx made every query fail as damaged, while `rag index` said the index
    was up to date: only --rebuild mended it. The export's sizes are recorded and checked."""
    path = tmp_path / "idx"
    Index.build(corpus_copy, path, real_embedder)
    onnx = path / "query_encoder" / "model.onnx"
    head = onnx.read_bytes()[:1000]
    onnx.unlink()  # replaced, not truncated in place: its inode is shared with the export cache
    onnx.write_bytes(head)
    with pytest.raises(IndexMismatchError, match="damaged"):
        Index.open(path).encode_query("emotion recognition")
    mended = Index.build(corpus_copy, path, real_embedder)
    assert mended.report.written
    assert Index.open(path).encode_query("emotion recognition").shape[-1] == 384
    assert Index.build(corpus_copy, path, real_embedder).report.up_to_date


def test_an_index_path_that_cannot_be_written_is_a_one_line_error(corpus_copy, tmp_path):
    """A read-only place or a file in the path raised an 'unexpected OSError' from the lock file."""
    from rag.errors import IndexWriteError

    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    with pytest.raises(IndexWriteError, match="cannot write the index at .*a file stands where a folder"):
        Index.build(corpus_copy, tmp_path / "afile" / "idx", HashEmbedder())
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "not a folder"


def test_the_corpus_word_tables_are_stored_with_the_index_and_made_again_without_them(tmp_path, corpus_copy, real_embedder):
    """The first answer read every passage for the speller's words, the corpus's names and word
    weights (seconds on a large corpus): `rag index` stores them; an index written before, or one
    whose file is unreadable, makes them from its chunks, and answers the same."""
    from rag.assistant import Assistant
    from rag.corpus_words import CORPUS_WORDS, CorpusWords

    index = Index.build(corpus_copy, tmp_path / "idx", real_embedder)
    stored = CorpusWords.load(index.path)
    assert stored is not None and stored == CorpusWords.of(index.chunks)
    assert stored.passages == len(index.chunks) and stored.spellings and stored.names and stored.passage_counts
    question = "Which outlet ran the piece calling facial expression recognition a scam?"
    misspelled = "Who makes CompreFase?"
    expected = [Assistant(Index.open(index.path, real_embedder)).ask(q).text for q in (question, misspelled)]
    assert "CompreFace" in expected[1]
    mistyped = json.dumps({"words": {"lumora": "x"}, "spellings": {}, "pairs": [], "names": [], "passage_counts": {}, "passages": 1})
    for damage in ("{not json", mistyped, None):
        file = index.path / CORPUS_WORDS
        if damage is None:
            file.unlink()
        else:
            file.write_text(damage, encoding="utf-8")
        reopened = Index.open(index.path, real_embedder)
        assert reopened.corpus_words == stored
        assert [Assistant(reopened).ask(q).text for q in (question, misspelled)] == expected
    # `rag index` over the unchanged corpus writes the index again to hold them, embedding nothing
    rebuilt = Index.build(corpus_copy, tmp_path / "idx", real_embedder)
    assert rebuilt.report.written and rebuilt.report.embedded == 0 and CorpusWords.load(rebuilt.path) == stored
    assert not Index.build(corpus_copy, tmp_path / "idx", real_embedder).report.written
