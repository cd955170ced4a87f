"""What a which/what/whose or how-many question asks about: its focus, the noun phrase the
answer must name ("Which law firm filed the suits?" → law firm; "How many seals …?" → seals).

Read from the wording alone, with small word lists that tell a noun from the verb after it ("which
firm *filed* the suit") and a noun that names nothing of its own ("what *kind* of …"). The templated
generator checks the chosen sentences against it (`Focus` there).
"""

from __future__ import annotations

import re

from rag.citations import STOPWORDS, content_terms, tokens
from rag.generation.answer_types import COUNT_WORDS, first_sentence

# Things known by a proper name: "which university / court / city …?" and "what is the surname /
# city of …?" are answered by naming one ("They found that …" names no university; a headline about
# the lawsuits names no court).
KNOWN_BY_NAME = frozenset(content_terms(
    "judge ceo founder researchers scientists editor chairman chairwoman president director spokesperson "
    "company firm startup university college institute laboratory court agency organization organisation club "
    "team city town country county province film movie book song album journal brand app award prize license licence "
    "surname nickname manufacturer maker supplier contractor architect designer engineer manager coach captain mayor "
    "ship vessel river lake mountain village street hospital museum school church restaurant hotel bank"
))


def focus_term(question: str) -> str | None:
    """The word a which/what/whose question asks about ("whose films" → film): the answer
    sentence usually names it."""
    words = tokens(question)
    for i, w in enumerate(words[:-1]):
        if w in ("which", "what", "whose"):
            rest = [x for x in words[i + 1 : i + 5] if not x.isdigit() and x not in COUNT_WORDS]
            if rest and rest[0] in ("kind", "kinds", "type", "types", "sort", "sorts") and len(rest) > 2 and rest[1] == "of":
                rest = rest[2:]
            if rest and rest[0] not in STOPWORDS:
                return head_stem(rest[0])
            return None
    return None


# Nouns that name no thing of their own ("in what ways", "what kind of"): the focus is elsewhere.
_LIGHT_NOUNS = frozenset("way ways kind kinds type types sort sorts thing things part parts aspect aspects extent".split())
# Words that open a noun phrase: a word of the question's phrase followed by one is a verb ("which
# firm filed the suit": "filed" takes "the suit" as its object).
_DETERMINERS = frozenset("the a an that its their his her this these those our your my".split())
# What follows the noun phrase of "which firm is …", "what issues do …": a word followed by any other
# function word ("issues come up", "firm filed for") is a verb with its particle or preposition.
_AUXILIARIES = frozenset("is are was were be been do does did has have had can could will would shall should may might must of".split())


# Stopwords that are verbs: the word before one ends the noun phrase ("which manager said …").
_VERBS = frozenset("said say says told described describes discussed discusses mentioned get got".split())
# Past tenses without "-ed" ("which company won …", "which firm built …"): verbs, not nouns; each
# with its present, which the stemmer does not give ("who led the inspection?" → "Lead inspector: …").
IRREGULAR_PAST = dict(
    pair.split(":") for pair in (
        "won:win made:make wrote:write ran:run took:take gave:give found:find built:build led:lead paid:pay "
        "sold:sell began:begin brought:bring bought:buy held:hold sent:send kept:keep left:leave lost:lose met:meet "
        "saw:see spent:spend chose:choose drew:draw grew:grow knew:know became:become came:come went:go put:put "
        "set:set shut:shut hit:hit cut:cut read:read heard:hear taught:teach caught:catch fought:fight"
    ).split()
)
# Present tenses that follow a plural subject ("how many carmakers use …", "which firms make …"):
# after a plural noun they are the verb, not part of the noun phrase.
_PRESENT_VERBS = frozenset(
    "use make run sell buy own offer need want pay hold keep take give get build supply provide produce employ "
    "operate serve support face work live play visit attend receive report".split()
)
_PARTICLES = frozenset("up out off down back over away".split())  # "held up", "set off": a verb with its particle
# Adverbs that may follow "what" ("what still remains", "what else", "what exactly"): no noun.
_ADVERBS = frozenset("still else exactly really actually already also just then now ever precisely".split())
POSSESSIVE = re.compile(r"['’]s?$")


def focus_phrase(question: str) -> list[str]:
    """The noun phrase a "which/what/whose <noun>" or "how many <noun>" question asks about, as
    written ("Which law firm filed the suits?" → [law, firm]; "How many seals has it found?" →
    [seals]); [] when the question has none ("What is it?", "How many were there?")."""
    words = tokens(first_sentence(question))
    for i, w in enumerate(words):
        start = _noun_after(words, i)
        if start is not None:
            rest = [x for x in words[start : start + 5] if not x.isdigit() and x not in COUNT_WORDS]
            while rest and rest[0] in _LIGHT_NOUNS and len(rest) > 1 and rest[1] == "of":
                rest = rest[2:]
            phrase = []
            for j, x in enumerate(rest):
                if x in STOPWORDS or x in _LIGHT_NOUNS or x in _ADVERBS:
                    break
                nxt = rest[j + 1] if j + 1 < len(rest) else ""
                if not phrase and (x.endswith("ed") or x in IRREGULAR_PAST) and (nxt in _DETERMINERS or nxt in _PARTICLES):
                    return []  # "what held up the opening?", "what caused the delay?": a verb, no noun asked about
                if phrase and (x.endswith("ed") or x in IRREGULAR_PAST or nxt in _DETERMINERS or (nxt in STOPWORDS and nxt not in _AUXILIARIES | _VERBS)):
                    break  # a verb: the phrase ended before it
                if phrase and x in _PRESENT_VERBS and phrase[-1].endswith("s") and not phrase[-1].endswith("ss"):
                    break  # "how many carmakers use Affectra's sensor?": carmakers
                owner = POSSESSIVE.sub("", x)
                if owner != x and asks_name_at(words, i):
                    phrase = []  # "what is the name of Maren Oakes's partner?": the partner's
                    continue
                if owner != x:  # "which site's pictures": the answer names the site
                    return [*phrase, owner]
                phrase.append(x)
            return phrase
    return []


def _noun_after(words: list[str], i: int) -> int | None:
    """Where the asked noun phrase starts when `words[i]` opens one: after "which/what/whose",
    "how many", "who is/was the" ("Who is the writer who …?" asks for the writer), or "what is/was
    the" before a thing known by a name ("What is the surname of …?")."""
    if (
        words[i] == "what" and words[i + 1 : i + 2] in (["is"], ["was"]) and words[i + 2 : i + 3] == ["the"]
        and head_stem(words[i + 3] if i + 3 < len(words) else "") in KNOWN_BY_NAME
    ):
        return i + 3  # "what is the surname / city of …?" asks for a name, as "which city" does
    if asks_name_at(words, i):
        return i + 6 if words[i + 5 : i + 6] in (["the"], ["a"], ["an"]) else i + 5  # "what was the name of the ship …?": the ship
    if words[i] in ("which", "what", "whose") or (words[i] == "many" and i > 0 and words[i - 1] == "how"):
        return i + 1
    if words[i] == "who" and words[i + 1 : i + 2] in (["is"], ["was"]) and words[i + 2 : i + 3] in (["the"], ["a"]):
        return i + 3
    return None


def asks_name_at(words: list[str], i: int) -> bool:
    """`words[i]` opens "what is / was the name of …" (or "what are the names of …"), which asks
    for a name whatever the noun."""
    return words[i] == "what" and words[i + 1 : i + 5] in (
        ["is", "the", "name", "of"], ["was", "the", "name", "of"], ["are", "the", "names", "of"], ["were", "the", "names", "of"]
    )


def head_stem(word: str) -> str | None:
    """The stem of a word's head: its last part when hyphenated ("photo-sharing" → share, the
    thing a compound names; never an arbitrary pick among the parts, which would make answers
    differ between runs)."""
    terms = sorted(content_terms(word.split("-")[-1]) or content_terms(word))
    return terms[0] if terms else None
