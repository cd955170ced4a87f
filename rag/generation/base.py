"""The `Generator` protocol: every way of writing an answer (templated, local LLM, server) fits it.

A generator streams the answer's text in pieces. `[n]` in that text cites `hits[n-1]`. It does
not decide what counts as supported: the assistant runs every answer, whatever its generator,
through the citation check, which drops sentences their cited passage does not support and
abstains when none is left. A generator that finds no answer in the passages yields nothing
(or a sentence without citations), and the answer abstains.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
