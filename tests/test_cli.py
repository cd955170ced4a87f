"""The command line as a user meets it: real processes, real files."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


def rag(*args, cwd=REPO, env=None, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def assert_one_line_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "unexpected" not in lines[0], "bad input must be reported as such, not as a bug"


def test_search_json_follows_the_contract(seeds_index):
    result = rag("search", "--json", "why do critics call facial expression recognition a scam", "-k", "3",
                 "--index", str(seeds_index.path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"query", "mode", "hits"}
    assert len(data["hits"]) == 3
    for rank, hit in enumerate(data["hits"], start=1):
        assert set(hit) == {"rank", "score", "doc_id", "chunk_id", "title", "url", "text"}
        assert hit["rank"] == rank
    assert data["hits"][0]["doc_id"] == "002_4c3417b0c4697e7c"


def test_search_builds_the_index_on_first_use(tmp_path, corpus_copy):
    index_path = tmp_path / "fresh"
    result = rag("search", "seals", "-k", "1", "--json", "--corpus", str(corpus_copy), "--index", str(index_path))
    assert result.returncode == 0, result.stderr
    assert (index_path / "manifest.json").exists()
    assert "building it" in result.stderr
    assert json.loads(result.stdout)["hits"][0]["title"] == "Introducing Facial Recognition Software for Seals"


def test_a_source_without_a_url_says_which_document_to_open(tmp_path):
    corpus = tmp_path / "notes"
    (corpus / "insects").mkdir(parents=True)
    (corpus / "insects" / "bees.md").write_text(
        "# Bees\n\nA honeybee colony has exactly one queen and thousands of workers.\n", encoding="utf-8"
    )
    result = rag("ask", "How many queens does a honeybee colony have?", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert result.returncode == 0, result.stderr
    assert "one queen" in result.stdout and "document insects/bees" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("search", ""),
        ("search", "   "),
        ("search", "x", "-k", "0"),
        ("search", "x", "-k", "banana"),
        ("search", "x", "--mode", "telepathy"),
        ("search", "x", "--mode", ""),
        ("ask", "\x1b[31m\x01"),  # only terminal codes: nothing is asked
        ("search",),
        ("frobnicate",),
        ("ask", ""),
        ("ask", "x", "-k", "0"),
        ("ask", "x", "--generator", "no-such-generator"),
        ("search", "x", "--model", ""),  # was searched with the default model, exit 0
        ("search", "x", "--model", "   "),
        ("ask", "x", "--bogus-option"),
        ("eval", "--dataset", "/nonexistent/data"),
        ("eval", "--mode", "telepathy"),
        ("search", "x", "--where", "nonsense"),
        ("search", "x", "--where", "colour=red"),
        ("index", "--corpus", "/nonexistent/corpus"),
        ("index", "--index", ""),  # typer makes it ".": the index would swap out the working folder
        ("index", "--corpus", "", "--index", "/nonexistent/never"),  # "" is no folder, not the working one
        ("ask", "x", "--corpus", " ", "--index", "/nonexistent/never"),
        ("ask", "x", "--index", "/"),
        ("search", "x", "--corpus", "/nonexistent/corpus", "--index", "/nonexistent/index"),
        ("ask", "x", "--corpus", "/nonexistent/corpus"),  # a typo, with an index that exists: no note and exit 0
        ("search", "x", "--corpus", "x" * 5000),  # a name too long for the file system: was an "unexpected OSError"
        ("index", "--index", "x" * 5000),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(args, seeds_index):
    extra = () if "--index" in args or args[0] not in ("search", "ask", "eval") else ("--index", str(seeds_index.path))
    assert_one_line_error(rag(*args, *extra))


def test_bad_options_fail_before_an_index_is_built(tmp_path, corpus_copy):
    for args in (("search", "x", "--mode", "telepathy"), ("ask", "x", "--generator", "nope"), ("search", "x", "--where", "nonsense")):
        result = rag(*args, "--corpus", str(corpus_copy), "--index", str(tmp_path / "never"))
        assert_one_line_error(result)
        assert "building" not in result.stderr and not (tmp_path / "never").exists(), args


def test_a_new_index_folder_is_not_filled_with_the_shipped_corpus_unless_asked(tmp_path):
    """A mistyped --index must not answer from the shipped corpus as if it were the user's index."""
    for command in ("ask", "search"):
        result = rag(command, "what did the audit find?", "--index", str(tmp_path / "typo"))
        assert_one_line_error(result)
        assert "rag index --corpus" in result.stderr and not (tmp_path / "typo").exists(), command
    result = rag("search", "x", env={"RAG_INDEX": str(tmp_path / "typo2")})
    assert_one_line_error(result)
    assert not (tmp_path / "typo2").exists()


def test_a_corpus_changed_since_its_index_was_built_is_noted_until_rag_index_updates_it(tmp_path):
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "bees.md").write_text("# Bees\n\nA honeybee colony has one queen.\n", encoding="utf-8")
    (corpus / "ants.md").write_text("# Ants\n\nAn ant colony may have many queens.\n", encoding="utf-8")
    assert rag("index", "--corpus", str(corpus), "--index", str(tmp_path / "i")).returncode == 0
    search = ("search", "queen", "--index", str(tmp_path / "i"))
    assert "changed since" not in rag(*search).stderr
    os.utime(corpus / "bees.md")  # touched, not edited
    assert "changed since" not in rag(*search).stderr
    (corpus / "ants.md").unlink()
    (corpus / "wasps.md").write_text("# Wasps\n\nA wasp nest has one queen.\n", encoding="utf-8")
    (corpus / "broken.md").write_bytes(b"\x00")  # a file the index skips counts too
    result = rag(*search)
    assert result.returncode == 0 and "changed since" in result.stderr and "(2 added, 1 removed)" in result.stderr
    assert rag("index", "--corpus", str(corpus), "--index", str(tmp_path / "i")).returncode == 0
    assert "changed since" not in rag(*search).stderr


def test_a_build_off_a_terminal_says_how_far_it_got(tmp_path, corpus_copy):
    """A long `rag index > log 2>&1` printed nothing for 16 minutes: off a terminal there is no bar."""
    result = rag("index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "i"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("embedding chunks: ")]
    assert lines and lines[-1].endswith("(100%)")


@pytest.mark.parametrize("args", [("search", "emotion", "-k", "20"), ("search", "emotion", "--json"), ("ask", "Which outlet called emotion AI a scam?")])
def test_a_reader_that_closes_the_pipe_early_is_no_failure(args, seeds_index):
    """`rag search … | head -1` exited 1 (rich's broken-pipe exit), failing a `pipefail` script."""
    run = subprocess.Popen([sys.executable, "-m", "rag", *args, "--index", str(seeds_index.path)], cwd=REPO,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # the reader is gone before anything is written
    assert run.wait(timeout=180) == 0
    assert run.stderr.read() == b""
    run.stderr.close()


def test_a_model_path_that_is_not_there_and_an_index_that_is_a_file_say_so(tmp_path, corpus_copy, seeds_index):
    for args in (("search", "x", "--index", str(seeds_index.path)), ("index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "i"))):
        result = rag(*args, "--model", str(tmp_path / "no-model"))
        assert_one_line_error(result)
        assert "no model folder at" in result.stderr, args  # not the hub's rules for repo ids, nor a rebuild
    (tmp_path / "afile").write_text("x")
    result = rag("search", "x", env={"RAG_INDEX": str(tmp_path / "afile")})
    assert_one_line_error(result)
    assert "is a file, not an index folder" in result.stderr


def test_an_index_from_an_older_rag_still_answers_and_says_how_to_refresh_it(tmp_path, seeds_index):
    """An ONNX export without token vectors (made before they were exported) still answers (the
    token vectors come from the torch model), hints at `rag index`, and `rag index` re-exports it
    even though no document changed."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(seeds_index.path, old)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["query_encoder"]["outputs"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    asked = rag("ask", "--json", "Which magazine covered facial recognition for seals?", "--index", str(old))
    assert asked.returncode == 0, asked.stderr
    assert "rag index" in asked.stderr and "Smithsonian Magazine" in json.loads(asked.stdout)["answer"]
    refreshed = rag("index", "--index", str(old), "--corpus", str(REPO / "seeds"))
    assert refreshed.returncode == 0, refreshed.stderr
    assert json.loads((old / "manifest.json").read_text())["query_encoder"]["outputs"] == ["sentence_embedding", "token_embeddings"]
    again = rag("search", "seals", "--index", str(old))
    assert again.returncode == 0 and "hint" not in again.stderr


def test_damaged_index_and_empty_corpus_are_one_line_errors(tmp_path):
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "manifest.json").write_text("{broken")
    assert_one_line_error(rag("search", "x", "--index", str(tmp_path / "idx")))
    (tmp_path / "empty").mkdir()
    result = rag("index", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "new"))
    assert_one_line_error(result)
    assert "no readable documents" in result.stderr


def test_unknown_model_is_a_one_line_error_and_keeps_the_old_index(tmp_path, corpus_copy, seeds_index):
    result = rag("index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "idx"), "--model", "no-such/model-xyz")
    assert_one_line_error(result)
    assert "cannot load embedding model" in result.stderr
    assert not (tmp_path / "idx").exists()


def test_help_explains_the_commands():
    result = rag("--help")
    assert result.returncode == 0
    for command in ("index", "search"):
        assert command in result.stdout
    assert "--where" in rag("search", "--help").stdout
    bare = rag()  # printed "error: Usage: …" and the help on stderr, exit 2
    assert bare.returncode == 0 and bare.stdout == result.stdout and not bare.stderr
    module = subprocess.run([sys.executable, "-m", "rag.cli", "--help"], cwd=REPO, capture_output=True, text=True)
    assert module.returncode == 0 and module.stdout == result.stdout  # printed nothing and exited 0


def test_terminal_codes_and_bytes_that_are_not_utf8_are_not_part_of_the_question(seeds_index):
    index = ("--index", str(seeds_index.path))
    plain = rag("ask", "--json", "why is emotion AI a scam?", *index)
    coloured = rag("ask", "--json", "why is emotion AI \x1b[31m a \x1b[0mscam?", *index)
    assert plain.returncode == coloured.returncode == 0, coloured.stderr
    assert json.loads(coloured.stdout)["answer"] == json.loads(plain.stdout)["answer"]
    assert json.loads(coloured.stdout)["question"] == "why is emotion AI a scam?"
    for command in ("ask", "search"):  # a Latin-1 byte and a stray one, as a shell passes them
        result = subprocess.run([sys.executable, "-m", "rag", command, "--json", b"caf\xe9 \xff emotion scam?", *index],
                                cwd=REPO, capture_output=True, timeout=180)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        echoed = json.loads(result.stdout)["question" if command == "ask" else "query"]
        assert echoed == "caf\ufffd \ufffd emotion scam?"


def test_an_existing_index_from_another_corpus_says_so(seeds_index, tmp_path):
    """`rag ask --index I --corpus C` answered from I, built from another folder, without a word:
    --corpus only says where to build a missing index."""
    other = tmp_path / "giraffes"
    other.mkdir()
    (other / "giraffe.md").write_text("---\ntitle: Giraffes\n---\nGiraffes sleep about 30 minutes a day.\n", encoding="utf-8")
    result = rag("ask", "--json", "How long do giraffes sleep?", "--index", str(seeds_index.path), "--corpus", str(other))
    assert result.returncode == 0, result.stderr
    assert "was built from" in result.stderr and str(other) in result.stderr
    json.loads(result.stdout)  # the note stays off stdout
    same = rag("ask", "--json", "How long do giraffes sleep?", "--index", str(seeds_index.path), "--corpus", seeds_index.manifest["corpus"])
    assert "was built from" not in same.stderr


def test_a_quote_is_printed_as_the_corpus_writes_it_not_as_emoji(tmp_path):
    corpus = tmp_path / "minutes"
    corpus.mkdir()
    (corpus / "vote.md").write_text(
        "# Committee minutes\n\nThe committee vote on the harbour budget ended 3:x:4 after a long debate.\n", encoding="utf-8"
    )
    result = rag("ask", "How did the committee vote on the harbour budget end?", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert result.returncode == 0, result.stderr
    assert "3:x:4" in result.stdout and "❌" not in result.stdout


def test_eval_answers_without_json_says_where_the_answers_go():
    assert_one_line_error(rag("eval", "--answers"))


def test_ctrl_c_during_a_build_says_so_and_leaves_no_index(tmp_path):
    """Typer turned Ctrl-C into a silent exit 130: the build just stopped."""
    import shutil
    import signal

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("ood", "ood2", "ood3", "ood4", "ood5"):  # ~250 passages: seconds of embedding to interrupt
        for path in (REPO / "eval" / name / "corpus").iterdir():
            shutil.copy(path, corpus / f"{name}-{path.name}")
    build = subprocess.Popen(
        [sys.executable, "-m", "rag", "index", "--corpus", str(corpus), "--index", str(tmp_path / "i")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    for line in build.stderr:
        if line.startswith("embedding chunks: "):
            build.send_signal(signal.SIGINT)
            break
    rest = build.stderr.read()
    assert build.wait(timeout=120) == 130
    assert "interrupted" in rest and "Traceback" not in rest
    assert not (tmp_path / "i").exists()


def test_index_without_corpus_updates_an_index_from_the_folder_it_was_built_from(tmp_path):
    """`rag index --index X` (no --corpus) used to rebuild X from seeds/, swapping its documents
    for the shipped ones; it updates X from its own folder."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "otters.md").write_text("---\ntitle: Otters\n---\nSea otters hold hands while they sleep.\n")
    index = tmp_path / "idx"
    assert rag("index", "--corpus", str(corpus), "--index", str(index)).returncode == 0
    (corpus / "herons.md").write_text("---\ntitle: Herons\n---\nGrey herons nest in colonies called heronries.\n")
    result = rag("index", "--index", str(index), "--json")
    report = json.loads(result.stdout)
    assert report["added"] == ["herons"] and report["removed"] == [] and report["documents"] == 2


def test_a_console_that_cannot_show_curly_quotes_gets_escapes_not_an_error(seeds_index):
    """PYTHONIOENCODING=ascii made `rag search` fail with an UnicodeEncodeError on the seeds'
    “curly quotes”; --json escapes them as JSON does."""
    query = ("search", "why do critics call facial expression recognition a scam", "-k", "3", "--index", str(seeds_index.path))
    plain = rag(*query, env={"PYTHONIOENCODING": "ascii"})
    assert plain.returncode == 0 and "\\u2019" in plain.stdout, plain.stderr
    data = json.loads(rag(*query, "--json", env={"PYTHONIOENCODING": "ascii"}).stdout)
    assert any("’" in hit["text"] for hit in data["hits"])


def test_a_build_waiting_for_another_says_so(tmp_path):
    """A second `rag index` of an index being built waited in silence, as if hung."""
    import fcntl

    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "otters.md").write_text("---\ntitle: Otters\n---\nSea otters hold hands while they sleep.\n")
    with open(tmp_path / ".idx.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a running build holds it
        with pytest.raises(subprocess.TimeoutExpired) as waited:
            rag("index", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), timeout=15)
    assert "waiting for another build" in (waited.value.stderr or b"").decode()
