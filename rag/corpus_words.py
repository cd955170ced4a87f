"""The corpus's word tables that answering reads, built with the index and stored in it.

Before its first answer a process needs three things read off every passage: the speller's words
and how the corpus spells its names (rag.spelling), the words the corpus writes capitalized (the
templated generator's names) and in how many passages each content word stands (its word weights).
On a large corpus that pass takes seconds (`benchmarks/first_answer.py`), so `rag index` makes it
once and stores it beside the chunks as `corpus_words.json`; an index written before has the tables
made from its chunks on first use, as they were always made.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CORPUS_WORDS = "corpus_words.json"


@dataclass(frozen=True)
class CorpusWords:
    words: Counter[str]  # every word, lower-cased, with its count
    spellings: dict[str, str]  # a capitalized word, lower-cased -> its most written spelling
    pairs: frozenset[tuple[str, str]]  # two capitalized words written one after the other ("tamsin", "wren")
    names: frozenset[str]  # stems written capitalized in most of their uses in running text
    passage_counts: dict[str, int]  # a content stem -> the passages that use it
    passages: int

    @classmethod
    def of(cls, chunks) -> CorpusWords:
        from rag.generation.templated import corpus_name_stems, passage_counts
        from rag.spelling import Speller

        speller = Speller.of((chunk.text for chunk in chunks), english=frozenset())
        return cls(speller.words, speller.names, speller.pairs, corpus_name_stems(chunks), passage_counts(chunks), len(chunks))

    def save(self, folder: Path) -> None:
        data = {
            "words": self.words, "spellings": self.spellings, "pairs": sorted(self.pairs),
            "names": sorted(self.names), "passage_counts": self.passage_counts, "passages": self.passages,
        }
        (folder / CORPUS_WORDS).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> CorpusWords | None:
        """The stored tables; None when the index has none (written before they were stored) or
        they cannot be read: they are made again from the chunks, which hold all they say."""
        try:
            data = json.loads((folder / CORPUS_WORDS).read_text(encoding="utf-8"))
            # Each value read as its type: a count that is no number would fail an answer later.
            return cls(
                Counter({str(w): int(n) for w, n in data["words"].items()}),
                {str(w): str(s) for w, s in data["spellings"].items()},
                frozenset((str(a), str(b)) for a, b in data["pairs"]),
                frozenset(str(n) for n in data["names"]),
                {str(t): int(n) for t, n in data["passage_counts"].items()},
                int(data["passages"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
