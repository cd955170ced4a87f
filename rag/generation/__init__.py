"""Generators write an answer from retrieved passages. See `base.py` for the protocol.

`GENERATORS` maps a name to a factory. A factory imports its module only when called, so an
optional generator's dependencies (llama-cpp, openai) load only when it is chosen. A factory that
needs the opened index (the templated generator embeds sentences with the index's embedder) takes
it as a parameter named `index`; `make_generator` passes `index` only to factories that declare
it, so `def factory(**options)` works too. `rag ask/chat --generator` take their choices from
this table.
"""

from __future__ import annotations

import inspect
from typing import Callable

from rag.errors import QueryError


def _templated(index, **options):
    from rag.generation.templated import TemplatedGenerator

    return TemplatedGenerator(index, **options)


def _llama_cpp(**options):
    from rag.generation.llama_cpp import LlamaCppGenerator  # needs the [local] extra only when chosen

    return LlamaCppGenerator(**options)


def _openai(**options):
    from rag.generation.openai_compat import OpenAICompatGenerator

    return OpenAICompatGenerator(**options)


GENERATORS: dict[str, Callable[..., object]] = {"templated": _templated, "llama-cpp": _llama_cpp, "openai": _openai}
DEFAULT_GENERATOR = "templated"


def generator_factory(name: str | None = None) -> Callable[..., object]:
    """The factory registered under `name` (default: templated); an unknown name is a QueryError."""
    if name is not None and not name.strip():  # `--generator ""` is a mistake, not a choice of the default
        raise QueryError(f"the generator name is empty: choose one of {', '.join(GENERATORS)}")
    name = name or DEFAULT_GENERATOR
    if name not in GENERATORS:
        raise QueryError(f"unknown generator {name!r}: choose one of {', '.join(GENERATORS)}")
    return GENERATORS[name]


def make_generator(name: str | None = None, index=None, **options):
    """The generator registered under `name` (default: templated), built with `options`."""
    factory = generator_factory(name)
    if "index" in inspect.signature(factory).parameters:
        options["index"] = index
    return factory(**options)
