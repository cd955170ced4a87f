"""The assistant: retrieve, generate, check citations; remember a conversation.

    assistant = Assistant(index)                       # templated generator, default retrieval
    answer = assistant.ask("why is emotion AI called a scam?")
    for piece in (stream := assistant.stream("who published it?", history)):
        print(piece, end="")                           # checked sentences, as they are made
    stream.answer                                      # the same `Answer` that ask() returns

    chat = assistant.conversation()                    # keeps history; resolves follow-ups
    chat.ask("which outlet called it a scam?"); chat.ask("and when?")

Every answer, whatever the generator, goes through the citation check (`rag.citations`):
unsupported sentences are dropped, markers renumbered, and an answer left with nothing abstains
with the text of `prompts/abstain.j2`.

Follow-ups: a question that leans on the previous turn ("and who reported it?": it opens with a
conjunction, or refers back with a pronoun and says little else) is resolved before retrieval by
joining it with the previous turn's resolved question, and the passages the previous answer cited
(with their documents' summaries) come first among its passages; the user's own words stay in
`Answer.question`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from rag.citations import CitationCheck, SentenceVectors, content_terms, query_embedder, tokens
from rag.generation import make_generator
from rag.generation.base import Generator, Turn, render
from rag.retrieval import clean_query
from rag.types import Answer

DEFAULT_K = 5
# Grammar, not topic: words that point back at something said before, and openers that continue it.
_ANAPHORA = frozenset("it its it's they them their theirs this that these those he she him her his hers there one".split())
_CONTINUATIONS = ("and", "but", "also", "so", "what about", "how about", "then")
_FOLLOW_UP_MAX_TERMS = 3  # a question that names more than this stands on its own
# What a question can ask of a piece it only points at: "who published it?", "when was it written?".
_ABOUT_A_PIECE = frozenset(content_terms("published publish wrote write written author reported report released posted aired appeared"))


def is_follow_up(question: str) -> bool:
    words = tokens(question)
    if not words:
        return False
    text = " ".join(words)
    if any(text == c or text.startswith(c + " ") for c in _CONTINUATIONS):
        return True
    return refers_back(question) and len(content_terms(question)) <= _FOLLOW_UP_MAX_TERMS


def refers_back(question: str) -> bool:
    """The question points at something said before with a pronoun ("who published it?")."""
    return bool(_ANAPHORA & set(tokens(question)))


def points_at_nothing(question: str, history: Sequence[Turn]) -> bool:
    """A first question that only points back ("who published it?", "and when?"): no earlier
    answer says what "it" is, and any passage retrieved for it would be a guess."""
    from rag.generation.answer_types import FRAMING_TERMS

    if history or not (refers_back(question) or is_follow_up(question)):
        return False
    return not content_terms(question) - _ABOUT_A_PIECE - FRAMING_TERMS


def resolve(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve and answer with: a follow-up joined with the turn it follows."""
    question = " ".join(question.split())
    if not history or not is_follow_up(question):
        return question
    return f"{question} ({history[-1].question})"


class AnswerStream:
    """Iterate for the answer's checked text pieces; `.answer` holds the `Answer` once done, and
    `.resolved` the question as retrieval saw it (a follow-up joined with what it follows)."""

    def __init__(self):
        self.answer: Answer | None = None
        self.resolved: str | None = None
        self._pieces: Iterator[str] = iter(())

    def __iter__(self) -> Iterator[str]:
        return self._pieces


class Assistant:
    """Retriever + generator + citation check. Cheap to construct: models load on first question."""

    def __init__(
        self, index, generator: str | Generator | None = None, k: int = DEFAULT_K, mode: str | None = None,
        retriever=None,
    ):
        from rag.retrieval import DEFAULT_MODE, Retriever, check_index

        check_index(index, "Assistant")
        self.index = index
        self.retriever = retriever or Retriever(index, mode=mode or DEFAULT_MODE)
        self.generator = generator if hasattr(generator, "stream") else make_generator(generator, index=index)
        self.k = k
        self.vectors = SentenceVectors(query_embedder(index))
        self._speller = None

    @property
    def speller(self):
        """The corpus's words and names (stored with the index, rag.corpus_words), on the first question."""
        if self._speller is None:
            from rag.spelling import Speller, english_words

            words = self.index.corpus_words
            self._speller = Speller(words.words, words.spellings, english_words(), words.pairs)
        return self._speller

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        stream = self.stream(question, history)
        for _ in stream:
            pass
        return stream.answer

    def stream(self, question: str, history: Sequence[Turn] = ()) -> AnswerStream:
        question = clean_query(question)  # what is answered, echoed and kept in the history
        stream = AnswerStream()
        stream._pieces = self._run(question, history, stream)
        return stream

    def conversation(self) -> Conversation:
        return Conversation(self)

    def _run(self, question: str, history: Sequence[Turn], stream: AnswerStream) -> Iterator[str]:
        start = time.perf_counter()
        if points_at_nothing(question, history):
            text = render("no_antecedent.j2", question=question)
            yield text
            stream.resolved = question
            stream.answer = Answer(question=question, text=text, abstained=True, timings_ms={"retrieve": 0.0, "generate": 0.0, "total": 0.0})
            return
        joined = resolve(question, history)
        resolved, fixes = self.speller.correct(joined)
        stream.resolved = resolved
        hits = self.retriever.search(resolved, k=self.k)
        if history and joined != question and history[-1].answer.citations:  # `stream` cleaned the question
            hits = self._carry_over(history[-1].answer, hits, refers_back(question))
        retrieved = time.perf_counter()
        check = CitationCheck(hits, self.vectors)
        # A misspelled name read as the corpus writes it is said before the answer it led to (not
        # before an abstention: a reading that found nothing is no news).
        note = render("spelling.j2", fixes=fixes) + "\n\n" if fixes else ""
        unsaid = note
        for piece in self.generator.stream(resolved, hits, history):
            for checked in check.feed(piece):
                yield unsaid + checked
                unsaid = ""
        for checked in check.finish():
            yield unsaid + checked
            unsaid = ""
        if check.answered:
            text = note + "".join(check.emitted).strip()
        else:
            text = render("abstain.j2", question=question)
            yield text
        done = time.perf_counter()
        stream.answer = Answer(
            question=question,
            text=text,
            abstained=not check.answered,
            citations=tuple(check.citations) if check.answered else (),
            hits=tuple(hits),
            timings_ms={
                "retrieve": (retrieved - start) * 1000,
                "generate": (done - retrieved) * 1000,
                "total": (done - start) * 1000,
            },
        )


    def _carry_over(self, previous: Answer, hits: list, only_cited_documents: bool) -> list:
        """A follow-up's "it" is what the last answer cited: those passages, and the summary of
        each cited document (title, publisher, date), come first; retrieval fills the rest, from
        the cited documents only when the follow-up points back at them with a pronoun."""
        from rag.types import Hit

        cited_docs = {c.chunk.doc_id for c in previous.citations}
        carried = [c.chunk for c in previous.citations]
        carried += [c for c in self.index.chunks if c.doc_id in cited_docs and c.kind == "summary"]
        if only_cited_documents:
            hits = [h for h in hits if h.chunk.doc_id in cited_docs]
        chunks = list({c.chunk_id: c for c in [*carried, *(h.chunk for h in hits)]}.values())[: self.k]
        score = {h.chunk.chunk_id: h.score for h in hits}
        return [Hit(c, score.get(c.chunk_id, hits[0].score if hits else 0.0), rank) for rank, c in enumerate(chunks, start=1)]


class Conversation:
    """A chat: remembers its turns and resolves follow-ups against them."""

    def __init__(self, assistant: Assistant, max_turns: int = 20):
        self.assistant = assistant
        self.max_turns = max_turns
        self.turns: list[Turn] = []

    @property
    def last(self) -> Answer | None:
        return self.turns[-1].answer if self.turns else None

    def stream(self, question: str) -> AnswerStream:
        """Like `Assistant.stream`; the turn joins the history once the answer is complete."""
        stream = self.assistant.stream(question, self.turns[-self.max_turns :])
        inner = stream._pieces

        def pieces() -> Iterator[str]:
            yield from inner
            self.turns.append(Turn(stream.resolved, stream.answer))

        stream._pieces = pieces()
        return stream

    def ask(self, question: str) -> Answer:
        stream = self.stream(question)
        for _ in stream:
            pass
        return stream.answer
