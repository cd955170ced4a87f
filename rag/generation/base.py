"""The `Generator` protocol: every way of writing an answer (templated, local LLM, server) fits it.

A generator streams the answer's text in pieces. `[n]` in that text cites `hits[n-1]`. It does
not decide what counts as supported: the assistant runs every answer, whatever its generator,
through the citation check, which drops sentences their cited passage does not support and
abstains when none is left. A generator that finds no answer in the passages yields nothing
(or a sentence without citations), and the answer abstains.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from rag.types import Answer, Hit


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: Answer


class Generator(Protocol):
    name: str

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        """Yield the answer text piece by piece; `[n]` markers cite `hits[n-1]`."""
        ...


def answer_text(generator: Generator, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> str:
    """The whole answer at once: the streamed pieces joined (what a non-streaming caller wants)."""
    return "".join(generator.stream(question, hits, history))


def prompts_dir() -> Path:
    """The folder of jinja2 templates: `RAG_PROMPTS`, else the repository's `prompts/`."""
    import rag

    return Path(os.environ.get("RAG_PROMPTS") or Path(rag.__file__).resolve().parent.parent / "prompts")


@lru_cache(maxsize=4)
def _environment(folder: str):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed and strict: templates see only the values given, and a missing one is an error.
    return SandboxedEnvironment(
        loader=FileSystemLoader(folder), undefined=StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
    )


def render(name: str, **variables) -> str:
    """Render `prompts/NAME` with `variables` (all user-facing answer text lives in templates)."""
    return _environment(str(prompts_dir())).get_template(name).render(**variables).strip()
