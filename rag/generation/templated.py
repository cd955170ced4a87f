"""The templated generator: an extractive answer, no LLM.

It reads the sentences of the retrieved passages and scores each as an answer to the question:

    score = W_SEMANTIC * cosine(question, sentence)            what the sentence says
          + W_CONTEXT  * cosine(question, passage)             what the passage around it is about
          + W_COVERAGE * share of the question's content words (weighted by rarity) found in the
                         sentence, its title, heading and provider (neighbours count half)
          + W_TYPE     * the sentence holds what the question asks for (a date for "when", a figure
                         for "how many", a percentage for "what accuracy", a currency for "how much
                         did it cost", the publisher's name for "which outlet / who reported", a
                         passage with a video timestamp for "at what point in the talk", a
                         summary's link line for "what is its url / video id", its "“TITLE” is
                         from NAME" for "whose talk is it?")
          + W_FOCUS    * it names what a which/what question asks about

The answer types and the patterns that read them are in `rag.generation.answer_types`; the noun a
which/what/how-many question asks about is read by `rag.generation.focus`.

A byline ("“TITLE” was published by PROVIDER on DATE, linked from “PARENT”.") is read without its
"linked from" tail (the parent's title is another piece's claim), and its date answers only a
question about publishing ("when did the story run?", not "when will the council vote?"). A
calendar date is not an amount.

The best sentence answers (when the question gives a figure, "the 2022 piece", the best among
those whose passage writes it); up to `max_sentences` more join it when they score nearly as well
(`JOIN_MARGIN`) and add something new (near-duplicates are dropped). They are rendered through
`prompts/answer.j2` with `[n]` markers (n = the passage's rank).

It abstains (yields nothing; the assistant then says the corpus does not answer) when the evidence
is weak: the evidence of the chosen sentences is below `ANSWER_MIN`, the question asks for a
type of answer none of them holds, they say nothing the question does not (`says_more`), or it
gives a figure in digits that neither they nor their passage's title or date write ("worth by
2030?" is not answered by "worth … by 2025"; `figures_found`), or it names a place, person or
thing the answering document never writes (`names_elsewhere`). The evidence is the mean of two measures:

- confidence: the best sentence's meaning match, its passage's, how much of the question the
  chosen sentences cover, and how much of its relation words they or their neighbours use;
- word match (`word_match`): how well the passage matches the question's least matched word,
  compared as contextual token vectors of the same model ("con" ~ "scam" in context). A question
  that names what a passage is about but asks what it never says ("which judge presides over the
  Flickr suits?") leaves one word matched by nothing in it.

Relation words are the question's words less the names in it (the words the corpus capitalizes
in running text): "What was WANdisco's revenue?" asks "revenue" of
WANdisco, and a passage that only names WANdisco does not answer it. So a question that shares a
name with the corpus but asks about something it never mentions (a club's league results, when the
corpus only says an author likes the club) scores low.
A question about a thing must get an answer about that thing (its focus: the head noun of
"which/what <noun>" or "how many <noun>", `focus_phrase`). "How many seals?": the answer is the
best sentence in which a figure stands right before "seals" ("thousands of photos of harbor seals"
counts photos, not seals); none, and it abstains. "Which court?" (no answer type asked): the best
sentence must name the noun (its stem, in it, its neighbours or its passage's title) or a word
close to it in the embedding space ("animals" ~ seals, `FOCUS_SIM`); a headline (byline) counts
only by a name it holds that the question does not use ("which companies deny …?" ~ Amazon,
`FOCUS_NAME_SIM`), since its other words are the question's own topic words.
The weights and thresholds were fitted on the tune split of eval/questions.jsonl only
(eval/tune_templated.py; eval/cv_abstention.py compares the evidences by cross-validation there);
the test split reports the result.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from rag.citations import (
    STOPWORDS,
    SentenceVectors,
    content_terms,
    passage_context,
    passage_sentences,
    query_embedder,
    split_sentences,
    tokens,
)
from rag.chunking import HEADING_JOINER, at_quote
from rag.generation.answer_types import (
    A_YEAR,
    ASKING_TERMS,
    ASKS_ABOUT_MAIL,
    ASKS_EXACT,
    ASKS_PUBLICATION,
    ASKS_REASON,
    CALENDAR,
    CALENDAR_NAMES,
    CAUSE,
    COUNT_NOUNS,
    COUNT_NUMBERS,
    COUNT_WORDS,
    FIGURE,
    FRAMING,
    FRAMING_TERMS,
    MODEL_NAME,
    MONTH_NAMES,
    QUANTITY,
    answer_type,
    asked_dimension,
    asked_unit,
    asked_words,
    first_sentence,
    holds_type,
    is_author_line,
    is_byline,
    is_link_line,
    is_mail_header,
    is_related_header,
    is_score_line,
    is_summary_line,
    is_topics_line,
    opens_with_timestamp,
    title_case,
)
from rag.generation.base import Turn, render
from rag.generation.focus import IRREGULAR_PAST, KNOWN_BY_NAME, POSSESSIVE, asks_name_at, focus_phrase, focus_term, head_stem
from rag.types import Hit

# Choosing the answer sentence (eval/tune_templated.py, tune split): the question's own rare words
# found in a sentence pick it out better than the sentence embedding's cosine does.
W_SEMANTIC, W_CONTEXT, W_COVERAGE, W_TYPE, W_FOCUS = 0.3, 0.1, 0.5, 0.15, 0.1
# Judging the chosen sentences (confidence, for abstention): weights of the same three measures.
C_SEMANTIC, C_CONTEXT, C_COVERAGE, C_RELATION = 0.5, 0.2, 0.3, 0.1
NEIGHBOUR_SHARE = 0.5  # question words found only in the next/previous sentence count this much
AGENT_FALLBACK = 0.3  # "who curated X?": a sentence that says "curated" and names someone, this close to the best, answers
NAMING_FALLBACK = 0.15  # "what is the name of the X?": a sentence naming an X this close to the best answers
_SHORT_NAME = 4  # a name this short is looked for as a word, not inside others ("Pro" in "production")
NAME_WINDOW = 4  # "which ship": a name at most this many words from "ship" names it
JOIN_MARGIN = 0.15  # an extra sentence must score within this of the best one
RESTATES = 0.9  # a best sentence covering this share of the question only restates it
ANSWER_MIN = 0.312  # evidence below this abstains (eval/tune_templated.py on the tune split, 481 questions)
COUNT_WINDOW = 3  # "how many <noun>": the figure stands at most this many words before the noun
FOCUS_NAME_SIM = 0.40  # a headline's name this close to the noun is one ("companies" ~ Microsoft; tune split)
NAMING_MARGIN = 0.1  # a neighbour joins when it names the focus this much more clearly (tune split)
SAYS_NOUN_SIM = 0.6  # a word this close to the noun says it ("company" ~ firm 0.70; not "lawsuits" ~ judge 0.45)
NAME_IS_FOCUS = 0.25  # "which company": a name this close to the noun is one (IBM 0.51; Exadel ~ city no; tune split)
PEOPLE_SIM = 0.45  # "how many people": "visitors" 0.51, "adults" 0.61; "jobs" 0.43, "photos" 0.38
SYNONYM_SIM = 0.8  # "how many photos": "photographs" 0.89, "bicycles" ~ bikes 0.93; "riders" ~ bikes 0.65, "trucks" ~ cars 0.68
_PEOPLE = frozenset(content_terms("people persons individuals"))
FOCUS_SIM = 0.30  # "which <noun>": a sentence word this close to the noun names it (tune split)
DUPLICATE_OVERLAP = 0.8  # share of content words two sentences must share to count as one

def with_anchor(sentence: str, anchor: str) -> str:
    """The sentence with its passage's video timestamp before the full stop, unless it has it:
    the timestamp is the answer to "at what point in the video …?"."""
    if f"({anchor})" in sentence:
        return sentence
    body = sentence.rstrip()
    end = len(body) - len(body.rstrip(".!?"))
    return f"{body[:len(body) - end]} ({anchor}){body[len(body) - end:] or '.'}"


_SCORE = frozenset(content_terms("score"))  # a feed's score is named by its other word: quality, heat
# Answer types a section heading can hold for the sentences under it (a date, a figure), not a
# publisher or a timestamp, which the passage itself carries.
_HEADING_KINDS = frozenset({"date", "year", "number", "money", "percent", "length", "weight", "speed", "duration"})
_TOPIC_TERMS = frozenset(content_terms("topic tag categories category subject theme keyword label filed"))


def trim_byline(sentence: str) -> str:
    """A byline without its ", linked from “PARENT”" tail: the parent's title is another piece's
    claim, and its words would make the byline look like an answer to questions about that piece."""
    head, sep, _ = sentence.partition(", linked from “")
    return head + "." if sep else sentence


@dataclass(frozen=True)
class Candidate:
    """A passage sentence scored as an answer."""

    n: int  # 1-based rank of the hit it comes from: its [n] marker
    position: int  # index of the sentence in its passage
    sentence: str
    score: float
    semantic: float
    context: float
    coverage: float
    typed: bool
    terms: frozenset[str]  # the sentence's content words, with its passage's title, heading, provider
    nearby: frozenset[str] = frozenset()  # the sentence's own words and its neighbours'
    byline: bool = False  # the passage's “TITLE” was published by … sentence
    around: str = ""  # the sentence with its neighbours, as written
    lead: str = ""  # the section heading that holds what the sentence lacks ("Version 3.1.0 (released 2025-02-11)")


@dataclass(frozen=True)
class _SentenceRow:
    """A passage sentence before it is scored: where it is and what is around it."""

    n: int  # 1-based rank of the hit it comes from
    position: int  # index of the sentence in its passage
    hit: Hit
    sentence: str
    terms: set[str]  # its content words, with its passage's context and the interviewer's line it answers
    around: set[str]  # the content words of the sentences before and after it
    text: str  # the sentence with its neighbours, as written
    asked_by: str  # the interviewer's line it answers ("Q: … Does it have a name?"), or ""


_ASKS_AGENT = re.compile(
    r"^\W*who\s+(?!(?:is|are|was|were|be|been|do|does|did|has|have|had|will|would|can|could|should|shall|may|might|must|else)\b)\w+\b",
    re.IGNORECASE,
)
# "Who is the chief executive of …?", "who was the manager …?": a person who holds a role, by name.
_ASKS_HOLDER = re.compile(r"\W*(?:and\s+)?who\s+(?:is|was|are|were)\s+(?:the|its|their|his|her)\s+\w", re.IGNORECASE)
_MONTHS = {m.lower(): i for i, m in enumerate(MONTH_NAMES, 1)}
_NAME_PUNCTUATION = "“”\"'‘’()[],.;:!?"  # stripped from a word to leave the name it writes
_ASKS_WHO = re.compile(r"\W*(?:and\s+)?(?:who|whom)\b", re.IGNORECASE)
_OPENS_WITH_HE_OR_SHE = re.compile(r"\W*(?:he|she|his|her|him)\b", re.IGNORECASE)  # a person named before
# "His twin sister, Anjali, …", "Her husband, Peter Voss, …": the sentence is about the relative.
_OPENS_WITH_RELATIVE = re.compile(r"\W*(?:[Hh]is|[Hh]er|[Tt]heir)\s+(?:[a-z-]+\s+){0,2}?[a-z-]+,\s+((?:[A-Z][\w’'-]+\s+){0,2}[A-Z][\w’'-]+),")
_OPENS_WITH_SUBJECT_PRONOUN = re.compile(r"\W*(?:he|she)\b", re.IGNORECASE)  # "She is …", not "Her …"
# A sentence about someone it names first: "Gemma Pryce, 34, of …", "Dr. Ines Alvarez said …".
_OPENS_WITH_FULL_NAME = re.compile(r"\W*((?:(?:Dr|Mr|Mrs|Ms|Prof|Professor|Sir|Dame)\.?\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)+)")
_OPENS_WITH_PRONOUN = re.compile(r"\W*(?:he|she|they|his|her|their|him|them)\b", re.IGNORECASE)  # someone named before
_COMPANY_NOUNS = frozenset(content_terms("company firm business startup supplier vendor maker manufacturer contractor developer provider"))
# A company's name with its legal form: "Sentimetric Ltd", "Acme Inc.", "Brightwell Home Appliances plc".
_CORPORATE_NAME = re.compile(r"\b[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*)*\s+(?:Ltd|Limited|Inc|Incorporated|plc|PLC|LLC|LLP|GmbH|AG|SA|S\.A|BV|B\.V|AB|Corp|Corporation|Co)\b\.?")
_BARE_REPLY = frozenset(content_terms("yes yeah yep nope no indeed correct sure absolutely"))
_YES_NO = re.compile(r"\W*(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would)\b", re.IGNORECASE)
_QUESTION = min(content_terms("question"))  # "what question does the piece ask?": a sentence that asks one


@dataclass(frozen=True)
class Focus:
    """The head noun a "which/what <noun>" or "how many <noun>" question asks about."""

    word: str  # as the question writes it ("seals")
    stem: str  # stemmed ("seal")
    counted: bool  # "how many": a number must count it
    asked: frozenset[str] = frozenset()  # the question's content words (stems)
    phrase: str = ""  # the whole noun phrase ("photo-sharing site"), when longer than the noun
    asks_name: bool = False  # "what was the name of the ship …?": whatever the noun, a name answers
    repeated: bool = False  # the question uses the noun again ("which team did the junior team beat?")
    doing: frozenset[str] = frozenset()  # the stem of the word after the noun ("how many people signed …" → sign)

    def matches(self, c: Candidate, vectors: SentenceVectors, names: frozenset[str] = frozenset(), alike: bool = False) -> bool:
        """The sentence answers about this thing. "how many <noun>": a figure stands right before
        the noun ("over 3,900 nominations", "thousands of photos"; not "thousands of photos of
        seals" for seals). "which <noun>": the noun (its stem) is in the sentence, its neighbours
        or its passage's title, or a word there that the question does not use is a close
        neighbour in the embedding space (FOCUS_SIM; "animals" ~ "seals"; "which Microsoft
        executive …?" is not answered by "Microsoft"); a headline by a name close to the noun or
        to the whole phrase (FOCUS_NAME_SIM). "What question …?": a sentence that asks one."""
        if self.counted:
            # "30-day" → 30 day; a model's name counts nothing ("the BK-200 kettles").
            written = tokens(MODEL_NAME.sub(" ", CALENDAR.sub(" ", c.sentence)))
            words = [p for w in written for p in w.split("-")]
            hyphened = {p for w in written if "-" in w for p in w.split("-")[1:]}  # "30-day period": 30 days
            return any(
                (self.names_noun(w) or (alike and self.counts_alike(w, vectors)))
                and not (w not in hyphened and self.modifies(w, words[i + 1 : i + 2]))
                and any(QUANTITY.search(x) or COUNT_NOUNS.search(x) or x in COUNT_WORDS for x in words[max(0, i - COUNT_WINDOW) : i])
                for i, w in enumerate(words)
            )
        if self.stem in c.nearby or self.stem in c.terms:
            return True
        if self.stem == _QUESTION and c.sentence.rstrip().endswith("?"):
            return True
        if c.byline:
            # A headline answers "which <noun>" by naming one: a name the question does not
            # already use ("Which companies deny …?" → Amazon and Microsoft), never by its
            # other words (the title of a piece about the lawsuits is no court's name).
            words = [w for w in headline_names(c.sentence, names) if not content_terms(w) & self.asked]
            least = FOCUS_NAME_SIM
            if self.phrase and closest_cosine(vectors, self.phrase, words) >= least:
                return True  # "photo-sharing site" ~ Flickr, though "site" alone is not
        else:
            words = [w for w in tokens(c.around) if content_terms(w) and not content_terms(w) & self.asked]
            least = FOCUS_SIM
        return closest_cosine(vectors, self.word, words) >= least

    def modifies(self, word: str, after: list[str]) -> bool:
        """`word` is the singular of the plural noun asked about, with another word after it: it
        modifies that word ("four bike share docks" counts docks, not the bikes asked about)."""
        plural = self.word.lower().endswith("s") and not self.word.lower().endswith("ss")
        return plural and not word.endswith("s") and bool(after) and after[0] not in STOPWORDS and bool(content_terms(after[0]))

    def counts_alike(self, word: str, vectors: SentenceVectors) -> bool:
        """`word` counts the asked thing by another name: "How many people …?" in whatever people
        the passage names ("864 adults", "41,000 visitors": PEOPLE_SIM; not "jobs" or "photos"),
        any other noun in a synonym ("30 million photographs" for photos: SYNONYM_SIM), and any
        by what they did ("how many people signed the petition?" → "2,300 signatures", "how many
        MEPs voted in favour?" → "523 votes in favour").
        `matches` asks it only with `alike=True`."""
        least = PEOPLE_SIM if self.stem in _PEOPLE else SYNONYM_SIM
        if any(len(d) >= 4 and t.startswith(d) for d in self.doing for t in content_terms(word)):
            return True
        return (
            word.isalpha() and len(word) > 3 and word.lower() not in STOPWORDS
            and closest_cosine(vectors, self.word.lower(), [word.lower()]) >= least
        )

    def names_noun(self, word: str) -> bool:
        """`word` is the focus noun: its stem, or one of a closed compound and its last part
        ("twelve hives" counts beehives; "40 beehives" counts hives)."""
        if self.stem in content_terms(word):
            return True
        a, b = sorted((word.lower(), self.word.lower()), key=len)
        return len(a) >= 4 and b.endswith(a) and b[: -len(a)].isalpha()

    @property
    def known_by_name(self) -> bool:
        """"Which university / court / firm …": the answer is a name (`writes_a_name`)."""
        return not self.counted and (self.stem in KNOWN_BY_NAME or self.asks_name)


def nearby_text(c: Candidate, candidates: Sequence[Candidate], reach: int) -> str:
    """The sentence with the `reach` sentences before and after it in its passage."""
    return " ".join(o.sentence for o in sorted(candidates, key=lambda o: o.position) if o.n == c.n and abs(o.position - c.position) <= reach)


_FIGURE_KINDS = frozenset({"count", "number", "money", "percent"})
# Where a figure is asked for: "in Canada", "at Kestrel's Tracy warehouse".
# Not a name with "in" or "of" inside ("IBM's Diversity in Faces database").
_LOCATED = re.compile(r"(?:^|(?<=\s))(?:in|at|outside|near)\s+(?:the\s+)?((?:[A-Z][\w’'-]*\s+){0,3}[A-Z][\w’'-]*)(?!\s+(?:in|of|for|and|on)\s+[A-Z])")


def located_names(question: str) -> list[str]:
    """The names of the places a question asks a figure for (`asked_names` after "in" or "at"),
    less an owner's ("at Brightline's Fargo call center" → Fargo)."""
    names = set(asked_names(question))
    text = first_sentence(question)
    located = [m for m in _LOCATED.finditer(text) if not re.search(r"[A-Z][\w’'-]*\s+$", text[: m.start()])]
    return [w for m in located for w in m.group(1).split() if w in names or w in _PLACE_CODES]


# A place written in capitals ("recalled in the UK") and how passages also write it: a substring of
# a passage's plain text would find "uk" in "Ukraine", and "the United Kingdom" is the UK.
_US = ("US", "U.S.", "USA", "United States", "America", "American")
_PLACE_CODES = {
    "UK": ("UK", "U.K.", "United Kingdom", "Britain", "British"),
    "US": _US,
    "USA": _US,
    "EU": ("EU", "E.U.", "European Union"),
    "UAE": ("UAE", "United Arab Emirates"),
}


_SITED = re.compile(r"\b(?:at|in|outside|near)\s+(?:the\s+)?([A-Z][a-z][\w’'-]*(?:\s+[A-Z][\w’'-]+)*)")  # not "in S4"


def writes_place(place: str, written: str, plain: str) -> bool:
    """`written` (and its `_plain` form) names the place: a code in capitals by any of its spellings
    as a word ("UK", "Britain"; not "uk" in "Ukraine"), any other name in its plain text."""
    if place in _PLACE_CODES:
        return any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", written) for name in _PLACE_CODES[place])
    return _plain(place) in plain


def sited_elsewhere(sentence: str, places: Sequence[str]) -> bool:
    """The sentence names none of the asked places and sets what it says at or in another named one
    ("an overflow site at Penhallow Business Park")."""
    plain = _plain(sentence)
    if any(writes_place(place, sentence, plain) for place in places):
        return False
    return any(m.group(1).split()[0].lower() not in CALENDAR_NAMES for m in _SITED.finditer(sentence))


_LEAVING_OUT = r"\b(?:excluding|excludes|except(?:\s+for)?|other\s+than|apart\s+from|not\s+including|without)\s+(?:the\s+)?"


def leaves_out(question: str, sentence: str) -> bool:
    """The sentence says its figure or claim is without what the question asks about: "Total
    estimated cost, excluding Port Ailsa: £4.45 million" for "the repair cost for Port Ailsa?"."""
    return any(re.search(_LEAVING_OUT + re.escape(name) + r"\b", sentence) for name in asked_names(question))


# "What did Imogen Sato say about …?", "what does Halvern's CEO think …" (not "what did the CEO say":
# a role is no name to look for).
_ASKS_SAID = re.compile(
    r"\b[Ww]hat\s+(?:did|does|do|has|have|had|would)\s+((?:[A-Z][\w’'.-]*\s+){0,3}?[A-Z][\w’'-]*?)(?:['’]s?)?\s+"
    r"(?:say|said|tell|told|think|argue|claim|write|wrote|mean|add|reply|respond|answer|admit|insist|warn)\b"
)


def asked_speaker(question: str) -> str | None:
    """Whose words a "what did NAME say …?" question asks for, as written ("Imogen Sato")."""
    match = _ASKS_SAID.search(first_sentence(question))
    return match.group(1) if match else None


# "How old is Irene Dunmore?", "how old was Dr Lena Okafor when …?": whose age is asked, as written.
_AGE_OF = re.compile(r"\b[Hh]ow\s+old\s+(?:is|was|were|are|will\s+be)\s+((?:[A-Z][\w’'.-]*\s+){0,3}?[A-Z][\w’'-]*?)(?:['’]s?)?\b(?!\.?\s+[A-Z])")
# Words written before a surname that are no given name: "Mrs Dunmore", "Professor Lindqvist".
_HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend father sister brother cllr councillor judge "
    "justice captain capt coach manager director chief inspector sergeant sgt officer detective constable pc dc "
    "president senator governor minister mayor dean saint st mp".split()
)


# A question that asks for someone's words: "what did she say", "how did the group respond".
_ASKS_WORDS = re.compile(
    r"\b(?:what|how)\s+(?:did|does|do|has|have|had)\b.*\b(?:say|said|tell|told|respond|reply|react|answer|argue|claim|write)\b", re.IGNORECASE
)
# A sentence that gives someone's words itself: a quote, or reported speech ("said staff had seen …").
_GIVES_WORDS = re.compile(r"[\"“”]|\b(?:said|says|told|tells|argued|argues|wrote|writes|stated|states|added|adds|replied|responded|warned|warns)\b")
_CONTINUES_SPEECH = re.compile(r"\W*(?:[\"“‘]|(?:he|she|they)\b)", re.IGNORECASE)


def refers_to(name: str, c: Candidate, candidates: Sequence[Candidate]) -> bool:
    """The sentence names someone (by `name`: "Sato", or "Imogen Sato" by her surname), or goes on
    from the sentence before it, which does, with a quote or a pronoun ("… Imogen Sato said." +
    "“We are deleting …”"; "She was 81.")."""
    if names_person(name, c.sentence):
        return True
    before = neighbour(c, candidates, -1)
    return bool(before and _CONTINUES_SPEECH.match(c.sentence) and names_person(name, before.sentence))


def names_person(name: str, sentence: str) -> bool:
    """The sentence writes the person's surname (a name's last word), and not as another person's:
    "Harold Lindqvist has died aged 84" does not name Elisabeth Lindqvist; "Mrs Lindqvist",
    "Lindqvist said" and "Elisabeth Lindqvist" do."""
    *given, surname = name.split()
    given_names = {g.lower().rstrip(".") for g in given}
    for match in re.finditer(rf"\b{re.escape(surname)}\b", sentence):
        before = re.findall(r"[\w’'.-]+", sentence[: match.start()])[-1:]
        word = before[0].rstrip(".") if before else ""
        if (not given_names or not word[:1].isupper() or word.lower() in given_names or word.lower() in _HONORIFICS
                or word.lower() in STOPWORDS):
            return True
    return False


# An age written against a name: "Mr Derek Whitfield, aged 74", "Tomasz Wrona, 58,", "the 52-year-old Fiona Reid".
_AGE_AFTER_NAME = re.compile(r"((?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'-]+),\s+(?:aged\s+)?\d{1,3}\b(?![.,]\d|\s*(?:%|per\s*cent|percent))")
_AGE_BEFORE_NAME = re.compile(r"\b\d{1,3}-year-old\s+((?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'-]+)")


def ages_someone_elses(person: str, sentence: str) -> bool:
    """Every age the sentence writes against a name is another person's: "Mrs Whitfield complained
    about the care given to her husband, Mr Derek Whitfield, aged 74" gives no age of Joan Whitfield."""
    named = [m.group(1) for pattern in (_AGE_AFTER_NAME, _AGE_BEFORE_NAME) for m in pattern.finditer(sentence)]
    return bool(named) and not any(names_person(person, name) for name in named)


def aged_person(question: str) -> str | None:
    """Whose age "how old is NAME?" asks: the name after "how old is" ("Irene Dunmore" in "how old
    was Irene Dunmore when Arthur died?"), or else the last name the question writes."""
    first = first_sentence(question)
    match = _AGE_OF.search(first)
    if match and match.group(1).split()[0].lower() not in STOPWORDS:
        relative = _RELATIVE.match(first, match.end(1))
        if relative:
            # "how old is Rosalind Pemberton's husband (Geoffrey Lam)?" asks his age: by his name
            # if the question gives it, else by what he is to her (a sentence must say "husband")
            return relative.group(2) or relative.group(1)
        return match.group(1)
    names = asked_names(question)
    return names[-1] if names else None


# After a name, whose relative is meant: "'s husband", "’s eldest son Tom Lam".
_RELATIVE = re.compile(r"['’]s\s+(?:[a-z]+\s+)?([a-z]+)\b(?:,?\s+((?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'-]+))?")


def full_names(question: str) -> list[str]:
    """The full names a question writes: two or more capitalized words in a row after its first
    ("Calum Reilly", "Kettleby Town"); none in a Title Case question."""
    words = _TOKEN_CASED.findall(first_sentence(question))[1:]
    if title_case(words):
        return []
    runs, run = [], []
    for word in [*words, ""]:
        if word[:1].isupper() and not word.isupper() and word.lower() not in CALENDAR_NAMES:
            run.append(POSSESSIVE.sub("", word))
            continue
        if len(run) > 1:
            runs.append(" ".join(run))
        run = []
    return runs


def pronoun_points_elsewhere(name: str, c: Candidate, candidates: Sequence[Candidate]) -> bool:
    """A sentence that opens with "he" or "she" and never names `name` is about the person the
    sentences before it open with: "Gemma Pryce, 34, admitted … She was fined £310 and had six
    penalty points added" answers for Pryce, not for another defendant asked about."""
    if not _OPENS_WITH_HE_OR_SHE.match(c.sentence) or names_person(name, c.sentence):
        return False
    before = c
    for _ in range(3):
        before = neighbour(before, candidates, -1)
        if before is None or names_person(name, before.sentence):
            return False
        if not _OPENS_WITH_HE_OR_SHE.match(before.sentence):
            subject = _OPENS_WITH_FULL_NAME.match(before.sentence)
            return bool(subject) and subject.group(1).split()[0].lower() not in STOPWORDS and not names_person(name, subject.group(1))
    return False


def about_someone_else(name: str, question: str, c: Candidate, candidates: Sequence[Candidate]) -> bool:
    """The sentence is another person's: its pronoun points at someone else (`pronoun_points_elsewhere`);
    it opens with someone's relative by name ("His twin sister, Anjali, achieved eight grade 9s"
    for Amira Shah's grades); or it opens with another full name as its subject and never names
    `name` nor says "he" or "she" ("Where was Imogen Pellow born?" → "Dorothy Ann Tremlow was born
    in Dunmere"). Not when the question asks after the person's relative ("Desmond Okafor's nephew",
    "how is she related to …"), and not under the same given name (a maiden name)."""
    if pronoun_points_elsewhere(name, c, candidates):
        return True
    if re.search(rf"{re.escape(name)}['’]s?\s|\brelat(?:ed|ion|ive)", question):
        return False
    opening = _OPENS_WITH_RELATIVE.match(c.sentence) or _OPENS_WITH_SUBJECT.match(c.sentence)
    if (not opening or opening.group(1).split()[0].lower() in STOPWORDS or opening.group(1).split()[0] == name.split()[0]
            or re.search(r"['’]s\b", opening.group(1))):
        return False
    return not names_person(name, c.sentence) and not (opening.re is _OPENS_WITH_SUBJECT and _PERSONAL_PRONOUN.search(c.sentence))


# A full name that is the sentence's subject: followed by a comma or a verb, not a speaker's "Jonas
# Berg:" (who speaks for a firm) nor an owner's "Halvern's Nook Mini".
_OPENS_WITH_SUBJECT = re.compile(_OPENS_WITH_FULL_NAME.pattern + r"(?=,|\s+[a-z])")
_PERSONAL_PRONOUN = re.compile(r"\b(?:he|she|his|her|him|hers)\b", re.IGNORECASE)


def close_one(best: Candidate, candidates: Sequence[Candidate], margin: float, fits) -> Candidate | None:
    """The best-scoring sentence within `margin` of `best` that `fits`; None when none does."""
    return next((c for c in candidates if c.score >= best.score - margin and fits(c)), None)


def asked_names(question: str) -> list[str]:
    """The names a question writes: its words capitalized after the first, less months and days,
    words in capitals ("CEO" may be spelled out, "TNW" is matched by its initials elsewhere), stop
    and framing words ("Which", "the Link"); none for a Title Case question, which capitalizes every word."""
    words = [p for w in _TOKEN_CASED.findall(first_sentence(question))[1:] for p in w.split("-")]
    if title_case(words):
        return []
    names = []
    for word in words:
        name = POSSESSIVE.sub("", word)
        if len(name) < 3 or not name[0].isupper() or name.isupper() or name.lower() in CALENDAR_NAMES:
            continue
        terms = content_terms(name)
        if terms and not terms & FRAMING_TERMS:
            names.append(name)
    return names


# "Who came first / finished second / won …?": a results line says it by its place ("1st: …").
_ASKS_PLACING = re.compile(
    r"\W*(?:and\s+)?who\s+(?:(?:came|finished|placed|was\s+placed|ended\s+up)\s+(first|second|third)|won|wins)\b", re.IGNORECASE
)
_RANKS = {  # how a results line writes each place ("who won?" asks the first)
    "first": re.compile(r"\b1st\b|\bfirst\s+place\b|\bwinners?\b", re.IGNORECASE),
    "second": re.compile(r"\b2nd\b|\bsecond\s+place\b|\brunners?-up\b", re.IGNORECASE),
    "third": re.compile(r"\b3rd\b|\bthird\s+place\b", re.IGNORECASE),
}


def says_doing(verb: str, c: Candidate) -> bool:
    """The sentence uses the question's verb: its stem ("curated" ~ curate, "led" ~ lead), or the
    word itself when it is a stop word ("said")."""
    done = content_terms(verb) | content_terms(IRREGULAR_PAST.get(verb.lower(), ""))
    return bool(done & c.terms) if done else bool(re.search(rf"\b{re.escape(verb)}\b", c.sentence, re.IGNORECASE))


def writes_a_name(c: Candidate, names: frozenset[str], asked: frozenset[str]) -> bool:
    """The sentence writes a name the question (its `asked` stems) does not (`written_names`)."""
    return bool(written_names(c, names, asked))


def written_names(c: Candidate, names: frozenset[str], asked: frozenset[str]) -> list[str]:
    """The names the sentence writes that the question (its `asked` stems) does not: words the
    corpus's running text capitalizes, or that the sentence capitalizes after its first (a
    headline capitalizes every word), or a first word set off as a name ("Exadel, a software
    company …", "IBM")."""
    if c.byline:
        return [w for w in headline_names(c.sentence, names) if not content_terms(w) & asked]
    words = c.sentence.split()
    found = []
    for i, word in enumerate(words):
        terms = content_terms(word)
        bare = word.strip(_NAME_PUNCTUATION)
        if not terms or terms & asked or bare.lower() in CALENDAR_NAMES:
            continue  # "in March 2021 a volunteer …" names a month, not the volunteer
        appositive = word.endswith(",") and i + 1 < len(words) and words[i + 1].lower() in ("a", "an", "the")
        if (terms <= names and not bare.islower()) or (bare[:1].isupper() and (i > 0 or appositive or not bare[1:].islower())):
            found.append(bare)
    return found


@dataclass(frozen=True)
class Selection:
    """The sentences chosen, and the evidence the abstention decision rests on."""

    chosen: tuple[Candidate, ...]
    confidence: float
    coverage: float  # share of the question's content words the chosen sentences cover
    kind: str | None
    typed: bool
    asked: float = 1.0  # share of the question's relation words (`relation_terms`) they, or their neighbours, use
    match: float | None = None  # how well the passage covers the question's least covered word (`word_match`)
    figures: bool = True  # every figure the question gives is in the passage (`figures_found`)
    adds: bool = True  # the chosen sentences say something the question does not (`says_more`)

    @property
    def evidence(self) -> float:
        """The confidence, or 0 when no chosen sentence holds the kind of answer asked for.
        (Abstaining outright when none of the relation words is near, `asked == 0`, was tried and
        dropped: it changed nothing on the tune split and cost answers held out, where the asked
        relation is often paraphrased, "what does ERT stand for?". See eval/answers.md.)"""
        if not self.chosen or not self.typed or not self.figures or not self.adds:
            return 0.0
        if self.match is None:  # an embedder without token vectors: the confidence alone
            return self.confidence
        return (self.confidence + self.match) / 2

    @property
    def abstain(self) -> bool:
        return self.evidence < ANSWER_MIN


class TemplatedGenerator:
    """Extractive answers from the retrieved passages, rendered through `prompts/answer.j2`."""

    name = "templated"

    def __init__(self, index=None, max_sentences: int = 2, vectors: SentenceVectors | None = None):
        self.index = index
        self.max_sentences = max_sentences
        self._vectors = vectors
        self._df: dict[str, int] | None = None
        self._names: frozenset[str] | None = None
        self._rows: dict[str, int] | None = None
        self._documents: dict[str, list] | None = None  # doc_id → its chunks
        self._document_text: dict[str, str] = {}
        self._document_words: dict[str, str] = {}
        self._token_embedder = None
        self._n = 0

    @property
    def vectors(self) -> SentenceVectors:
        if self._vectors is None:
            if self.index is None:
                raise ValueError("the templated generator needs the index (for its embedder) or `vectors`")
            self._vectors = SentenceVectors(query_embedder(self.index))
        return self._vectors

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        selection = self.select(question, hits, history)
        if selection.abstain:
            return
        pieces = split_sentences(render_answer(question, selection, hits))
        for i, piece in enumerate(pieces):
            yield piece if i == 0 else " " + piece

    def select(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Selection:
        """Score every sentence of the passages; choose the answer and measure the evidence."""
        kind = answer_type(question)
        q_terms = asked_words(question, kind)
        candidates = self.candidates(question, hits, kind, q_terms)
        if not candidates:
            return Selection((), 0.0, 0.0, kind, False)
        quoted: set[str] = set()  # what a pronoun follow-up refers to
        if history and not content_terms(first_sentence(question)):
            # "Who said it?", "and when was that?": "it" is what the answer to the last question
            # with words of its own quoted; its sentences come first (then "said Leah Marsh" names
            # who, not the next quote's speaker).
            topic = next((t for t in reversed(history) if content_terms(first_sentence(t.question))), history[-1])
            quoted = {c.quote for c in topic.answer.citations}
            candidates = sorted(candidates, key=lambda c: (c.sentence not in quoted, -c.score, c.n, c.position))
        # A question that asks for a kind of answer (a date, a figure, a publisher) is answered
        # by the best sentence that holds one, even if another scores higher on wording alone.
        best = next((c for c in candidates if c.typed), candidates[0]) if kind else candidates[0]
        if figures(question):
            # A question that gives a figure ("the July 2022 piece") asks about the passages that
            # write it: the best sentence among those (of the asked type) answers, if any does.
            best = next(
                (c for c in candidates if (c.typed or not kind) and figures_found(question, [c.around, _figure_context(hits[c.n - 1].chunk)], hits[c.n - 1].chunk.text)),
                best,
            )
            if another_year(question, best.sentence):
                # "Revenue in 2022?" over a table by year: the 2021 row, whose neighbour writes
                # 2022, gives its own year; a close row that gives the asked one answers instead.
                best = next(
                    (c for c in candidates if c.typed and c.score >= best.score - JOIN_MARGIN and gives_year(question, c.sentence)), best
                )
        if wanted := {p for p in asked_periods(question) if not p[1].startswith("rel ")}:  # "this season" leads to no sentence
            # "What revenue did it report for its second quarter?": the best sentence that gives
            # that quarter as its own answers, not "Revenue for the third quarter was …, up from
            # the second quarter".
            best = next((c for c in candidates if (c.typed or not kind) and wanted & periods(c.sentence)), best)
        focus = self.focus(question, kind)
        if focus is not None:
            unnamed = False
            if not focus.counted and (focus.known_by_name or _ASKS_WHICH.search(first_sentence(question))) and says_none_of_it(best, candidates, focus):
                # "Which energy retailer …?" → "… three clients: a motor insurer, an energy retailer
                # …": the sentence beside it that names one ("… the energy retailer Energía
                # Levante") answers; with none, no sentence says which.
                naming = next((a for a in adjacent(best, candidates) if focus.stem in content_terms(a.sentence) and not names_none_of_it(a.sentence, focus)), None)
                if naming is not None:
                    best = naming
                else:
                    unnamed = says_none_of_it(self.naming_neighbour(best, candidates, focus), candidates, focus)
            # The question asks about a thing ("which court", "how many seals"). "How many": the
            # answer is the best sentence whose figure counts that thing. "Which": the best
            # sentence must name it (or a close neighbour of it), and a thing known by a name
            # (a university, a city) by a name; if it does not, the passages are about the
            # question's other words, and it abstains.
            if focus.counted:
                typed = [c for c in candidates if c.typed]
                best = next((c for c in typed if focus.matches(c, self.vectors, self.names)), None)
                if best is None and typed and focus.matches(typed[0], self.vectors, self.names, alike=True):
                    # "How many people visited?" → "A record 41,000 visitors came": the thing
                    # counted by another word answers only as the best sentence (further down,
                    # "3,000 visitors each week" would answer how many died in the fire).
                    best = typed[0]
            elif (not focus.matches(best, self.vectors, self.names) or (focus.known_by_name and not self.names_focus(best, candidates, focus, hits))
                  or unnamed):
                # "What is the name of the ship …?" is answered by the best sentence that names
                # one, if it scores close to the best (for any "which X" this cost refusals on the
                # tune split: eval/answers.md, round 10).
                # "Which firm supplied the cameras?": a company is named as one by its legal
                # suffix ("supplied by the start-up Sentimetric Ltd"), which answers in the same way.
                company = focus.stem in _COMPANY_NOUNS
                best = next(
                    (c for c in candidates if c.score >= best.score - NAMING_FALLBACK and c is not best
                     and not says_none_of_it(c, candidates, focus)
                     and ((focus.asks_name and focus.stem in c.nearby and self.names_focus(c, candidates, focus, hits))
                          or (company and _CORPORATE_NAME.search(c.sentence)))),
                    None,
                ) if focus.asks_name or company else None
            if best is not None and not focus.counted and only_counts(best.sentence, focus) and not written_names(best, self.names, focus.asked):
                # "Which carmakers use the sensor?" asks for names: "installed in vehicles from
                # four carmakers" says how many, and names none.
                best = None
            if best is None:
                return Selection((), 0.0, 0.0, kind, False)
        agent = _ASKS_AGENT.search(first_sentence(question)) if kind is None and focus is None else None
        verb = agent.group().split()[-1] if agent else ""
        place = _ASKS_PLACING.match(first_sentence(question))
        rank = _RANKS[(place.group(1) or "first").lower()] if place else None

        def does(c: Candidate) -> bool:  # a results line's "1st: Ifor Pryce" says who came first
            return says_doing(verb, c) or bool(rank and rank.search(c.sentence))

        if verb and not does(best):
            # "Who curated the whaling exhibition?": the sentence that says the doing and names
            # the doer ("It was curated by Dr. Ingrid Halvorsen") answers, not the one that best
            # restates what it was done to ("The exhibition … runs until March").
            best = self.naming_sentence(question, best, candidates, does, quoted) or best
        if names_a_sibling(question, best.around) or leaves_out(question, best.sentence):
            return Selection((), 0.0, 0.0, kind, False)
        if self.names_elsewhere(question, hits[best.n - 1].chunk):
            # "How many books does the Elm Street library hold?" over the Kilnworth library's page.
            return Selection((), 0.0, 0.0, kind, False)
        if kind in _FIGURE_KINDS | {"time"} and (places := located_names(question)) and (
            not self.says_where(best, places, hits) or sited_elsewhere(best.sentence, places)
        ):
            # "How many speakers were sold in Canada?" → "… sold 1.6 million worldwide": a figure
            # from a passage that never names the place asked about (a site, a country) is another
            # place's, and so is one the sentence sets at another ("How many desks at Harbour
            # Mill?" → "… an overflow site at Penhallow Business Park, which … has 90 desks"); a
            # close one that names it answers, or none.
            best = close_one(
                best, candidates, JOIN_MARGIN,
                lambda c: c.typed and self.says_where(c, places, hits) and not sited_elsewhere(c.sentence, places),
            )
            if best is None:
                return Selection((), 0.0, 0.0, kind, False)
        if kind == "age" and (aged := aged_person(question)):
            # "How old is Tamsin Wren?" → "Tomasz Wrona, 58, has left …"; "how old was Irene
            # Dunmore?" → "Arthur Dunmore … has died at the age of 91"; "how old is Joan
            # Whitfield?" → "… her husband, Mr Derek Whitfield, aged 74": someone else's age.
            named = bool(_AGE_OF.search(first_sentence(question)))  # the one after "how old is", not any name

            def gives_age_of(c: Candidate) -> bool:
                return refers_to(aged, c, candidates) and not (named and ages_someone_elses(aged, c.sentence))

            if not gives_age_of(best):
                best = close_one(best, candidates, JOIN_MARGIN, lambda c: c.typed and gives_age_of(c))
                if best is None:
                    return Selection((), 0.0, 0.0, kind, False)
        person = next(iter(full_names(question)), None) if not _ASKS_WHO.match(question) else None
        if person and about_someone_else(person, question, best, candidates):
            # "How many penalty points did Calum Reilly get?" → "She was fined … and had six
            # penalty points added" after a sentence on another defendant: her points, not his.
            best = close_one(best, candidates, JOIN_MARGIN, lambda c: not about_someone_else(person, question, c, candidates))
            if best is None:
                return Selection((), 0.0, 0.0, kind, False)
        speaker = asked_speaker(question)
        if speaker and self.piece_by(speaker.split()[-1], hits[best.n - 1].chunk):
            speaker = None  # "what did The Conversation say …?": its whole piece is its word
        if speaker and not refers_to(speaker, best, candidates):
            # "What did Imogen Sato say about the dispute?": a sentence that neither names her nor
            # goes on from one that does ("Vessel Home said in a statement …") is someone else's
            # word; a close one that does answers, or none.
            best = close_one(best, candidates, AGENT_FALLBACK, lambda c: refers_to(speaker, c, candidates))
            if best is None:
                return Selection((), 0.0, 0.0, kind, False)
        antecedent = None
        if _ASKS_WHO.match(question) and _OPENS_WITH_PRONOUN.match(best.sentence):
            # "Who received the medal?" → "He received it at a ceremony in Bergen": who "he" is,
            # the sentence before says ("The 2023 medal went to Dr. Tomasz Wierzbicki"); it joins
            # the answer, and the evidence stays what the answer sentence earned. (For any
            # question it joined lines that name no one: a writer's bio before "They found …".)
            antecedent = neighbour(best, candidates, -1)
        referent = None
        if kind is not None and antecedent is None and _OPENS_WITH_SUBJECT_PRONOUN.match(best.sentence):
            # "Where is Ravi Mendes's twin sister going to study?" → "She is moving to Castlemere
            # College": who "she" is, the sentence before says ("His twin sister, Anjali, …"); a
            # reader reads the two together, and so do the answer and its evidence, when that
            # sentence says words of the question the answer does not.
            before = neighbour(best, candidates, -1)
            if before is not None and (before.terms - best.terms) & q_terms:
                referent = before
        if kind is None and (focus is None and _ASKS_AGENT.search(first_sentence(question)) or _ASKS_HOLDER.match(question)):
            # "Who developed / filed / chairs …?" is answered by naming who: a sentence that names
            # no one the question does not ("A neural network, trained on photos of seals, …";
            # "Kestrelmoor has two runways" for who chairs its board) says what was done, not by
            # whom. (It costs the rare answer that is a group, "who loses? all residents":
            # eval/answers.md, round 13.)
            asked = frozenset(content_terms(question))
            role = held_role(question)
            if not any(writes_a_name(c, self.names, asked) and not holds_role_elsewhere(c.sentence, role, asked) for c in (best, antecedent) if c):
                # "Who is the policy lead at Open Circuit?": the sentence that names the role and
                # someone ("Its policy lead, Mette Kjær, said …") answers, if it scores close to
                # the best (which restated the group); else no one is named.
                # Not "Javier Montoya, chief executive of Hidrotec" for its rival's chief executive.
                best = self.naming_sentence(
                    question, best, candidates,
                    lambda c: content_terms(role) <= content_terms(c.sentence) and not holds_role_elsewhere(c.sentence, role, asked),
                ) if role else None
                if best is None:
                    return Selection((), 0.0, 0.0, kind, False)
                antecedent = None
        chosen = [best]
        if focus is not None and not focus.counted:
            # "Which club does he like?": the best sentence may match the noun only through a
            # neighbour ("Thomas covers AI." + "Likes … Arsenal FC."); the neighbour that names it
            # is the answer and joins.
            named = self.naming_neighbour(best, candidates, focus)
            if named is not None:
                chosen.append(named)
        if _ASKS_WORDS.search(first_sentence(question)) and not _GIVES_WORDS.search(best.sentence) and len(chosen) < self.max_sentences:
            # "What did the editor say in response?" → "Dr. Ruth Calloway, the journal's
            # editor-in-chief, disagreed.": her words are the quote after it ("…," she said).
            after = neighbour(best, candidates, 1)
            if after is not None and after not in chosen and _CONTINUES_SPEECH.match(after.sentence):
                chosen.append(after)
        # Extra sentences come from the same passage (a coherent answer, one source to open) and
        # must add words the chosen ones do not have.
        for c in candidates:
            if len(chosen) >= self.max_sentences or c.score < best.score - JOIN_MARGIN:
                break
            if (c is not best and c.n == best.n and c.typed and not any(_duplicate(c, o) for o in chosen) and (not quoted or c.sentence in quoted)
                    and not another_year(question, c.sentence)):  # "in 2022?": not the 2021 row beside it
                chosen.append(c)
        given = figures(question)
        if given and len(chosen) < self.max_sentences:
            # "Which outlet ran both the 2021 story … and the 2022 one …?": the figures the best
            # sentence leaves out name another piece, whose sentence of the asked type joins.
            missing = given - figures(" ".join(c.around for c in chosen)) - (designations(question) & figures(hits[best.n - 1].chunk.text))
            other = next(
                (c for c in candidates if c.score >= best.score - JOIN_MARGIN and c.typed and c not in chosen
                 and missing & figures(c.around)), None,
            )
            if other is not None:
                chosen.append(other)
        if best.coverage >= RESTATES and len(chosen) < self.max_sentences:
            # The best sentence says back everything the question asks ("why do models struggle
            # with mixed states?" → "models struggle with mixed states"): the sentence after it
            # in the passage is where the answer goes on, so it joins whatever its score.
            after = neighbour(best, candidates, 1)
            if after is not None and after not in chosen and not another_year(question, after.sentence):
                chosen.append(after)
        if len(content_terms(best.sentence)) <= 1 and len(chosen) < self.max_sentences:
            # A one-word reply ("Q: … shares your surname. Does that cause confusion? A:
            # Constantly.") says what it means in the sentence after it ("We are not related").
            after = neighbour(best, candidates, 1)
            if after is not None and after not in chosen:
                chosen.append(after)
        if ASKS_REASON.search(first_sentence(question)) and not any(CAUSE.search(c.sentence) for c in chosen):
            # "Why did she give up building classifiers?" → "I used to build facial expression
            # classifiers." restates what is asked; the sentence after it gives the cause ("I
            # stopped because …"), and takes the place of a second sentence that gives none.
            after = (neighbour(c, candidates, 1) for c in chosen)
            cause = next((a for a in after if a is not None and a not in chosen and CAUSE.search(a.sentence)), None)
            if cause is not None:
                chosen = [*chosen[: self.max_sentences - 1], cause] if len(chosen) >= self.max_sentences else [*chosen, cause]
        if speaker:
            chosen = [c for c in chosen if c is best or refers_to(speaker, c, candidates)]  # her words only
        if person:
            chosen = [c for c in chosen if c is best or not pronoun_points_elsewhere(person, c, candidates)]
        if kind == "timestamp":
            # Another moment of the show notes ("00:27:30 — …") answers another question: "when in
            # the episode …?" has one answer.
            chosen = [c for c in chosen if c is best or not opens_with_timestamp(c.sentence)]
        chosen.sort(key=lambda c: (c.n, c.position))  # in the passages' own order: it reads as written
        covered = set().union(*(c.terms for c in chosen), referent.terms if referent else ())
        document_terms: set[str] = set()
        if (kind == "source" and best.byline) or (kind == "author" and is_author_line(best.sentence, hits[best.n - 1].chunk)):
            # "Which publication covered the launch of the app's fourth version?", "who wrote the
            # feature about …?": a byline or a "“TITLE” is from NAME." line answers for its whole
            # document, whose retrieved passages say what the piece is about.
            doc = hits[best.n - 1].chunk.doc_id
            document_terms = set().union(*(content_terms(h.chunk.text) for h in hits if h.chunk.doc_id == doc))
            covered |= document_terms
        coverage = _weighted_share(covered & q_terms, q_terms, self.weights(q_terms))
        own = content_terms(first_sentence(question))
        own_coverage = _weighted_share(covered & own, own, self.weights(own)) if own else 0.0
        if own and own != q_terms:
            # A follow-up resolved with the turn before it ("and who published it? (What did …?)"):
            # what the user asks now counts as much as the topic carried over from before.
            coverage = (coverage + own_coverage) / 2
        semantic = max(c.semantic for c in chosen)  # the chosen sentences answer together
        relation = relation_terms(question, self.names)
        # Whose piece it is answers what the piece says: its document's words are the relation's.
        nearby = set().union(*(c.nearby for c in chosen)) | (document_terms if kind == "author" else set())
        asked = _weighted_share(nearby & relation, relation, self.weights(relation)) if relation else 1.0
        if asked == 0.0 and _YES_NO.match(first_sentence(question)):
            # "Did it win the award?" asks whether the relation holds: passages that never use a
            # word of it ("… named a finalist") cannot say yes or no.
            return Selection((), 0.0, 0.0, kind, False)
        confidence = C_SEMANTIC * semantic + C_CONTEXT * best.context + C_COVERAGE * coverage + C_RELATION * asked
        confidence /= C_SEMANTIC + C_CONTEXT + C_COVERAGE + C_RELATION
        previous = {c.chunk.chunk_id for c in history[-1].answer.citations} if history else set()
        if own != q_terms and best.n <= len(hits) and hits[best.n - 1].chunk.doc_id in {
            h.chunk.doc_id for h in hits if h.chunk.chunk_id in previous
        }:
            # The answer comes from the document the last answer cited, so the topic was settled
            # then; what is left to judge is whether it says what is asked now.
            confidence = max(confidence, own_coverage)
        figures_given = figures_found(
            question, [c.around for c in chosen] + [_figure_context(hits[c.n - 1].chunk) for c in chosen], " ".join(hits[c.n - 1].chunk.text for c in chosen)
        ) and not another_year(question, best.sentence) and not another_period(question, best.sentence)
        # ("in 2023?" → "… 2,400 searches in 2022", the piece dated 2023; "in Q4?" → "… in the third quarter")
        # Without the asked type or the question's figures the evidence is 0 whatever the match:
        # skip its two model runs.
        match = self.word_match(question, chosen, hits) if best.typed and figures_given else None
        # A sentence typed by its section's heading says it with the heading, once ("Version 3.1.0
        # (released …): Added dark mode").
        led = set()
        for i, c in enumerate(chosen):
            if c.lead and c.lead not in c.sentence and (c.n, c.lead) not in led:
                chosen[i] = replace(c, sentence=f"{c.lead}: {c.sentence}")
                led.add((c.n, c.lead))
        adds = says_more(question, [c.sentence for c in chosen], [hits[c.n - 1].chunk for c in chosen])
        antecedent = antecedent or referent
        if antecedent is not None and antecedent not in chosen:
            chosen = sorted([antecedent, best, *(c for c in chosen if c is not best)][: max(self.max_sentences, 2)], key=lambda c: (c.n, c.position))
        section = section_name(hits[best.n - 1].chunk, focus) if focus is not None and not focus.counted else None
        if section and not any(section.lower() in c.sentence.lower() for c in chosen):
            # "Which beach has a lifeguard?": the sentences say "the island's main beach …", and
            # the heading of their section names it ("Beaches › Kavos Bay"); the name leads them.
            lead = next(c for c in chosen if c.n == best.n)
            chosen = [replace(c, sentence=f"{section}: {c.sentence}") if c is lead else c for c in chosen]
        return Selection(tuple(chosen), confidence, coverage, kind, best.typed, asked, match, figures_given, adds)

    def naming_sentence(self, question: str, best: Candidate, candidates: Sequence[Candidate], says, quoted=frozenset()) -> Candidate | None:
        """The first sentence close to `best` (AGENT_FALLBACK; or one the last answer quoted) that
        `says` what is asked (the doing, the role), names someone the question does not, and is
        about what the question names ("the Grønne Hjort") within two sentences, not about what
        its neighbour names ("It was curated by …" after the whaling exhibition)."""
        asked = frozenset(content_terms(question))
        names = [_plain(n) for n in asked_names(question)]
        return next(
            (c for c in candidates if (c.score >= best.score - AGENT_FALLBACK or c.sentence in quoted)
             and says(c) and writes_a_name(c, self.names, asked)
             and all(n in _plain(nearby_text(c, candidates, 2)) for n in names)),
            None,
        )

    def names_elsewhere(self, question: str, chunk) -> list[str]:
        """Names the question writes (`asked_names`: "Saltmere", "Elm Street") that the answer's
        document never writes, in any of its passages, title, heading, outlet or url: it is about
        another place, person or thing ("what did the repairs cost in Saltmere?" over a piece on
        Port Ellery's)."""
        text = self.document_text(chunk)
        runs = [_plain(run) for run in full_names(question)]
        missing = []
        for name in asked_names(question):
            plain = _plain(name)
            # a plural names what its singular does ("MEPs" in a piece quoting "MEP Lukas Brandt")
            if plain not in text and not (len(plain) > 3 and plain.endswith("s") and plain[:-1] in text):
                missing.append(name)
            elif (len(plain) <= _SHORT_NAME and not any(plain in run and run in text for run in runs)
                  and not re.search(rf"\b{re.escape(plain.removesuffix('s'))}s?\b", self.document_words(chunk))):
                # "Echo Pro": "pro" is in "production", but the piece writes no word "Pro" (a name
                # run it is part of, "lexfridman" for "Lex Fridman", is written as one)
                missing.append(name)
        return missing

    def document_words(self, chunk) -> str:
        """`document_text` with its words kept apart: lower case, accents split off (NFKD), so
        `\b` finds "jose" in "José"."""
        if chunk.doc_id not in self._document_words:
            self._document_words[chunk.doc_id] = unicodedata.normalize("NFKD", self.document_writing(chunk)).lower()
        return self._document_words[chunk.doc_id]

    def document_text(self, chunk) -> str:
        """All a document writes (every passage, title, heading, outlet, url), without accents or
        spaces (`_plain`), for the document `chunk` is from; built once per document."""
        if chunk.doc_id not in self._document_text:
            self._document_text[chunk.doc_id] = _plain(self.document_writing(chunk))
        return self._document_text[chunk.doc_id]

    @property
    def documents(self) -> dict[str, list]:
        """The index's chunks by document, grouped on first use."""
        if self._documents is None:
            self._documents = {}
            for c in getattr(self.index, "chunks", None) or []:
                self._documents.setdefault(c.doc_id, []).append(c)
        return self._documents

    def document_writing(self, chunk) -> str:
        """Every passage, title, heading, outlet and url of `chunk`'s document, as written."""
        chunks = self.documents.get(chunk.doc_id) or [chunk]
        return " ".join(x for c in chunks for x in (c.text, c.title, c.heading, c.provider, c.source_title, c.url) if x)

    def says_where(self, c: Candidate, places: Sequence[str], hits: Sequence[Hit]) -> bool:
        """The sentence's passage (its text, title or heading) names each place: a sentence may go
        on with a place named before it ("42 cameras at Union Street station. … The pilot cost …")."""
        chunk = hits[c.n - 1].chunk
        written = " ".join([chunk.text, chunk.title or "", chunk.heading or ""])
        plain = _plain(written)
        return all(writes_place(place, written, plain) for place in places)

    def piece_by(self, name: str, chunk) -> bool:
        """`name` is the outlet of `chunk` (a related article's, for its entry), or the outlet,
        author or a speaker of the excerpt of its document: what "what did The Conversation say …?"
        asks for is the whole piece, which never names it."""
        summaries = [c for c in self.documents.get(chunk.doc_id, [chunk]) if c.kind == "summary"]
        said = re.compile(rf"\b{re.escape(name)}\b")
        return bool(said.search(chunk.provider or "")) or any(said.search(f"{c.text} {c.provider or ''}") for c in summaries)

    def naming_neighbour(self, best: Candidate, candidates: Sequence[Candidate], focus: Focus) -> Candidate | None:
        """The sentence next to `best` that names the focus clearly better than `best` does."""
        if best.byline:
            return None
        own = self.naming_strength(best.sentence, focus)
        neighbours = [c for c in adjacent(best, candidates) if not c.byline]
        scored = [(self.naming_strength(c.sentence, focus), c) for c in neighbours]
        strength, named = max(scored, key=lambda x: x[0], default=(0.0, None))
        return named if strength >= FOCUS_SIM and strength > own + NAMING_MARGIN else None

    def names_focus(self, best: Candidate, candidates: Sequence[Candidate], focus: Focus, hits: Sequence[Hit]) -> bool:
        """"Which university / court / club …?" is answered by a name: `best` writes one the
        question does not that is that kind of thing (the sentence says the noun, or the name is
        close to it, NAME_IS_FOCUS: "Exadel, a software company …" names no city, and "IBM's
        photo database" no court), or its neighbour does and names the thing clearly
        (FOCUS_NAME_SIM: "Thomas covers AI." + "Likes … Arsenal FC." for his club; not for
        "which university")."""
        written = written_names(best, self.names, focus.asked)
        if written and (
            best.byline  # a headline's names were weighed against the noun by `Focus.matches`
            # the sentence says the noun, or a word the question does not use that is close to it
            # ("Exadel, a software company …" for a firm)
            or (self.naming_strength(best.sentence, focus, skip=focus.asked) >= SAYS_NOUN_SIM and names_beside(best.sentence, focus, written))
            or closest_cosine(self.vectors, focus.word, written) >= NAME_IS_FOCUS
        ):
            return True
        if best.byline:
            return False
        neighbours = [c for c in adjacent(best, candidates) if not is_summary_line(c.sentence, hits[c.n - 1].chunk)]
        return any(
            writes_a_name(c, self.names, focus.asked) and self.naming_strength(c.sentence, focus) >= FOCUS_NAME_SIM for c in neighbours
        )

    def naming_strength(self, sentence: str, focus: Focus, skip: frozenset[str] = frozenset()) -> float:
        """1 when the sentence uses the focus noun, else its closest word's cosine to the noun
        (leaving out words whose stems are in `skip`)."""
        if focus.stem in content_terms(sentence):
            return 1.0
        words = [w for w in tokens(sentence) if content_terms(w) and not content_terms(w) & skip]
        return closest_cosine(self.vectors, focus.word, words)

    def word_match(self, question: str, chosen: Sequence[Candidate], hits: Sequence[Hit]) -> float | None:
        """How well the passage covers the question's least covered word, in context: for each
        content word of the question (as written, with the turn a follow-up carries; less words
        that only say what kind of answer or source is wanted, `FRAMING`), the best cosine between
        its token vectors and the passage's (the chosen sentences with their neighbours, title,
        heading and provider), averaged over its tokens; the lowest over the words. Contextual
        token vectors match paraphrases ("con" ~ "scam", "writes" ~ "Writer") that stems miss, and
        a question that names what the passage is about but asks what it never says ("which judge
        presides over the suits?") leaves one word ("judge") matched by nothing. An acronym whose
        name the passage spells out ("TNW", "The Next Web") is matched. None when the embedder
        has no token vectors."""
        embedder = self.token_embedder
        if embedder is None or not chosen or not question.strip():
            return None
        text = " ".join(dict.fromkeys(c.around for c in chosen)) + " " + passage_context(hits[chosen[0].n - 1].chunk)
        if chosen[0].byline or is_author_line(chosen[0].sentence, hits[chosen[0].n - 1].chunk):
            # A byline (or "“TITLE” is from NAME.") speaks for its whole document: the question's
            # words may be in the document's retrieved body ("the retrospective on the promotion campaign").
            doc = hits[chosen[0].n - 1].chunk.doc_id
            text += " " + " ".join(h.chunk.text for h in hits if h.chunk.doc_id == doc and h.chunk.kind == "body")
        # All of it, a follow-up's carried-over turn too ("and who published it? (What is …?)"):
        # "published" alone would match any byline.
        q = embedder.token_vectors(question, kind="query")
        p = embedder.token_vectors(text, kind="passage")
        passage = p.vectors[[i for i, w in enumerate(p.word_of) if w >= 0]]
        if not len(passage):
            return None
        best = (q.vectors @ passage.T).max(axis=1)
        # The words that ask for a type of answer ("at what point in the video", "what is the
        # url") say what is wanted, not what it is about.
        asking = ASKING_TERMS.get(answer_type(question), frozenset())
        initials = name_initials(text)
        spelled_out = acronym_words(q.words, text)
        # "the August 2021 piece": the passage gives its month as a date ("2021-08-23").
        months = {int(m) for m in _ISO_MONTH.findall(" ".join([text, *(hits[c.n - 1].chunk.published or "" for c in chosen)]))}
        scores = []
        for w, written in enumerate(q.words):
            word = written.lower()
            if word in STOPWORDS or word in FRAMING or len(word) < 2 or not word[0].isalnum():
                continue
            if (terms := content_terms(word)) and terms <= asking:
                continue
            if (written.isupper() and written.isalpha() and written in initials) or w in spelled_out or _MONTHS.get(word) in months:
                scores.append(1.0)  # "TNW" ~ "The Next Web"; "football club" ~ "FC"
                continue
            scores.append(float(best[[i for i, x in enumerate(q.word_of) if x == w]].mean()))
        return min(scores) if scores else None

    @property
    def token_embedder(self):
        """The embedder that gives token vectors: the index's query path when its export has them
        (no torch), else the index's own model; None when neither can."""
        if self._token_embedder is None:
            candidates = [getattr(self._vectors, "embedder", None)] if self.index is None else [query_embedder(self.index), self.index.embedder]
            usable = [e for e in candidates if e is not None and hasattr(e, "token_vectors") and getattr(e, "has_token_vectors", True)]
            self._token_embedder = usable[0] if usable else False
        return self._token_embedder or None

    def focus(self, question: str, kind: str | None) -> Focus | None:
        """The thing the question asks about, when its answer must name it: the head noun of
        "how many <noun>" (always), or of "which/what <noun>" when no answer type is asked for
        (a publisher, a date or a figure is checked by its type)."""
        phrase = focus_phrase(question)
        if not phrase:
            return None
        counted = bool(re.search(r"\bhow\s+many\b", question, re.IGNORECASE))
        if kind and not counted:
            return None
        head = head_stem(phrase[-1])
        whole = " ".join(phrase) if len(phrase) > 1 else ""
        words = tokens(first_sentence(question))
        asks_name = any(asks_name_at(words, i) for i in range(len(words)))
        repeated = sum(head_stem(w) == head for w in words) > 1
        after = [words[i + 1] for i, w in enumerate(words[:-1]) if w == phrase[-1].lower()]
        doing = frozenset(content_terms(after[0])) if after else frozenset()
        return Focus(phrase[-1], head, counted, frozenset(content_terms(question)), whole, asks_name, repeated, doing) if head else None

    def weights(self, terms: set[str]) -> dict[str, float]:
        """Inverse document frequency over the index's passages: a word few passages use says
        more about what is asked (and a word none uses is the likeliest to be unanswerable)."""
        if self._df is None:
            if (words := corpus_words(self.index)) is not None:
                self._df, self._n = words.passage_counts, words.passages
            else:
                chunks = getattr(self.index, "chunks", None) or []
                self._df, self._n = passage_counts(chunks), len(chunks)
        return {t: math.log((self._n + 1) / (self._df.get(t, 0) + 0.5)) for t in terms}

    @property
    def names(self) -> frozenset[str]:
        """Words the corpus writes capitalized inside its sentences (WANdisco, Exadel, Arsenal):
        names, whichever way a user types them."""
        if self._names is None:
            words = corpus_words(self.index)
            self._names = words.names if words is not None else corpus_name_stems(getattr(self.index, "chunks", None) or [])
        return self._names

    def passage_vectors(self, hits: Sequence[Hit]):
        """The passages' own vectors, as the index stored them (no re-encoding of long texts);
        encoded afresh only for chunks the index does not hold."""
        import numpy as np

        if self._rows is None:
            chunks = getattr(self.index, "chunks", None) or []
            self._rows = {c.chunk_id: i for i, c in enumerate(chunks)}
        rows = [self._rows.get(h.chunk.chunk_id) for h in hits]
        if all(r is not None for r in rows) and rows:
            return np.asarray(self.index.vectors[rows], dtype=np.float32)
        return self.vectors([h.chunk.search_text for h in hits])

    def candidates(self, question: str, hits: Sequence[Hit], kind: str | None, q_terms: set[str]) -> list[Candidate]:
        weights = self.weights(q_terms)
        focus = focus_term(question)
        first = first_sentence(question)
        # "And when was that?" asks when the last answer's statement was made: its piece's date.
        about_publication = bool(ASKS_PUBLICATION.search(first)) or not content_terms(first)
        exact = bool(ASKS_EXACT.search(question))
        unit = asked_unit(question)
        dimension = asked_dimension(question) if kind == "length" else None
        asked_end = event_ends(first) if kind in ("date", "year") else None  # a start or an end asked for
        reason = bool(ASKS_REASON.search(first))
        yes_no = bool(_YES_NO.match(first))
        negated = negated_terms(first)  # "which beach has no lifeguard?" asks for the one that has none
        about_mail = bool(ASKS_ABOUT_MAIL.search(first))
        rows: list[_SentenceRow] = []
        # "What does the EurekAlert! release say …?": only that outlet's passages can answer
        # (a question about the outlet itself, "which outlet besides …", is not so limited).
        named = named_providers(question, hits) if kind != "source" else set()
        for n, hit in enumerate(hits, start=1):
            if named and hit.chunk.provider not in named:
                continue
            context = content_terms(passage_context(hit.chunk))
            sentences = [trim_byline(s) if is_byline(s, hit.chunk) or is_related_header(s, hit.chunk) else s for s in passage_sentences(hit.chunk)]
            if kind != "link":  # an address answers where a piece is, nothing else
                sentences = [s for s in sentences if not is_link_line(s, hit.chunk)]
            # A feed's score answers a question about that score ("its quality score?"), never
            # "how long" or "how much" about anything else, nor "what score did the model reach?".
            sentences = [s for s in sentences if not is_score_line(s, hit.chunk) or (content_terms(s.split(":")[0]) - _SCORE) & q_terms]
            if not about_mail:
                sentences = [s for s in sentences if not is_mail_header(s)]
            terms = [content_terms(s) for s in sentences]
            asking = [hit.chunk.kind == "body" and is_asking(s) for s in sentences]
            for i, sentence in enumerate(sentences):
                if is_topics_line(sentence, hit.chunk) and not q_terms & _TOPIC_TERMS:
                    continue  # the tags answer "what is it tagged / about?", never "why was it recalled?"
                if asking[i] and _QUESTION not in q_terms:
                    continue  # an interviewer's "Q: Does it have a name?" asks; the reply answers
                if terms[i] <= _BARE_REPLY and not yes_no:
                    continue  # a reply of no words of its own ("Yes.") answers only a yes/no question
                # The reply after an interviewer's question answers it: the question's words are
                # the reply's ("Q: … your starter. Does it have a name?" + "A: Her name is Gertrude.").
                start = i
                while start > 0 and asking[start - 1]:
                    start -= 1
                asked = set().union(*terms[start:i])
                around = set().union(*terms[max(0, i - 1) : i], *terms[i + 1 : i + 2])
                text = " ".join(sentences[max(0, i - 1) : i + 2])
                rows.append(_SentenceRow(n, i, hit, sentence, terms[i] | context | asked, around, text, " ".join(sentences[start:i])))
        if not rows:
            return []
        asked_texts = list(dict.fromkeys(r.asked_by for r in rows if r.asked_by))
        vecs = self.vectors([question, *(r.sentence for r in rows), *asked_texts])
        q = vecs[0]
        sims = (vecs[1:] @ q).tolist()
        # A reply means what it was asked: it matches the question as well as its interviewer's line does.
        asked_sim = dict(zip(asked_texts, sims[len(rows):]))
        sentence_sim = [max(s, asked_sim.get(r.asked_by, s)) for r, s in zip(rows, sims[: len(rows)])]
        if kind == "link":
            # An address or a video id says nothing a question's words can match ("bmjamLZ3v8A"):
            # it is as relevant as the piece it locates, whose byline names it.
            byline_sim = {r.hit.chunk.chunk_id: s for r, s in zip(rows, sentence_sim) if is_byline(r.sentence, r.hit.chunk)}
            sentence_sim = [
                byline_sim.get(r.hit.chunk.chunk_id, s) if is_link_line(r.sentence, r.hit.chunk) else s
                for r, s in zip(rows, sentence_sim)
            ]
        passage_sim = dict(zip((h.chunk.chunk_id for h in hits), (self.passage_vectors(hits) @ q).tolist()))
        out = []
        # Per passage, its section heading: an FAQ's "## Can I bring my dog?" is what the sentences
        # under it answer (its words are theirs); a changelog's "## Version 3.1.0 (released
        # 2025-02-11)" holds the date its "- Added dark mode" lacks, and leads it in the answer.
        sections = {}
        for hit in hits:
            section = (hit.chunk.heading or "").split(HEADING_JOINER)[-1]
            sections[hit.chunk.chunk_id] = (
                section,
                content_terms(section) if section.rstrip().endswith("?") else set(),
                bool(kind in _HEADING_KINDS and section and holds_type(kind, section, hit, about_publication, exact, unit, dimension)),
            )
        for row, semantic in zip(rows, sentence_sim):
            n, hit, sentence, terms, around = row.n, row.hit, row.sentence, row.terms, row.around
            section, asked_heading, section_typed = sections[hit.chunk.chunk_id]
            # The neighbouring sentences count half: they often name what "it" or "this" is.
            coverage = _weighted_share(terms & q_terms, q_terms, weights)
            coverage += NEIGHBOUR_SHARE * _weighted_share((around - terms) & q_terms, q_terms, weights)
            typed = holds_type(kind, sentence, hit, about_publication, exact, unit, dimension)
            if typed and asked_end is not None and event_ends(sentence) is (not asked_end):
                typed = False  # "when did passenger trains first run?" is not "the last passenger train ran in 1964"
            if typed and kind in ("date", "year") and names_editions_only(sentence, q_terms):
                typed = False  # "when did the Wynmouth clinic open?" is not "Opening times, the 2024 price list …"
            lead = ""
            if not typed and section_typed:
                typed, lead = True, section
            context = passage_sim[hit.chunk.chunk_id]
            score = (
                W_SEMANTIC * semantic + W_CONTEXT * context + W_COVERAGE * coverage
                + (W_TYPE if kind and typed else 0.0)
                + (W_FOCUS if focus and focus in content_terms(sentence) else 0.0)
                + (W_TYPE if reason and CAUSE.search(sentence) else 0.0)
                - (W_TYPE if not negated and negated_terms(sentence) & q_terms else 0.0)
            )
            own = frozenset(content_terms(sentence) | around | asked_heading)
            byline = is_byline(sentence, hit.chunk)
            out.append(Candidate(n, row.position, sentence, score, semantic, context, coverage, typed, frozenset(terms), own, byline, row.text, lead))
        # Best first; among equals the better-ranked passage and the earlier sentence win.
        return sorted(out, key=lambda c: (-c.score, c.n, c.position))


_EXCLUDING = re.compile(r"\b(?:besides|apart from|other than|except|beyond|not|unlike|aside from)\b[^,?]*$", re.IGNORECASE)


_STARTS = re.compile(
    r"\b(?:first|start(?:s|ed|ing)?|beg[ai]n(?:s|ning)?|begun|open(?:s|ed|ing)?|launch(?:es|ed|ing)?|introduc(?:e|es|ed|ing)|"
    r"inaugurat\w*|debut(?:ed)?|found(?:ed|ing)|establish(?:ed|ing)?)\b",
    re.IGNORECASE,
)
_ENDS = re.compile(
    r"\b(?:last|final(?:ly)?|end(?:s|ed|ing)?|clos(?:e|es|ed|ing|ure)|withdr[ae]wn?|withdrawal|stop(?:s|ped|ping)?|ceas(?:e|es|ed)|"
    r"halt(?:s|ed)?|scrapped|shut|abolish(?:ed)?|discontinued|retire[ds]?|demolish(?:ed)?)\b",
    re.IGNORECASE,
)


# A year set between "the" and a noun names which one ("the 2024 price list", "its 2023 report"):
# it dates that thing, not an event.
_EDITION_YEAR = re.compile(rf"\b(?:the|its|their|our|his|her|this|a|an)\s+({A_YEAR})\s+([a-z][\w-]*)", re.IGNORECASE)


_MONTH_NAME = re.compile(r"\b(?:" + "|".join(MONTH_NAMES) + r")\b", re.IGNORECASE)
_A_YEAR = re.compile(A_YEAR)


def names_editions_only(sentence: str, asked: set[str]) -> bool:
    """Every date the sentence writes is a year naming an edition of a thing the question does not
    ask about ("the 2024 price list" for when a clinic opened; "the 2024 Olympics" still dates the
    Olympics), and it writes no month or day."""
    years = _A_YEAR.findall(sentence)
    editions = [(y, noun) for y, noun in _EDITION_YEAR.findall(sentence) if not content_terms(noun) & asked]
    if not years or len(editions) < len(years):
        return False
    return not _MONTH_NAME.search(sentence)


def event_ends(text: str) -> bool | None:
    """Whether `text` speaks of an end (True: "the last train ran", "services were withdrawn") or a
    start (False: "first run", "opened"); None when it says both or neither. A question about when
    something started is not answered by when it ended, and the other way round."""
    starts, ends = bool(_STARTS.search(text)), bool(_ENDS.search(text))
    return None if starts == ends else ends


def named_providers(question: str, hits: Sequence[Hit]) -> set[str]:
    """The outlets of `hits` that the question names as its source, by name or acronym ("the
    EurekAlert! release", "TNW's piece"), unless it names them to set them aside ("besides TNW")."""
    named = set()
    for provider in {h.chunk.provider for h in hits if h.chunk.provider}:
        name = re.sub(r"[\W_]+", "", provider.lower())
        initials = "".join(w[0] for w in provider.split() if w[:1].isupper()).lower()
        # The name however it is spaced or punctuated ("The Next Web", "TheNextWeb"), else its initials.
        spelled = r"[\W_]*".join(map(re.escape, name))
        said = (len(name) > 2 and re.search(rf"\b{spelled}\b", question, re.IGNORECASE)) or (
            len(initials) > 1 and re.search(rf"\b{re.escape(initials)}\b", question, re.IGNORECASE)
        )
        if said and not _EXCLUDING.search(question[: said.start()]) and not written_by_others(provider, hits):
            named.add(provider)
    return named


def written_by_others(provider: str, hits: Sequence[Hit]) -> bool:
    """Another outlet's passage writes the outlet's name: it is a subject too ("Lumora raises $18
    million …" in TechCrunch, beside Lumora's own privacy policy), and "which firm led Lumora's
    Series A?" names the company, not the source to read."""
    name = re.compile(rf"\b{re.escape(provider)}\b")
    return any(h.chunk.provider != provider and name.search(h.chunk.text) for h in hits)


# "No" and "without" deny a thing ("no lifeguard"); "not" and "never" deny a doing ("never trust",
# "not working"), which the tune split showed is often the answer's own point.
_NEGATION = re.compile(r"\b(?:no|without|lacks?|lacking)\s+(?:a\s+|an\s+|any\s+)?([^\W\d_][\w-]*)", re.IGNORECASE)


def negated_terms(text: str) -> set[str]:
    """The content words the text says are absent ("there is no lifeguard" → lifeguard): a
    sentence that denies what the question asks about answers the opposite question."""
    return set().union(*(content_terms(m.group(1)) for m in _NEGATION.finditer(text)))


_ROLE = re.compile(
    r"\W*(?:and\s+)?who\s+(?:is|was|are|were)\s+(?:the|its|their|his|her)\s+((?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s*(?:\b(?:at|of|for|in|on|with|behind)\b|[?,]|$)",
    re.IGNORECASE,
)


def held_role(question: str) -> str:
    """The role a "who is the <role> at/of …?" question asks the holder of ("policy lead"); ""
    when the question asks no such thing."""
    m = _ROLE.match(question)
    return m.group(1) if m else ""


def holds_role_elsewhere(sentence: str, role: str, asked: frozenset[str]) -> bool:
    """The sentence gives the role of a named organisation the question does not name ("chief
    executive of Hidrotec Ibérica" for Acquaterra's)."""
    # the role in any case, the organisation by its capitals ("… of Acquaterra Servicios said" ends at "said")
    m = role and re.search(rf"(?i:\b{re.escape(role)}\s+(?:of|at)\s+(?:the\s+)?)((?:[A-Z][\w'’&.-]*\s*)+)", sentence)
    return bool(m and not content_terms(m.group(1)) <= asked)


def only_counts(sentence: str, focus: Focus) -> bool:
    """The sentence writes the asked plural noun only after a count ("from four carmakers", "3 firms")."""
    words = tokens(sentence)
    at = [i for i, w in enumerate(words) if focus.names_noun(w)]
    plural = focus.word.lower().endswith("s") and not focus.word.lower().endswith("ss")
    return plural and bool(at) and all(i > 0 and (words[i - 1] in COUNT_WORDS or FIGURE.fullmatch(words[i - 1])) for i in at)


def names_beside(sentence: str, focus: Focus, names: Sequence[str]) -> bool:
    """A sentence that uses the asked noun names that thing beside it ("the sealing ship Fram",
    "Lena Holm, a volunteer"), not anywhere: "a volunteer … photographed an otter on the Varn"
    names a river, not the volunteer. (A sentence that says the noun another way passes, and so does
    any when the question itself uses the noun twice.)"""
    words = sentence.split()
    at = [i for i, w in enumerate(words) if focus.stem in content_terms(w)]
    if not at or focus.repeated:  # the sentence's "team" may be the question's other one, "the junior team"
        return True
    named = set(names)
    spots = [i for i, w in enumerate(words) if w.strip(_NAME_PUNCTUATION) in named]
    return any(abs(i - j) <= NAME_WINDOW for i in at for j in spots)


_ASKS_WHICH = re.compile(r"\bwhich\b|^\W*(?:and\s+)?who\s+(?:is|was|are|were)\s+the\b", re.IGNORECASE)  # "which X", "who was the X": one by name
_SOME_ONE = frozenset("a an one another some her his their its".split())  # "a motor insurer", "her partner": there was one, not which
_UNNAMED = frozenset("local unnamed unidentified".split())  # "the local MP", "the unnamed buyer"
_DETERMINING = _SOME_ONE | _UNNAMED
_LINKS_NAME = frozenset("is was became".split())  # "Optel is a supplier"
_GIVES_NAME = frozenset("named called dubbed".split())  # "a firm called Optel"


def names_none_of_it(sentence: str, focus: Focus) -> bool:
    """Every time the sentence uses the asked noun it says there was one, not which: "a motor
    insurer, an energy retailer …", "a 34-year-old man from Ferrisby", "the local MP", "with her
    partner" (for "which motor insurer …?", "the name of the man arrested", "which MP …?", "the name
    of her partner"). A name set beside it names it: "a supplier, Optel,", "a spokesperson for the
    firm, Carla Denning,", "his club Arsenal", "Optel, a supplier", "Optel is a supplier", "a firm
    called Optel"; so does a figure ("a dose of 20 milligrams")."""
    words = sentence.split()
    at = [i for i, w in enumerate(words) if focus.stem in content_terms(w)]
    if not at or focus.repeated:
        return False

    def named(k: int) -> bool:
        bare = words[k].strip(_NAME_PUNCTUATION) if 0 <= k < len(words) else ""
        if bare[:1].isdigit() and k > 0:  # "car No. 14, a double-deck tram"
            return words[k - 1].rstrip(".").lower() in ("no", "number", "nr") or named(k - 1)
        return bare[:1].isupper() and bare.lower() not in STOPWORDS and bare.lower() not in CALENDAR_NAMES

    for i in at:
        if words[i].rstrip(_NAME_PUNCTUATION).endswith(("'s", "’s")):
            return False  # "a ship's figurehead from the brig Constant Hope" is about the figurehead
        j = i - 1  # back over its modifiers ("a 34-year-old man", "a motor insurer"), not over
        # another noun's ("a group of angel investors") or a name ("aboard a Tern-4 rocket")
        while j >= 0 and i - j <= 3 and words[j].lower() not in _DETERMINING:
            if words[j].endswith((",", ";", ":")) or words[j].lower() in STOPWORDS or words[j][:1].isupper():
                return False
            j -= 1
        word = words[j].lower() if j >= 0 else ""
        indefinite = word in _SOME_ONE or (word in _UNNAMED and j > 0 and words[j - 1].lower() == "the")
        if not indefinite:
            return False  # "the sealing ship Fram", "Optel's supplier", "its supplier"
        if word in _UNNAMED:
            j -= 1
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        # "a spokesperson for the firm, Carla Denning,": the name after the phrase's short tail
        tail = next((k for k in range(i, min(i + 5, len(words))) if words[k].endswith(",")), None)
        if tail is not None and named(tail + 1):
            return False
        if (words[i][-1:] not in _NAME_PUNCTUATION and named(i + 1)) or after in _GIVES_NAME or (after == "of" and i + 2 < len(words) and FIGURE.search(words[i + 2])):
            return False  # "a supplier, Optel,", "a firm called Optel", "a dose of 20 milligrams"
        if j > 0 and ((words[j - 1].endswith(",") and named(j - 1)) or (words[j - 1].lower() in _LINKS_NAME and named(j - 2))):
            return False
    return True


def says_none_of_it(c: Candidate | None, candidates: Sequence[Candidate], focus: Focus) -> bool:
    """`names_none_of_it` for the sentence, or when it does not use the noun, for the sentences
    beside it that do ("Maren Oakes was born …" + "She … lives in Kelbridge with her partner").
    No sentence (no neighbour that names the noun) says none of it."""
    if c is None:
        return True
    if focus.stem in content_terms(c.sentence):
        return names_none_of_it(c.sentence, focus)
    using = [a.sentence for a in adjacent(c, candidates) if focus.stem in content_terms(a.sentence)]
    return bool(using) and all(names_none_of_it(s, focus) for s in using)


def section_name(chunk, focus: Focus) -> str | None:
    """The name a passage's section heading gives it, under a heading that says its kind: "Kavos Bay"
    under "Beaches" for "which beach …?"; None when the heading path says no such thing."""
    path = (chunk.heading or "").split(HEADING_JOINER)
    if len(path) >= 2 and focus.stem in content_terms(path[-2]) and not content_terms(path[-1]) & focus.asked:
        return path[-1]
    if focus.stem in content_terms(path[-1]) and figures(path[-1]):
        return path[-1]  # "Version 3.2.0 (released 2025-06-02)" for "which release added …?"
    return None


def neighbour(c: Candidate, candidates: Sequence[Candidate], offset: int) -> Candidate | None:
    """The sentence `offset` places after `c` in its passage (-1: the one before), if a candidate."""
    return next((o for o in candidates if o.n == c.n and o.position == c.position + offset), None)


def adjacent(c: Candidate, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The sentences just before and after `c` in its passage."""
    return [o for o in candidates if o.n == c.n and abs(o.position - c.position) == 1]


def closest_cosine(vectors: SentenceVectors, word: str, words: Sequence[str]) -> float:
    """The highest cosine between `word` and any of `words` (0 when there are none)."""
    words = list(dict.fromkeys(words))
    if not words:
        return 0.0
    vecs = vectors([word, *words])
    return float((vecs[1:] @ vecs[0]).max())


_NAME_JOINERS = frozenset("of and for on the de".split())  # "Department of Justice" → DOJ


def name_initials(text: str) -> set[str]:
    """The acronyms a text's names spell: the initials of each run of capitalized words, and of
    every run inside it ("The Next Web" → TNW, NW; "Department of Justice" → DJ, DOJ). A question
    that writes a name's acronym names what the passage spells out."""
    found: set[str] = set()
    words = text.split()
    for start in range(len(words)):
        spelled = spelled_all = ""
        for raw in words[start : start + 8]:
            word = raw.strip("“”\"'‘’()[]")
            if word[:1].isupper() and word[0].isalpha():
                spelled, spelled_all = spelled + word[0], spelled_all + word[0]
                if len(spelled) >= 2:
                    found |= {spelled, spelled_all}
            elif word.lower() in _NAME_JOINERS and spelled:
                spelled_all += word[0].upper()
            else:
                break
            if word != word.rstrip(".,;:!?"):  # a name ends with its clause
                break
    return found


_ISO_MONTH = re.compile(r"\b\d{4}-(\d{2})-\d{2}\b")


def acronym_words(words: Sequence[str], text: str) -> set[int]:
    """The positions of `words` that spell out an acronym the text writes ("football club" for
    "Arsenal FC", "Department of Justice" for "DOJ" or "DJ"): the reverse of `name_initials`."""
    acronyms = {w for w in _TOKEN_CASED.findall(text) if 2 <= len(w) <= 6 and w.isupper() and w.isalpha()}
    found: set[int] = set()
    for start in range(len(words)):
        spelled = spelled_all = ""
        for i in range(start, min(len(words), start + 8)):
            word = words[i]
            if not word[:1].isalpha() or (word.isupper() and len(word) > 1):  # "AI in" spells no "AI"
                break
            spelled_all += word[0].upper()
            if not (word.lower() in _NAME_JOINERS and spelled):
                spelled += word[0].upper()
            if len(spelled) >= 2 and {spelled, spelled_all} & acronyms:
                found.update(range(start, i + 1))
    return found


_YEAR_SPAN = re.compile(r"\b((?:1[89]|20)\d\d)\s?[-/–]\s?(\d\d)\b(?![-/–.,]?\d)")


def span_ends(text: str) -> set[str]:
    """The years that spans of years end in: "2023-24" → 2024, "1999/00" → 2000."""
    ends = set()
    for start, end in _YEAR_SPAN.findall(text):
        century = int(start[:2]) + (int(end) < int(start[2:]))
        ends.add(f"{century}{end}")
    return ends


def figures(text: str) -> set[str]:
    """The numbers a text writes in digits, without thousands separators ("2,000" → "2000"); a
    quarter's code ("Q1") is a period (`periods`), not the figure 1; a span of years ("2023-24",
    "2023/24", a financial year) writes the year it ends in (2024) too."""
    return {f.replace(",", "") for f in FIGURE.findall(_QUARTER_CODE.sub(" ", text))} | span_ends(text)


def figures_found(question: str, texts: Sequence[str], passage: str = "") -> bool:
    """Every figure the question writes in digits (a year, an amount) is in one of the texts, in
    digits or, when small, spelled ("3" ~ "three"). A question that names one ("worth by 2030?")
    asks about that figure: a passage with another ("worth by 2025") answers a different question,
    however close its words. Spelled numbers in the question are counts it asks for ("which two
    companies"), not figures it gives. A figure that is part of a name ("Pier 4", "Line 7") says
    which thing the question is about, and the `passage` that writes it is about that thing,
    whichever of its sentences answers."""
    asked = figures(question) - (designations(question) & figures(passage))
    if not asked:
        return True
    written = " ".join(texts)
    spelled = {str(COUNT_NUMBERS.index(w) + 1) for w in set(tokens(written.lower())) & set(COUNT_NUMBERS)}
    return asked <= figures(written) | spelled


# A figure that numbers a named thing: "Pier 4", "Line 12" (not "March 2023": a date).
_DESIGNATION = re.compile(r"\b([A-Z][a-z]+)\s+(\d+)\b(?![.,]\d)")


def designations(text: str) -> set[str]:
    """The figures `text` writes as the number of a named thing ("Pier 4" → "4")."""
    return {d for name, d in _DESIGNATION.findall(text) if name.lower() not in CALENDAR_NAMES}


# Not a time of the sentence's own but one it compares with ("more than in 2023", "up since 2019",
# "up 8 per cent from the second quarter").
_COMPARED = r"(?<!than )(?<!than in )(?<!since )(?<!from )(?<!with )"
# A year the sentence gives as its own time ("in 2022"); and a year that says which piece is meant
# ("the 2022 article").
_OWN_YEAR = re.compile(_COMPARED + A_YEAR)
_PIECE_YEAR = re.compile(A_YEAR + r"\s+(?:\w+\s+){0,2}?(?:article|piece|story|report|video|release|post|interview|episode)", re.IGNORECASE)


_QUARTER_CODE = re.compile(r"\bQ([1-4])\b")
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
# A quarter or half of a year, as its own time ("in the third quarter", "Q3"), not one it compares
# with ("up 8 per cent from the second quarter", "than in Q1").
_OWN_PERIOD = re.compile(
    _COMPARED + r"(?<!from the )(?<!than the )(?<!with the )(?<!since the )(?<!than in the )\b(?:(first|1st|second|2nd|third|3rd|fourth|4th)[\s-]+(quarter|half)|Q([1-4]))\b",
    re.IGNORECASE,
)


# A month as a time of its own ("in January 2024", "March's figures"), not one it is reckoned from
# ("the meeting after the March one"), capitalized as a name: "may" is a verb, and "May" one
# unless a day or year follows.
_OWN_MONTH = re.compile(
    _COMPARED + r"(?<!from the )(?<!through )(?<!until )(?<!between )(?<!after )(?<!after the )(?<!before )(?<!before the )\b("
    + "|".join(m for m in MONTH_NAMES if m != "May") + r"|May(?=\s+\d))\b"
)
# A date that says which piece is meant ("the July 2022 article"), not the time asked about.
_PIECE_DATE = re.compile(r"\b(?:" + "|".join(MONTH_NAMES) + r")\s+(?:\d{1,2},?\s+)?" + _PIECE_YEAR.pattern, re.IGNORECASE)


# A season, year or term told from now ("this season", "last year"), as its own time and not one
# it compares with ("more than last season"); kept apart from the calendar's ("rel season").
_RELATIVE_PERIOD = re.compile(
    _COMPARED + r"(?<!than the )\b(this|current|last|previous|past|next|coming|following)\s+(season|year|month|week|term|quarter|campaign)\b",
    re.IGNORECASE,
)
_RELATIVE_STEP = {"this": 0, "current": 0, "last": -1, "previous": -1, "past": -1, "next": 1, "coming": 1, "following": 1}


def periods(text: str) -> set[tuple[int, str]]:
    """The months, quarters and halves of a year that a text gives as its own time: "second-quarter
    revenue" and "in Q2" → {(2, "quarter")}; "in February 2024" → {(2, "month")}; "last season"
    → {(-1, "rel season")} ("this season" asked is not answered by "nine goals last season")."""
    quarters = {
        (_ORDINALS[ordinal.lower()], unit.lower()) if ordinal else (int(code), "quarter")
        for ordinal, unit, code in _OWN_PERIOD.findall(text)
    }
    relative = {(_RELATIVE_STEP[step.lower()], f"rel {unit.lower()}") for step, unit in _RELATIVE_PERIOD.findall(text)}
    return quarters | relative | {(_MONTHS[month.lower()], "month") for month in _OWN_MONTH.findall(text)}


def asked_periods(question: str) -> set[tuple[int, str]]:
    return periods(_PIECE_DATE.sub(" ", first_sentence(question)))


def another_period(question: str, sentence: str) -> bool:
    """The question asks about a quarter or month ("Q4 revenue", "warnings in February") and the
    answer sentence gives another of its kind as its own ("Revenue for the third quarter was …",
    "340 warnings in January"): it answers for the other period."""
    asked = asked_periods(question)
    written = periods(sentence)
    kinds = {unit for _, unit in asked}
    written = {p for p in written if p[1] in kinds or (p[1] == "half" and "quarter" in kinds) or (p[1] == "quarter" and "half" in kinds)}
    return bool(asked and written) and not asked & written


def own_years(text: str) -> set[str]:
    """The years a text gives as its own time (`_OWN_YEAR`); a question's, from its first sentence."""
    return set(_OWN_YEAR.findall(text)) | span_ends(text)  # "2023-24": 2024 too


def gives_year(question: str, sentence: str) -> bool:
    """The sentence gives a year the question asks about as its own ("2022: Revenue 201.3")."""
    return bool(own_years(first_sentence(question)) & own_years(sentence))


def another_year(question: str, sentence: str) -> bool:
    """The question asks about a year ("in 2023") and the answer sentence gives another as its own
    and not that one: it answers for the other year, though its passage (its date) writes the asked one."""
    asked = own_years(first_sentence(question))
    if not asked or _PIECE_YEAR.search(question):
        return False
    written = own_years(sentence)
    return bool(written) and not asked & written


def says_more(question: str, sentences: Sequence[str], chunks) -> bool:
    """The sentences hold a word the question does not write, their passage's quoted title aside:
    else they only say back what was asked ("Who was Lex Fridman's guest in the talk?" → "“TITLE”
    is from lexfridman"). Long words count as written when the question has them with its spaces
    and hyphens removed ("Lex Fridman" writes lexfridman). A figure is a word ("Quality score: 57")."""
    known = content_terms(question)
    squashed = re.sub(r"[\W_]+", "", question.lower())
    given = figures(question)
    for sentence, chunk in zip(sentences, chunks):
        for w in tokens(sentence.replace(f"“{chunk.title}”", " ")):
            if figures(w) - given:
                return True
            if len(w) > 5 and re.sub(r"[\W_]+", "", w) in squashed:  # long words only: "art" is in "start"
                continue
            if content_terms(w) - known:
                return True
    return False


# "Series B", "Line 3", "Halcyon-2": a capitalized word and the letter or number that tells it
# from others of its kind. "The Birch Ridge fire": a name before the kind of thing it names.
_DESIGNATED = re.compile(r"\b([A-Z][^\W\d_]+)(?:\s+|-)([A-Z]|\d{1,3})\b(?![-.,]?\d)")
# "stage 8", "line 3", "room 101": a plain noun and the number that tells it from others of its
# kind (not "lost 40%", "took 3 hours": a figure with its unit is an amount).
_NUMBERED = re.compile(r"\b([a-z][^\W\d_]{2,})\s+(\d{1,3})\b(?![-.,:/%]?\d|%)(?:\s+([^\W\d_]+))?")
_NAMED_KIND = re.compile(r"((?:\b[A-Z][\w'’-]*\s+)+)([a-z]+)\b")


def named_things(text: str) -> set[tuple[str, str]]:
    """(kind, name) pairs the text writes: ("series", "b") for "Series B", ("fire", "birch ridge")
    for "the Birch Ridge fire"."""
    numbered = [(k, d) for k, d, after in _NUMBERED.findall(text) if not after or after.lower() in STOPWORDS]  # not "took 3 hours"
    designated = [*_DESIGNATED.findall(text), *numbered]
    found = {(k.lower(), d.lower()) for k, d in designated if k.lower() not in STOPWORDS and k.lower() not in CALENDAR_NAMES}
    for m in _NAMED_KIND.finditer(text):
        run, kind = m.groups()
        words = run.split()
        before = text[: m.start()].rstrip()
        if len(words) == 1 and (not before or before[-1] in ".!?:;“”\"'‘’("):
            continue  # "Many researchers …": a sentence's first word is capitalized, not a name
        if POSSESSIVE.search(words[-1]):
            continue  # "Lumora's data": whose data, not data called Lumora's
        while words and (words[0].lower() in STOPWORDS or not content_terms(words[0])):
            words = words[1:]
        if words and kind not in STOPWORDS and content_terms(kind):
            found.add((kind, " ".join(words).lower()))
    return found


def _plain(text: str) -> str:
    """`_squashed` without accents: "Ibáñez" and "Ibanez" are one name however a user types it."""
    # NFKD splits "á" into "a" and a combining accent; `_squashed` drops the accent (no mark is a \w)
    return _squashed(unicodedata.normalize("NFKD", text))


def _squashed(text: str) -> str:
    """Lower case without spaces, hyphens or punctuation: "AI-based" and "AIbased" are one name."""
    return re.sub(r"[\W_]+", "", text.lower())


# An interviewer's line: "Q: …", "Interviewer: …", or any sentence that asks.
_INTERVIEWER = re.compile(r"\W*(?:Q|Question|Interviewer)\s*[:.]\s", re.IGNORECASE)


_SIGNED_QUESTION = re.compile(r"\?[\s*_]*[-–—]\s+[A-Z][^?]*$")


def is_asking(sentence: str) -> bool:
    """The sentence asks rather than tells: it ends with a question mark (before a reader's signed
    name, "Is that from them? - Sally Hebblethwaite, Low Garth") or is an interviewer's line."""
    return sentence.rstrip(" \"'”’)*").endswith("?") or bool(_INTERVIEWER.match(sentence) or _SIGNED_QUESTION.search(sentence))


def names_a_sibling(question: str, sentence: str) -> bool:
    """The sentence names another thing of a kind the question names, and not the question's own:
    "Its predecessor, Halcyon-1, was launched in 2016" for "when was Halcyon-2 launched?", "the
    Birch Ridge fire of 2009" for "when did the Tallow Creek fire start?". It answers about the
    sibling."""
    asked = named_things(first_sentence(question))
    if not asked:
        return False
    written = named_things(sentence)
    question_words = {_squashed(w) for w in tokens(question)}
    text = _squashed(sentence)
    for kind, name in asked:
        own = _squashed(name)
        if (kind, name) in written or (len(name) > 3 and own in text):
            continue  # the sentence names the question's own
        for other_kind, other in written:
            sibling = _squashed(other)
            related = sibling in own or own in sibling  # "AI" and "AIbased emotion" are one thing
            if other_kind == kind and not related and not {_squashed(w) for w in tokens(other)} & question_words:
                return True
    return False


def _figure_context(chunk) -> str:
    """Where a passage's figures may stand besides its sentences: title, heading, date, timestamp."""
    return " ".join(x for x in (passage_context(chunk), chunk.published or "", chunk.anchor or "") if x)


def relation_terms(question: str, names: frozenset[str] = frozenset()) -> set[str]:
    """The content words of what the question asks about its subject: its words less the names in
    it ("What was WANdisco's revenue?" → revenue). A passage can name the subject and never state
    the relation asked for. Names are the words the corpus capitalizes (`names`, stemmed) and, when
    the question mixes cases, the words it capitalizes after its first."""
    words = _TOKEN_CASED.findall(first_sentence(question))
    mixed = any(w[:1].isupper() for w in words[1:]) and any(w.islower() for w in words)
    kept = [w for i, w in enumerate(words) if not (mixed and i > 0 and w[:1].isupper())]
    return content_terms(" ".join(kept)) - names


def corpus_words(index):
    """The word tables `rag index` stored with the index (rag.corpus_words), when it is one."""
    return getattr(index, "corpus_words", None)


def passage_counts(chunks) -> dict[str, int]:
    """In how many passages each content stem stands (the word weights' document frequency)."""
    counts: dict[str, int] = {}
    for chunk in chunks:
        for t in content_terms(chunk.search_text):
            counts[t] = counts.get(t, 0) + 1
    return counts


def corpus_name_stems(chunks) -> frozenset[str]:
    """`corpus_names` of the passages' own sentences (not the lines the chunker writes)."""
    return corpus_names(s for c in chunks for s in passage_sentences(c) if not is_summary_line(s, c))


def corpus_names(sentences) -> frozenset[str]:
    """Stems of the words written capitalized in most of their uses after a sentence's first word
    (running text only: titles capitalize every word)."""
    upper: dict[str, int] = {}
    total: dict[str, int] = {}
    terms_of: dict[str, set[str]] = {}  # each written word stemmed once: this reads the whole corpus
    for sentence in sentences:
        for word in _TOKEN_CASED.findall(sentence)[1:]:
            for part in word.split("-"):  # "AI-based": a name and a plain word
                terms = terms_of.get(part)
                if terms is None:
                    terms = terms_of[part] = content_terms(part)
                for t in terms:
                    total[t] = total.get(t, 0) + 1
                    upper[t] = upper.get(t, 0) + part[:1].isupper()
    return frozenset(t for t, n in total.items() if upper[t] * 2 > n)


_TOKEN_CASED = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)


def headline_names(byline: str, names: frozenset[str]) -> list[str]:
    """The names in a byline's headline: words the corpus capitalizes in running text and, when the
    headline is in sentence case ("Amazon and Microsoft deny using Flickr pics …"), the words it
    capitalizes after its first. A Title Case headline capitalizes every word: no sign there."""
    words = [w for w in _TOKEN_CASED.findall(byline.split("” was published")[0]) if content_terms(w)]
    sentence_case = sum(w[:1].isupper() for w in words[1:]) * 2 < len(words[1:])
    return [w for i, w in enumerate(words) if content_terms(w) <= names or (sentence_case and i > 0 and w[:1].isupper())]


def _weighted_share(part: set[str], whole: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.get(t, 1.0) for t in whole)
    return sum(weights.get(t, 1.0) for t in part) / total if total else 0.0


def _duplicate(a: Candidate, b: Candidate) -> bool:
    """The two say the same: they share most words, and no figures (which stems leave out) tell
    them apart ("Adults: CHF 16." says what "Family ticket (two adults): CHF 38." does not)."""
    if a.sentence == b.sentence:
        return True
    small = min(len(a.terms), len(b.terms)) or 1
    given_a, given_b = figures(a.sentence), figures(b.sentence)
    return len(a.terms & b.terms) / small >= DUPLICATE_OVERLAP and not (given_a and given_b and given_a != given_b)


def render_answer(question: str, selection: Selection, hits: Sequence[Hit]) -> str:
    """The chosen sentences through `prompts/answer.j2`. Asked for a moment of a recording, the
    last sentence quoted from each passage says its timestamp."""
    parts = []
    for i, c in enumerate(selection.chosen):
        sentence = c.sentence
        last_of_passage = all(o.n != c.n for o in selection.chosen[i + 1 :])
        if selection.kind == "timestamp" and last_of_passage and hits[c.n - 1].chunk.anchor:
            anchor = at_quote(hits[c.n - 1].chunk, c.sentence).anchor
            if not any(f"({anchor})" in o.sentence for o in selection.chosen if o.n == c.n):  # said already
                sentence = with_anchor(sentence, anchor)
        parts.append(_render_parts(sentence, c.n))
    return render("answer.j2", question=question, sentences=parts)


_LIST_SEPARATOR = re.compile(r"\s*[;,:]\s*(?:and|or)?$")


_REPLY_LABEL = re.compile(r"^(?:A|Answer)\s*:\s+(?=\S)")


def _render_parts(sentence: str, n: int) -> dict:
    """The sentence split into body and final punctuation, so the marker goes before the full stop."""
    m = re.match(r"^(.*?)([.!?]*)$", sentence.strip(), re.DOTALL)
    body, end = m.group(1).rstrip(), m.group(2)
    body = _REPLY_LABEL.sub("", body)  # an interview's "A: Her name is Gertrude." is quoted as what she said
    if not end:  # a list item quoted alone ends as a sentence, not with its separator ("…collected; [1].")
        body = _LIST_SEPARATOR.sub("", body)
    if end.startswith("?"):  # a quoted question stays a question, the citation after it
        return {"body": body + end, "end": "", "n": n}
    return {"body": body, "end": ".", "n": n}
