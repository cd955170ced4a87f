"""The `openai` generator: any OpenAI-compatible chat-completions server writes the answer.

Ollama, vLLM, llama.cpp's server, llama-cpp-python's server and hosted APIs all speak this
protocol. The server is chosen by environment (or arguments): `RAG_OPENAI_BASE_URL` (or
`OPENAI_BASE_URL`), `RAG_OPENAI_MODEL`, and `OPENAI_API_KEY` (a local server needs none).

This module also builds the chat messages every LLM generator sends (`chat_messages`): the
prompts live in `prompts/llm_system.j2` and `prompts/llm_user.j2`. Retrieved passages are data,
never instructions: they are numbered and fenced in `<passage>` tags, and anything in their text
that could close a fence or open a chat turn (`</passage>`, `<|im_start|>`, `[INST]`...) is
defused before it reaches the model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from rag.chunking import sentence_end
from rag.errors import MissingExtraError, ModelError, QueryError
from rag.generation.base import Turn, render
from rag.types import Hit

UNKNOWN = "I don't know: the passages do not say."
MAX_PASSAGE_CHARS = 1500  # about 350 tokens: five passages and the rules fit a 4k context
PASSAGE_BUDGET_CHARS = 8000  # about 2k tokens of passages
HISTORY_TURNS = 2

# Text that could end the passage fence or start a chat turn in some model's template.
_CONTROL = re.compile(
    r"<\|[^|>]{0,40}\|>"  # ChatML / Llama 3 / Phi special tokens: <|im_start|>, <|eot_id|>
    r"|</?\s*passages?\b[^>]*>"  # our own fence
    r"|</?s>|\[/?INST\]|<</?SYS>>"  # Llama 2 / Mistral markers
    r"|<(?:start|end)_of_turn>",  # Gemma
    re.IGNORECASE,
)
_MARKER = re.compile(r"\s*\[\d+\]")


def defuse(text: str) -> str:
    """`text` with every fence-closing or turn-opening sequence replaced by a harmless mark."""
    return _CONTROL.sub("[removed markup]", text)


def chat_messages(
    question: str, hits: Sequence[Hit], history: Sequence[Turn] = (), budget_chars: int = PASSAGE_BUDGET_CHARS
) -> list[dict[str, str]]:
    """The conversation sent to a chat model: rules, the last turns (markers stripped, since
    their numbers point at other passages), then the numbered passages and the question.
    Passages past `budget_chars` are left out (from the lowest ranked), so the prompt fits."""
    passages, used = [], 0
    for n, hit in enumerate(hits, start=1):
        text = defuse(_clip(hit.chunk.text, MAX_PASSAGE_CHARS))
        if passages and used + len(text) > budget_chars:
            break
        used += len(text)
        passages.append({"n": n, "title": defuse(" ".join(hit.chunk.title.split())), "text": text})
    messages = [
        {"role": "system", "content": render("llm_system.j2", unknown=UNKNOWN)},
        # one worked example: small models copy the answer format far better than they follow rules
        {"role": "user", "content": render("llm_example_user.j2")},
        {"role": "assistant", "content": render("llm_example_answer.j2")},
    ]
    for turn in list(history)[-HISTORY_TURNS:]:
        messages.append({"role": "user", "content": turn.question})
        messages.append({"role": "assistant", "content": _MARKER.sub("", turn.answer.text).strip() or UNKNOWN})
    messages.append({"role": "user", "content": render("llm_user.j2", passages=passages, question=question.strip())})
    return messages


def cite_unmarked(pieces: Iterable[str], hits: Sequence[Hit]) -> Iterator[str]:
    """The model's text sentence by sentence, where a sentence the model left without an `[n]`
    gets the number of the passage that shares the largest part of its content words.

    Small local models (SmolLM2-135M) answer from the passages but rarely write the markers the
    prompt asks for, and the citation check drops every unmarked sentence. This only proposes a
    source: whether that passage supports the sentence is still the citation check's call, and a
    sentence sharing no content word with any passage, or saying it does not know, stays unmarked
    (so it is dropped). Markers the model wrote are kept as they are, right or wrong.
    """
    from rag.citations import MARKER, content_terms, split_sentences

    passages = [content_terms(f"{h.chunk.title} {h.chunk.text}") for h in hits]

    def cite(sentence: str) -> str:
        terms = content_terms(sentence)
        if MARKER.search(sentence) or not terms or _REFUSAL.match(sentence):
            return sentence
        shares = [len(terms & p) / len(terms) for p in passages]
        best = max(range(len(shares)), key=shares.__getitem__, default=None)
        if best is None or shares[best] == 0:
            return sentence
        return _END.sub(lambda m: f" [{best + 1}]{m.group(0)}", sentence.rstrip(), count=1)

    buffer, first = "", True
    for piece in [*pieces, None]:  # None: the end, when the rest is a sentence too
        buffer += piece or ""
        cut = 0
        for m in _SENTENCE_END.finditer(buffer):
            cut = m.end()
        if piece is None:
            cut = len(buffer)
        complete, buffer = buffer[:cut], buffer[cut:]
        for sentence in split_sentences(complete):
            yield ("" if first else " ") + cite(sentence)
            first = False


# The end of a sentence (a marker after its stop belongs to it) once the next one has begun.
_SENTENCE_END = sentence_end(".!?…")
_REFUSAL = re.compile(r"\W*i\s+(?:do\s+not|don'?t|don’t)\s+know\b", re.IGNORECASE)
_END = re.compile(r"[.!?…\"”’')\]]*$")


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


class ChatModelGenerator:
    """What the LLM generators share: `stream` is the model's `tokens`, with a source proposed for
    sentences it left unmarked when `attribute` is on (the citation check still judges them)."""

    attribute: bool = True

    def tokens(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        raise NotImplementedError

    def stream(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        if not hits:
            return iter(())
        tokens = self.tokens(question, hits, history)
        return cite_unmarked(tokens, hits) if self.attribute else tokens


class OpenAICompatGenerator(ChatModelGenerator):
    """Streams an answer from an OpenAI-compatible server. Nothing connects until `stream`."""

    name = "openai"

    def __init__(
        self,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens: int = 256,
        temperature: float = 0.0,
        attribute: bool = True,
    ):
        self.base_url = base_url or os.environ.get("RAG_OPENAI_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        self.model = model or os.environ.get("RAG_OPENAI_MODEL")
        self.api_key = api_key or os.environ.get("RAG_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY")
        if not self.base_url and not self.api_key:
            raise QueryError(
                "the openai generator needs a server: set RAG_OPENAI_BASE_URL (e.g. http://127.0.0.1:8000/v1 "
                "for llama-cpp's server, http://127.0.0.1:11434/v1 for Ollama) or OPENAI_API_KEY for api.openai.com"
            )
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.attribute = attribute  # propose a source for sentences the model left unmarked
        self._client = None

    @property
    def where(self) -> str:
        return self.base_url or "https://api.openai.com/v1"

    def client(self):
        if self._client is None:
            openai = _openai()
            # A local server takes any key; the client insists on one.
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=self.api_key or "not-needed",
                timeout=self.timeout, max_retries=self.max_retries,
            )
        return self._client

    def model_name(self) -> str:
        """The configured model, or the server's only model (llama.cpp-style servers serve one)."""
        if self.model:
            return self.model
        with self._errors():
            models = [m.id for m in self.client().models.list()]
        if len(models) != 1:
            listed = ", ".join(models[:10]) or "none"
            raise QueryError(f"set RAG_OPENAI_MODEL to the model to use: the server at {self.where} offers {listed}")
        self.model = models[0]
        return self.model

    def tokens(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Iterator[str]:
        """The server's text, piece by piece as it streams in."""
        messages = chat_messages(question, hits, history)
        model = self.model_name()
        with self._errors():
            response = self.client().chat.completions.create(
                model=model, messages=messages, stream=True,
                max_tokens=self.max_tokens, temperature=self.temperature,
            )
            completed = False  # the server sent a chat completion at all
            with response:
                for chunk in response:
                    completed = completed or bool(chunk.choices)
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
            if not completed:
                # A web page or an error body with status 200 streams no completion: an answer
                # that abstains would hide the fault.
                raise ModelError(f"the server at {self.where} sent no chat completion: is it an OpenAI-compatible API?")

    @contextmanager
    def _errors(self):
        """Turns the client's exceptions into one-line `RagError`s that say what to check."""
        openai = _openai()

        try:
            yield
        except openai.APITimeoutError:
            tries = f" ({self.max_retries + 1} tries)" if self.max_retries else ""
            raise ModelError(f"the server at {self.where} did not answer within {self.timeout:g} s{tries}") from None
        except openai.APIConnectionError:
            raise ModelError(
                f"cannot reach the OpenAI-compatible server at {self.where}: is it running? "
                "(set RAG_OPENAI_BASE_URL to its address)"
            ) from None
        except openai.AuthenticationError:
            raise ModelError(f"the server at {self.where} refused the API key: set OPENAI_API_KEY") from None
        except openai.NotFoundError:
            if not self.model:  # it was asked which models it serves
                raise ModelError(f"the server at {self.where} lists no models (404): set RAG_OPENAI_MODEL") from None
            raise ModelError(
                f"the server at {self.where} has no model {self.model!r} (or no chat API): check RAG_OPENAI_MODEL"
            ) from None
        except openai.APIStatusError as error:
            raise ModelError(f"the server at {self.where} answered {error.status_code}: {_first_line(error.message)}") from None
        except openai.OpenAIError as error:
            raise ModelError(f"the OpenAI-compatible server at {self.where} failed: {_first_line(str(error))}") from None


def _openai():
    try:
        import openai
    except ImportError:
        raise MissingExtraError("the openai generator needs the openai client: pip install -e .[openai]") from None
    return openai


def _first_line(text: str) -> str:
    text = (text or "").strip()
    return text.splitlines()[0][:300] if text else "no detail"
