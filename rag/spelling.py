"""Names a question misspells, read as the corpus spells them.

The templated generator abstains when the question names something the corpus never writes: right
when the name is someone else's, wrong when it is a letter off a name the corpus does write
("WANdiscoo", "CompreFase"). So before retrieval, a name the corpus never writes is read as the
corpus's own name closest to it, when exactly one is that close, and the answer says so.

    speller = Speller.of(chunk.text for chunk in index.chunks)
    speller.correct("Who makes CompreFase?")   # ("Who makes CompreFace?", [Fix("CompreFase", "CompreFace")])

(The assistant builds its speller from the tables `rag index` stored, rag.corpus_words, which
`Speller.of` made at index time.)

Only names are read again, and only names that are no English word: an ordinary word the corpus
lacks ("Australia", "Pride") is what makes an off-topic question off-topic, and stays as written.
The English words are the whole words of the packaged MiniLM's WordPiece vocabulary (about 20k),
a dictionary already on disk whichever model embeds the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

# A word: letters, with inner apostrophes or hyphens; a possessive 's is not part of the name.
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_POSSESSIVE = re.compile(r"['’]s$")
_MIN_LENGTH = 5  # a name of four letters is a letter away from too many others
_CLEAR_LEAD = 3  # among names equally close, one is taken when written this many times more often


# A word in a url or an address, in backticks, or in quotation marks.
_QUOTED_OR_CODE = re.compile(r"^\S*[/@`_=.]\S*$|^[\"“‘'].*[\"”’']$")


def _around(question: str, match: re.Match) -> str:
    """The word with what is written against it: "https://x.org/CompreFase", "`Veltro.init()`", "“Veltro”"."""
    start, end = match.start(), match.end()
    while start > 0 and not question[start - 1].isspace():
        start -= 1
    while end < len(question) and not question[end].isspace():
        end += 1
    token = question[start:end].rstrip("?!,;:")
    return token[:-1] if token.endswith(".") and token.count(".") == 1 else token  # a full stop, not "Veltro.init()."


def max_edits(word: str) -> int:
    """Edits (Damerau-Levenshtein) allowed between a misspelled name and the corpus's: one, two for long names."""
    return 1 if len(word) < 9 else 2


@dataclass(frozen=True)
class Fix:
    written: str  # as the question writes it
    read_as: str  # as the corpus writes it


@cache
def english_words() -> frozenset[str]:
    from rag.embedding import packaged_model_path
    from rag.errors import RagError

    try:
        lines = (packaged_model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    except (OSError, RagError):  # no packaged model: no dictionary, so nothing is read as a misspelling
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


class Speller:
    def __init__(self, words: Counter[str], names: dict[str, str], english: frozenset[str], pairs: frozenset[tuple[str, str]] = frozenset()):
        self.words = words  # every word of the corpus, lower-cased, with its count
        self.names = names  # a capitalized corpus word, lower-cased -> its most written spelling
        self.english = english
        self.pairs = pairs  # two capitalized words the corpus writes one after the other ("tamsin", "wren")
        self._name_keys = list(names)

    @classmethod
    def of(cls, texts: Iterable[str], english: frozenset[str] | None = None) -> Speller:
        words: Counter[str] = Counter()
        spellings: Counter[str] = Counter()
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            lowered = []
            before = ""
            for match in _WORD.finditer(text):
                word = match.group()
                if word.endswith(("'s", "’s")):  # _POSSESSIVE, without a regex per word: this runs over every word of the corpus
                    word = word[:-2]
                lower = word.lower()
                lowered.append(lower)
                if word.islower():
                    before = ""
                    continue
                if len(word) >= _MIN_LENGTH:
                    spellings[word] += 1
                if before and text[match.start() - 1] == " ":
                    pairs.add((before, lower))
                before = lower
            words.update(lowered)
        names: dict[str, str] = {}
        for spelling, _ in spellings.most_common():
            names.setdefault(spelling.lower(), spelling)
        return cls(words, names, english_words() if english is None else english, frozenset(pairs))

    def correct(self, question: str) -> tuple[str, list[Fix]]:
        """The question with each misspelled name read as the corpus writes it, and the fixes made.
        Words in a url, in code or in quotes are the user's own spelling and stay."""
        fixes: dict[str, Fix] = {}
        for match in _WORD.finditer(question):
            word = _POSSESSIVE.sub("", match.group())
            if word in fixes or _QUOTED_OR_CODE.search(_around(question, match)):
                continue
            if self.misspelled_name(word, first=match.start() == 0):
                name = self.closest_name(word)
                if name and self.fits_beside(name, question, match):
                    fixes[word] = Fix(word, name)
        for fix in fixes.values():
            question = re.sub(rf"(?<![\w'’/.-]){re.escape(fix.written)}(?![\w/-])", fix.read_as, question)
        return question, list(fixes.values())

    def fits_beside(self, name: str, question: str, match: re.Match) -> bool:
        """Read as `name`, the word still makes a name the corpus writes with the capitalized words
        beside it: "Richard Branson" is not "Richard Brandon" unless the corpus says so."""
        before = _WORD.findall(question[: match.start()])[-1:]
        after = _WORD.findall(question[match.end() :])[:1]
        lower = name.lower()
        if before and before[0][0].isupper() and match.start() > len(before[0]) + 1 and (before[0].lower(), lower) not in self.pairs:
            return False
        return not (after and after[0][0].isupper() and (lower, _POSSESSIVE.sub("", after[0]).lower()) not in self.pairs)

    def misspelled_name(self, word: str, first: bool) -> bool:
        """A name (a capital past the first letter of the question) that is neither the corpus's nor English."""
        lower = word.lower()
        if len(word) < _MIN_LENGTH or not self.english or lower in self.english:
            return False
        if lower in self.words or (lower.endswith("s") and lower[:-1] in self.words):
            return False
        capitals = sum(ch.isupper() for ch in word)
        return capitals > 1 if first else capitals > 0

    def closest_name(self, word: str) -> str | None:
        """The corpus's one name within `max_edits` of `word`: None when there is none, or when
        another is as close or one edit further and the nearest is not written far more often."""
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        reach = max_edits(word)
        found = process.extract(word.lower(), self._name_keys, scorer=DamerauLevenshtein.distance, score_cutoff=reach + 1, limit=None)
        best = min((distance for _, distance, _ in found), default=reach + 1)
        if best > reach:
            return None
        # A rival one edit further is close too ("Velxra": Veltra at 1, Vextra at 2): none is clearly meant.
        closest = sorted(((self.words[name], name) for name, distance, _ in found if distance <= best + 1), reverse=True)
        if len(closest) > 1 and closest[0][0] < _CLEAR_LEAD * closest[1][0]:
            return None
        return self.names[closest[0][1]]
