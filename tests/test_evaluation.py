"""Retrieval evaluation: metrics against ranx, dataset loaders, the BEIR index cache, `rag eval`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.errors import DatasetError
from rag.evaluation import (
    beir_cache_path,
    beir_index,
    evaluate,
    load_dataset,
    percentile,
    score_run,
)
from tests.test_cli import assert_one_line_error, rag


# -- metrics -------------------------------------------------------------------------------------
@pytest.fixture
def fixed_run_file(tmp_path):
    """A TREC run file and graded qrels made from a fixed seed: 40 queries over 300 documents."""
    rng = np.random.RandomState(20260515)
    qrels, lines = {}, []
    for q in range(40):
        qid = f"q{q}"
        relevant = rng.choice(300, size=rng.randint(1, 6), replace=False)
        qrels[qid] = {f"d{d}": int(rng.randint(1, 3)) for d in relevant}
        retrieved = rng.choice(300, size=120, replace=False)
        if q % 7 == 0:  # some queries find nothing relevant at all
            retrieved = np.array([d for d in retrieved if f"d{d}" not in qrels[qid]])
        scores = np.sort(rng.rand(len(retrieved)))[::-1] * 10 + 1
        lines += [f"{qid} Q0 d{d} {rank} {s:.6f} fixed" for rank, (d, s) in enumerate(zip(retrieved, scores), start=1)]
    path = tmp_path / "run.trec"
    path.write_text("\n".join(lines) + "\n")
    return path, qrels


def test_metrics_agree_with_ranx(fixed_run_file):
    from ranx import Qrels, Run, evaluate as ranx_evaluate

    path, qrels = fixed_run_file
    run: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        qid, _, doc, _, _, _ = line.split()
        run.setdefault(qid, []).append(doc)
    names = ["ndcg@10", "recall@10", "recall@100", "mrr@10", "ndcg@100", "mrr@3"]
    ours = score_run(run, qrels, tuple(names))
    reference = ranx_evaluate(Qrels(qrels), Run.from_file(str(path), kind="trec"), names)
    for name in names:
        assert ours[name] == pytest.approx(float(reference[name]), abs=1e-6), name
    assert 0 < ours["ndcg@10"] < 1  # the fixture is neither trivial nor empty


def test_metric_edge_cases():
    qrels = {"a": {"x": 1, "y": 1}, "b": {"z": 2}}
    assert score_run({"a": ["x", "y"], "b": ["z"]}, qrels) == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    # A query the run misses scores zero; relevance past the cut does not count.
    scores = score_run({"a": ["n"] * 10 + ["x"]}, qrels)
    assert scores["recall@10"] == 0 and scores["recall@100"] == pytest.approx(0.25) and scores["mrr@10"] == 0
    assert percentile([5, 1, 3, 2, 4], 50) == 3 and percentile([1, 2], 95) == pytest.approx(1.95)


# -- datasets ------------------------------------------------------------------------------------
def write_gold(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


GOLD = [
    {"id": "a", "question": "Who made the seal face recognition software?", "answerable": True,
     "doc_ids": ["002_4c3417b0c4697e7c"], "answer_contains": "", "split": "tune", "near_miss": False},
    {"id": "b", "question": "What does the video say about emotion recognition challenges?", "answerable": True,
     "doc_ids": ["004_f9b868ada0241f27"], "answer_contains": "", "split": "test", "near_miss": False},
    {"id": "c", "question": "What is the boiling point of tungsten?", "answerable": False, "doc_ids": [],
     "answer_contains": "", "split": "test", "near_miss": False},
]


def test_gold_loader_skips_unanswerable_and_selects_splits(tmp_path):
    path = write_gold(tmp_path / "gold.jsonl", GOLD)
    everything = load_dataset(path)
    assert everything.kind == "gold" and set(everything.queries) == {"a", "b"}
    assert everything.qrels["a"] == {"002_4c3417b0c4697e7c": 1}
    assert len(everything.rows) == 3  # unanswerable rows stay available for answer metrics
    assert set(load_dataset(path, "train").queries) == {"a"}
    assert set(load_dataset(path, "test").queries) == {"b"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "x"}\n', "question must be"),
        ("not json\n", "not JSON"),
        (json.dumps(GOLD[2]) + "\n", "no answerable question"),
        ('{"question": 42, "answerable": true, "doc_ids": ["a"]}\n', ":1: question must be a non-empty string"),
        ('{"question": "q?", "answerable": "yes", "doc_ids": ["a"]}\n', "answerable must be true or false"),
        ('{"question": "q?", "answerable": true, "doc_ids": "a"}\n', "doc_ids must be a list"),
        ('{"question": "q?", "answerable": true, "doc_ids": ["a"], "answer_contains": 3}\n', "answer_contains must be a string"),
        ("[1, 2]\n", "not a gold question"),
        # two rows of one id: one of them was silently not scored
        ('{"id": "a1", "question": "q?", "answerable": true, "doc_ids": ["a"]}\n' * 2, ":2: id 'a1' repeats line 1's"),
    ],
)
def test_bad_gold_files_are_dataset_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)
    path.write_bytes(b"\xff\xfe" + content.encode())
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_dataset(path)


def test_a_gold_row_without_a_phrase_is_judged_by_its_citations(tmp_path, seeds_index):
    from rag.answer_eval import answer_metrics

    question = {"question": "Which outlet called facial expression recognition a scam?", "answerable": True}
    path = write_gold(tmp_path / "gold.jsonl", [{**question, "doc_ids": ["002_4c3417b0c4697e7c"]}])
    assert answer_metrics(seeds_index, load_dataset(path).rows)["answer_acc"] == 1.0
    path = write_gold(tmp_path / "gold.jsonl", [{**question, "doc_ids": ["000_0d74549e87b2fe1b"]}])
    assert answer_metrics(seeds_index, load_dataset(path).rows)["answer_acc"] == 0.0


TINY_CORPUS = [
    ("d1", "Seal recognition", "Researchers trained a face recognition network to tell individual harbor seals apart."),
    ("d2", "Coffee and sleep", "Drinking coffee late in the evening delays sleep onset in adults."),
    ("d3", "Volcano eruptions", "Magma pressure under the crust drives explosive volcanic eruptions."),
    ("d4", "Tomato growing", "Tomato plants need full sun, regular watering and support stakes."),
    ("d5", "Bicycle gears", "A derailleur moves the chain between sprockets to change bicycle gears."),
    ("d6", "Honeybee dances", "Honeybees perform a waggle dance to tell hive mates where flowers are."),
]
TINY_QUERIES = {
    "1": "How can individual seals be identified from their faces?",
    "2": "Does caffeine in the evening affect sleep?",
    "3": "What makes volcanoes erupt explosively?",
    "4": "How do bees communicate where food is?",
}
TINY_QRELS = {"1": "d1", "2": "d2", "3": "d3", "4": "d6"}


def make_beir(folder, corpus=TINY_CORPUS):
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in corpus))
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in TINY_QUERIES.items()))
    rows = "".join(f"{q}\t{d}\t1\n" for q, d in TINY_QRELS.items())
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + rows)
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n")
    return folder


def test_beir_loader(tmp_path):
    folder = make_beir(tmp_path / "tiny")
    test = load_dataset(folder)
    assert test.kind == "beir" and test.name == "tiny/test"
    assert test.qrels == {q: {d: 1} for q, d in TINY_QRELS.items()}
    assert test.queries["2"] == TINY_QUERIES["2"]
    assert set(load_dataset(folder, "train").queries) == {"1"}


def test_broken_beir_folders_are_dataset_errors(tmp_path):
    folder = make_beir(tmp_path / "tiny")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\tmany\n")
    with pytest.raises(DatasetError, match="not an integer"):
        load_dataset(folder)
    (folder / "queries.jsonl").unlink()
    with pytest.raises(DatasetError, match="queries.jsonl is missing"):
        load_dataset(folder)
    with pytest.raises(DatasetError, match="unknown split"):
        load_dataset(folder, "dev")


def test_beir_index_is_cached_and_invalidated(tmp_path, hash_embedder):
    folder = make_beir(tmp_path / "tiny")
    cache = tmp_path / "cache"
    first = beir_index(folder, hash_embedder, cache_root=cache)
    assert len(hash_embedder.encoded) == len(TINY_CORPUS)
    assert [c.doc_id for c in first.chunks] == [d for d, _, _ in TINY_CORPUS]
    again = beir_index(folder, hash_embedder, cache_root=cache)
    assert again.path == first.path and len(hash_embedder.encoded) == len(TINY_CORPUS), "second run re-embedded"
    # A changed corpus (or another model) is another cache entry.
    changed = TINY_CORPUS[:-1] + [("d6", "Honeybee dances", "Bees dance.")]
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in changed))
    assert beir_cache_path(folder, hash_embedder, cache) != first.path
    rebuilt = beir_index(folder, hash_embedder, cache_root=cache)
    assert rebuilt.path != first.path and rebuilt.chunks[-1].text == "Bees dance."

    class OtherModel(type(hash_embedder)):
        name = "test/other-model"

    assert beir_cache_path(folder, OtherModel(), cache) != rebuilt.path


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_evaluate_on_a_tiny_beir_folder(tmp_path, real_embedder, mode):
    folder = make_beir(tmp_path / "tiny")
    index = beir_index(folder, real_embedder, cache_root=tmp_path / "cache")
    result = evaluate(index, load_dataset(folder), mode)
    assert result.queries == 4 and result.mode == mode
    assert result.metrics["ndcg@10"] == pytest.approx(1.0), result.run
    assert result.metrics["recall@100"] == 1.0
    assert all(len(docs) == len(set(docs)) for docs in result.run.values())
    assert 0 < result.latency_ms["p50"] <= result.latency_ms["p95"]
    out = result.to_json()
    assert set(out) == {"dataset", "mode", "queries", "metrics", "latency_ms"}
    assert set(out["metrics"]) >= {"ndcg@10", "recall@10", "recall@100", "mrr@10"}
    assert set(out["latency_ms"]) == {"p50", "p95"}


def test_evaluate_on_gold_questions_over_the_shipped_corpus(tmp_path, seeds_index):
    dataset = load_dataset(write_gold(tmp_path / "gold.jsonl", GOLD))
    result = evaluate(seeds_index, dataset, "hybrid")
    assert result.queries == 2
    assert result.metrics["recall@10"] == 1.0  # 5 documents: every one is in the top 10
    assert result.metrics["mrr@10"] > 0.5


def test_cli_eval_all_modes_json_and_plot(tmp_path):
    folder = make_beir(tmp_path / "tiny")
    plot = tmp_path / "modes.png"
    result = rag("eval", "--dataset", str(folder), "--mode", "all", "--json", "--plot", str(plot), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)
    assert [r["mode"] for r in runs] == ["dense", "bm25", "plain-rrf", "hybrid-norerank", "hybrid"]
    for r in runs:
        assert set(r) == {"dataset", "mode", "queries", "metrics", "latency_ms"} and r["queries"] == 4
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cached = list((tmp_path / "indexes").glob("beir-tiny-*"))
    assert len(cached) == 1 and (cached[0] / "bm25").is_dir()
    # One mode: one object, the contract's shape.
    single = rag("eval", "--dataset", str(folder), "--mode", "bm25", "--json", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    assert json.loads(single.stdout)["mode"] == "bm25"


@pytest.mark.parametrize(
    "args",
    [
        ("eval", "--dataset", "/nonexistent/data"),
        ("eval", "--dataset", "__TINY__", "--mode", "telepathy"),
        ("eval", "--dataset", "__TINY__", "--split", "dev"),
        ("eval", "--dataset", "__TINY__", "--plot", "chart.txt"),
        ("eval", "--dataset", "__TINY__", "--plot", "no/such/folder/chart.png"),
        ("eval", "--dataset", "__TINY__", "--plot", "."),
    ],
)
def test_cli_eval_bad_input_is_one_line_error(tmp_path, args):
    folder = make_beir(tmp_path / "tiny")
    args = [str(folder) if a == "__TINY__" else a for a in args]
    assert_one_line_error(rag(*args, cwd=tmp_path))


def test_an_empty_dataset_option_is_named_as_such(tmp_path):
    # typer reads "" as Path("."): the error said ". is not a BEIR folder", of a folder never given.
    result = rag("eval", "--dataset", "", cwd=tmp_path)
    assert_one_line_error(result)
    assert "--dataset is empty" in result.stderr


def test_eval_variants_label_what_they_measure():
    from rag.evaluation import eval_variants

    assert [label for label, _ in eval_variants("hybrid")] == ["hybrid"]
    assert [label for label, _ in eval_variants("hybrid", rerank=False)] == ["hybrid-norerank"]
    assert [label for label, _ in eval_variants("dense", rerank=True)] == ["dense+rerank"]
    assert [label for label, _ in eval_variants("bm25", rerank=False)] == ["bm25"]


def test_cli_eval_on_gold_questions_lists_each_questions_answer(tmp_path, seeds_index):
    """`rag eval` on a gold file said "2 queries" for 3 questions and named no question it got
    wrong: the table now says how many were ranked and answered, and `--json --answers` has every
    answer (plain `--json` keeps the design's object)."""
    path = write_gold(tmp_path / "gold.jsonl", GOLD)
    result = rag("eval", "--dataset", str(path), "--index", str(seeds_index.path), "--json", "--answers")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["queries"] == 2 and [q["id"] for q in out["questions"]] == ["a", "b", "c"]
    tungsten = out["questions"][2]
    assert tungsten["answerable"] is False and tungsten["abstained"] is True and tungsten["correct"] is True
    assert tungsten["cited_docs"] == [] and "does not answer" in tungsten["answer"]
    table = rag("eval", "--dataset", str(path), "--index", str(seeds_index.path))
    assert "3 questions; 2 answerable ones ranked" in table.stdout
    plain = json.loads(rag("eval", "--dataset", str(path), "--index", str(seeds_index.path), "--json").stdout)
    assert set(plain) == {"dataset", "mode", "queries", "metrics", "latency_ms"}


def test_cli_eval_notes_gold_doc_ids_the_index_does_not_hold_and_takes_the_tune_split(tmp_path, seeds_index):
    """Doc ids of another corpus scored 0 everywhere without a word; `--split tune` was "unknown"."""
    rows = [{**GOLD[0], "doc_ids": ["no_such_doc"], "split": "tune"}, {**GOLD[1], "split": "test"}]
    path = write_gold(tmp_path / "gold.jsonl", rows)
    result = rag("eval", "--dataset", str(path), "--index", str(seeds_index.path), "--json", "--split", "tune")
    assert result.returncode == 0, result.stderr
    assert "1 doc id(s) of gold.jsonl are not in the index (e.g. no_such_doc)" in result.stderr
    assert json.loads(result.stdout)["queries"] == 1
