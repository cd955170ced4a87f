"""Generators write an answer from retrieved passages. See `base.py` for the protocol.

`GENERATORS` maps a name to a factory called with keyword options (e.g. `index=...`); each factory
imports its module only when called, so an optional generator's dependencies (llama-cpp, openai)
load only when it is chosen. `rag ask/chat --generator` take their choices from this table.
"""

from __future__ import annotations

from typing import Callable

from rag.errors import QueryError


def _templated(**options):
    from rag.generation.templated import TemplatedGenerator

    return TemplatedGenerator(**options)


GENERATORS: dict[str, Callable[..., object]] = {"templated": _templated}
DEFAULT_GENERATOR = "templated"


def make_generator(name: str | None = None, **options):
    """The generator registered under `name` (default: templated), built with `options`."""
    name = name or DEFAULT_GENERATOR
    if name not in GENERATORS:
        raise QueryError(f"unknown generator {name!r}: choose one of {', '.join(GENERATORS)}")
    return GENERATORS[name](**options)
