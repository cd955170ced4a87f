"""The `rag` command: parses arguments, calls the Python API, prints what it returns.

Heavy modules (numpy, FAISS, torch) are imported inside the commands that need them, so
`rag --help` stays fast. Every `RagError` becomes one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    help="Ask questions about a corpus of documents and get answers with citations.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# A string, not a Path: typer reads "" as Path("."), which would index the working folder.
CorpusOption = Annotated[
    Optional[str], typer.Option("--corpus", help="Folder of markdown/text files. [env: RAG_CORPUS; default: seeds; for `rag index`, the folder the index was built from]")
]
IndexOption = Annotated[
    Optional[Path], typer.Option("--index", help="Index folder. [env: RAG_INDEX; default: indexes/default, built from the corpus on first use; another new folder is built only when --corpus is given]")
]
ModelOption = Annotated[
    Optional[str],
    typer.Option("--model", help="sentence-transformers model name or folder (default: packaged all-MiniLM-L6-v2)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object (for scripts).")]


class _ReaderGone(Exception):
    """stdout's reader closed the pipe (`rag search … | head -1`): the run ends quietly with exit 0.
    Not an OSError, which click and rich would each turn into exit 1 and fail a `pipefail` script."""


def _stdout(**options):
    """A rich console on stdout that ends the run quietly when the reader closes the pipe."""
    from rich.console import Console

    class _Stdout(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise _ReaderGone

    return _Stdout(emoji=False, **options)  # ":x:" in a quote is text, not an emoji


def _print_json(value) -> None:
    """One JSON object (or list) on stdout, for scripts."""
    try:
        print(json.dumps(value, ensure_ascii=not _unicode_out()), flush=True)
    except BrokenPipeError:
        raise _ReaderGone from None


def _unicode_out() -> bool:
    """stdout takes any character (PYTHONIOENCODING=ascii or a latin-1 console does not)."""
    return (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "").startswith(("utf8", "utf16", "utf32"))


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def _paths(corpus: str | None, index: Path | None) -> tuple[Path, Path]:
    from rag.errors import QueryError
    from rag.index import default_paths

    if corpus is not None and not corpus.strip():
        raise QueryError("--corpus is empty: pass --corpus DIR")
    default_corpus, default_index = default_paths()
    paths = Path(corpus) if corpus else default_corpus, index or default_index
    for path in paths:
        try:
            path.exists()  # a name too long for the file system raises here, not later as a "bug"
        except OSError as e:
            shown = str(path) if len(str(path)) <= 80 else str(path)[:77] + "…"
            raise QueryError(f"{shown}: {e.strerror or e}") from None
    return paths


class _ProgressBar:
    """A rich progress bar on stderr: use as `with _ProgressBar(text) as update:` and pass `update`
    as an on_progress(done, total) callback. It appears on the first update, so work that fails
    before making progress (bad input) prints its error alone."""

    def __init__(self, description: str):
        self.description = description
        self.progress = None
        self.plain = None  # off a terminal (a log, a pipe): a line now and then instead of a bar
        self.said = (0.0, -1)  # when the last plain line was printed, and its tenth of the work

    def __call__(self, done: int, total: int) -> None:
        if self.plain is None:
            self.plain = not _stderr().is_terminal
        if self.plain:
            import time

            tenth = done * 10 // max(total, 1)
            if tenth > self.said[1] and (time.monotonic() - self.said[0] >= 10 or done >= total):
                _stderr().print(f"{self.description}: {done}/{total} ({done * 100 // max(total, 1)}%)")
                self.said = (time.monotonic(), tenth)
            return
        if self.progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=_stderr(), transient=True,
            )
            self.task = self.progress.add_task(self.description, total=total)
            self.progress.start()
        self.progress.update(self.task, completed=done, total=total)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


def _open_index(corpus: str | None, index: Path | None, model: str | None):
    """Open the index, building it first (with a progress bar) when there is none."""
    from rag.index import MANIFEST, Index, check_index_path

    asked_corpus, asked_index = corpus, index
    corpus, index = _paths(corpus, index)
    if asked_corpus and not corpus.is_dir():
        # A mistyped --corpus was only a note (and the answer came from another corpus's index).
        from rag.errors import CorpusError

        raise CorpusError(f"corpus folder not found: {corpus} (pass --corpus DIR)")
    if (index / MANIFEST).exists():
        opened = Index.open(index, model)
        built_from = opened.manifest.get("corpus")
        if asked_corpus and built_from and Path(built_from) != corpus.resolve():
            # --corpus only says where to build a missing index: an existing one answers from its own.
            _stderr().print(
                f"[yellow]note[/] {index} was built from {built_from}, not {corpus}: answering from it "
                f"(`rag index --corpus {corpus} --index {index}` indexes {corpus})."
            )
        changes = opened.corpus_changes()
        if changes:
            # The index answers as it was built: a file deleted since is still cited, a new one unseen.
            _stderr().print(
                f"[yellow]note[/] {built_from} changed since {index} was built ({changes.summary()}): "
                f"`rag index --corpus {built_from} --index {index}` updates it."
            )
        gain = (
            "its passages miss what this one indexes" if opened.chunks_are_stale
            else "answers then start faster" if opened.query_encoder_is_stale else None
        )
        if gain:
            _stderr().print(f"[yellow]hint[/] {index} was built by an older rag: `rag index` refreshes it ({gain}).")
        return opened
    from rag.errors import IndexNotFoundError

    if not corpus.is_dir():
        raise IndexNotFoundError(f"no index at {index}, and no corpus folder {corpus} to build it from (pass --index or --corpus)")
    check_index_path(index)  # a file, or a folder of other files, is no index to build or to name
    named_index = asked_index is not None or "RAG_INDEX" in os.environ
    named_corpus = asked_corpus is not None or "RAG_CORPUS" in os.environ
    if named_index and not named_corpus:
        # A mistyped --index would otherwise be filled with the shipped corpus and answer from it
        # as if it were the user's index: only the default index is built without being asked.
        raise IndexNotFoundError(
            f"no index at {index}: `rag index --corpus DIR --index {index}` builds one (or pass --corpus DIR to build it on first use)"
        )
    _stderr().print(f"No index at {index} yet: building it from {corpus} (first use only).")
    with _ProgressBar("embedding chunks") as update:
        built = Index.build(corpus, index, model, on_progress=update)
    _report_build(built.report, index)
    return built


def _report_build(report, index: Path) -> None:
    err = _stderr()
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")
    for note in report.notes:
        err.print(f"[yellow]note[/] {note.path}: {note.note}")
    if report.up_to_date:
        err.print(f"Index {index} is up to date: {report.documents} documents, {report.chunks} chunks.")
        return
    changes = ", ".join(
        f"{len(names)} {label}" for label, names in
        (("added", report.added), ("changed", report.changed), ("removed", report.removed)) if names
    )
    err.print(
        f"Indexed {report.documents} documents ({changes or 'no document changes'}) into {report.chunks} chunks "
        f"at {index}: embedded {report.embedded}, reused {report.reused}."
    )


@app.command()
def index(
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Ignore the existing index and embed everything again.")] = False,
    index_type: Annotated[
        str, typer.Option("--index-type", help="FAISS index: auto (flat up to 100k chunks, else ivf), flat, hnsw or ivf.")
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Build or update the index. Only documents whose content changed are embedded again."""
    from dataclasses import asdict

    from rag.index import Index, recorded_corpus

    given = corpus
    corpus, index = _paths(corpus, index)
    if given is None and "RAG_CORPUS" not in os.environ:
        # `rag index --index X` updates X from the folder X was built from, not from seeds/ (which
        # would swap X's documents for the shipped ones).
        corpus = recorded_corpus(index) or corpus
    with _ProgressBar("embedding chunks") as update:
        built = Index.build(corpus, index, model, rebuild=rebuild, on_progress=update, index_type=index_type)
    if as_json:
        _print_json({"index": str(index), **asdict(built.report)})
    else:
        _report_build(built.report, index)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many hits.", min=1, max=1000)] = 5,
    mode: Annotated[Optional[str], typer.Option("--mode", help="Ranking: dense, bm25 or hybrid (default: hybrid).")] = None,
    where: Annotated[
        Optional[list[str]],
        typer.Option("--where", help='Filter on metadata, e.g. provider="The Next Web" or published>=2022-01-01.'),
    ] = None,
    rerank: Annotated[
        Optional[bool],
        typer.Option("--rerank/--no-rerank", help="Rerank the candidates. [default: on for hybrid, where it helps]"),
    ] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank the passages that bear on QUERY (the index is built on first use).

    Scores rank the passages for this query only: in hybrid mode the best of its candidates scores
    1.000 whatever the query, so a score says which passage is closer, not whether any is relevant
    (`rag ask` decides that, and abstains).
    """
    from rag.retrieval import DEFAULT_MODE, DEFAULT_RERANKER, Retriever, check_mode, clean_query, parse_where

    query = clean_query(query)  # what is searched is what --json echoes
    conditions = parse_where(where)  # a bad filter or mode fails before anything loads or builds
    mode = check_mode(DEFAULT_MODE if mode is None else mode)
    opened = _open_index(corpus, index, model)
    choice = "auto" if rerank is None else DEFAULT_RERANKER if rerank else None
    retriever = Retriever(opened, mode=mode, rerank=choice)
    hits = retriever.search(query, k=k, where=where)
    if as_json:
        _print_json({"query": query, "mode": retriever.mode, "hits": [h.to_json() for h in hits]})
        return
    from rich.markup import escape

    out = _stdout(highlight=False, soft_wrap=True)
    if not hits:
        from rag.retrieval import values_hint

        hint = values_hint(opened.chunks, conditions)
        out.print("No passage matches" + (f": {hint}." if hint else "."), markup=False)
    for hit in hits:
        c = hit.chunk
        byline = " · ".join(x for x in (c.provider, c.published) if x)
        out.print(f"[bold]{hit.rank}.[/] [cyan]{hit.score:.3f}[/]  [bold]{escape(c.title)}[/]" + (f"  [dim]{escape(byline)}[/]" if byline else ""))
        out.print(f"    {_location(c)}")
        out.print(f"    {escape(_snippet(c.text))}\n")


GeneratorOption = Annotated[
    Optional[str],
    typer.Option("--generator", help="Who writes the answer: a name from rag.generation.GENERATORS (templated, llama-cpp, openai). [default: templated]"),
]
AnswerKOption = Annotated[int, typer.Option("-k", "--k", help="Passages retrieved for the answer.", min=1, max=100)]
ModelPathOption = Annotated[
    Optional[Path],
    typer.Option("--model-path", help="GGUF file for --generator llama-cpp. [env: RAG_LLM_MODEL; default: SmolLM2-135M of the [local] extra]"),
]


def _assistant(
    generator: str | None, k: int, corpus: str | None, index: Path | None, model: str | None, model_path: Path | None = None
):
    from rag.assistant import Assistant
    from rag.errors import QueryError
    from rag.generation import generator_factory, make_generator

    generator_factory(generator)  # a bad name fails before the index is opened or built
    if model_path is not None and generator != "llama-cpp":
        raise QueryError("--model-path is for --generator llama-cpp")
    opened = _open_index(corpus, index, model)
    if model_path is not None:
        return Assistant(opened, generator=make_generator(generator, index=opened, model_path=model_path), k=k)
    return Assistant(opened, generator=generator, k=k)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    generator: GeneratorOption = None,
    model_path: ModelPathOption = None,
    k: AnswerKOption = 5,
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer QUESTION from the corpus, citing the passages that support it (or say it cannot)."""
    from rag.errors import QueryError
    from rag.retrieval import clean_query

    if not clean_query(question):
        raise QueryError("the question is empty")
    assistant = _assistant(generator, k, corpus, index, model, model_path)
    if as_json:
        _print_json(assistant.ask(question).to_json())
        return
    out = _stdout(highlight=False, soft_wrap=True)
    stream = assistant.stream(question)
    for piece in stream:
        out.print(_marked(piece), end="")
    out.print()
    _print_sources(out, stream.answer)


def _marked(text: str) -> str:
    """Rich markup for answer text: `[n]` markers in cyan, everything else escaped."""
    import re

    from rich.markup import escape

    return re.sub(r"\\\[(\d+)\]", r"[cyan]\\[\1][/cyan]", escape(text))


def _byline(chunk) -> str:
    return " · ".join(x for x in (chunk.provider, chunk.published, chunk.anchor and f"at {chunk.anchor}") if x)


def _print_sources(out, answer) -> None:
    from rich.markup import escape

    if not answer.citations:
        return
    out.print("\n[bold]Sources[/]")
    for c in answer.citations:
        byline = _byline(c.chunk)
        out.print(f"[cyan]\\[{c.n}][/] [bold]{escape(c.chunk.title)}[/]" + (f"  [dim]{escape(byline)}[/]" if byline else ""))
        out.print(f"    {_location(c.chunk)}")


def _location(chunk) -> str:
    """Where a reader opens the passage: its url, or for a file without one, its document id (the
    file's path in the corpus folder, without the extension)."""
    from rich.markup import escape

    return f"[blue]{escape(chunk.url)}[/]" if chunk.url else f"[dim]document {escape(chunk.doc_id)}[/]"


CHAT_HELP = """Ask anything about the corpus; follow-up questions ("and who reported it?") refer to the last answer.
  /sources   the passages the last answer cites, in full
  /help      this help
  /quit      leave (so do Ctrl-D and a bare "exit" or "quit"; Ctrl-C stops an answer)"""


@app.command()
def chat(
    generator: GeneratorOption = None,
    model_path: ModelPathOption = None,
    k: AnswerKOption = 5,
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
) -> None:
    """Talk with the corpus: answers stream as they are made, with history and follow-ups."""
    from rag.retrieval import clean_query

    out = _stdout(highlight=False, soft_wrap=True)
    conversation = _assistant(generator, k, corpus, index, model, model_path).conversation()
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a byte that is not UTF-8 is U+FFFD, not the end of the session
    interactive = sys.stdin.isatty()
    out.print("[bold]rag chat[/] — ask about the corpus; /help for commands, /quit to leave.")
    while True:
        try:
            # Read as plain text: a line of stray bytes or escape codes is a blank line.
            if interactive:
                line = clean_query(out.input("[bold green]you>[/] "))
            else:
                out.print("[bold green]you>[/] ", end="")
                raw = sys.stdin.readline()
                if not raw:
                    raise EOFError
                line = clean_query(raw)
                out.print(line, markup=False)  # echoed as it is read: no terminal codes, no markup
        except KeyboardInterrupt:
            if not interactive:
                out.print("\nbye")
                return
            out.print("\n[dim](Ctrl-D or /quit leaves)[/]")  # Ctrl-C clears the line, as in a shell
            continue
        except EOFError:
            out.print("\nbye")
            return
        if not line:
            continue
        if line.lower().rstrip(".!") in _LEAVE_WORDS:
            out.print("bye")
            return
        if line.startswith("/"):
            command = line.split()[0].lower()
            if command in ("/quit", "/exit", "/q"):
                out.print("bye")
                return
            if command == "/help":
                out.print(CHAT_HELP, markup=False)
            elif command == "/sources":
                _print_passages(out, conversation.last)
            else:
                out.print(f"[red]unknown command {command}[/]: /help lists them", markup=True)
            continue
        _chat_turn(out, conversation, line)


_LEAVE_WORDS = ("exit", "quit", "bye")  # typed alone, as to a shell: leave, not a question


def _chat_turn(out, conversation, question: str) -> None:
    from rag.errors import RagError

    out.print("[bold magenta]rag>[/] ", end="")
    try:
        stream = conversation.stream(question)
        for piece in stream:
            out.print(_marked(piece), end="")
        out.print()
        _print_sources(out, stream.answer)
    except KeyboardInterrupt:
        out.print("\n[yellow](answer interrupted)[/]")
    except RagError as e:  # bad input in a chat is a message, not the end of the session
        out.print(f"\n[red]error:[/] {e}", markup=True)


def _print_passages(out, answer) -> None:
    from rich.markup import escape

    if answer is None:
        out.print("No answer yet: ask a question first.")
        return
    if not answer.citations:
        out.print("The last answer cites no passage.")
        return
    # Plain lines the terminal wraps, not a box: a box cut long titles and broke urls across lines.
    for c in answer.citations:
        byline = _byline(c.chunk)
        out.print(f"[cyan]\\[{c.n}][/] [bold]{escape(c.chunk.title)}[/]" + (f"  [dim]{escape(byline)}[/]" if byline else ""))
        for line in c.chunk.text.splitlines():
            out.print(f"    {escape(line)}")
        if not (c.chunk.url and c.chunk.url in c.chunk.text):  # the passage's "Link:" line already gives it
            out.print(f"    {_location(c.chunk)}")
        out.print()


@app.command(name="eval")
def eval_(
    dataset: Annotated[
        Optional[str],  # a string: typer reads "" as Path("."), a folder that is no BEIR set
        typer.Option("--dataset", help="Gold questions (.jsonl) or a BEIR folder. [default: eval/questions.jsonl]"),
    ] = None,
    mode: Annotated[
        Optional[str],
        typer.Option("--mode", help="dense, bm25, hybrid, or all (every mode, plain RRF, hybrid without its reranker; --json prints a list)."),
    ] = None,
    k: Annotated[int, typer.Option("-k", "--k", help="Documents ranked per query.", min=1, max=1000)] = 100,
    split: Annotated[Optional[str], typer.Option("--split", help="test, or train (a gold file's tune half; tune works too). [default: BEIR test; gold: all]")] = None,
    rerank: Annotated[
        Optional[bool],
        typer.Option("--rerank/--no-rerank", help="Force the reranker on or off. [default: as the mode ships]"),
    ] = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Write a bar chart comparing the modes (PNG).")] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
    answers: Annotated[
        bool, typer.Option("--answers", help="Gold questions: with --json, add each question's answer and verdict (\"questions\").")
    ] = False,
) -> None:
    """Measure retrieval: nDCG@10, recall@10/100, MRR@10 and latency per query; on gold questions,
    the answers too (accuracy, citation precision, abstention).

    Gold questions: one JSON object per line, e.g.
    {"id": "q1", "question": "Who ran the piece?", "answerable": true, "doc_ids": ["002_4c3417b0c4697e7c"],
    "answer_contains": "The Next Web", "split": "tune", "near_miss": false}.
    An unanswerable question has "answerable": false and "doc_ids": []; "id", "split" and "near_miss" are optional.

    A BEIR corpus is indexed once and cached under indexes/ (re-built when the corpus or model changes).
    """
    from rag import evaluation
    from rag.errors import DatasetError, QueryError

    if dataset is not None and not dataset.strip():
        raise DatasetError("--dataset is empty: give a gold .jsonl file or a BEIR folder")
    if answers and not as_json:
        raise QueryError("--answers lists each answer in the --json output: add --json")
    data = evaluation.load_dataset(dataset or evaluation.DEFAULT_DATASET, split)
    from rag.retrieval import DEFAULT_MODE

    runs = evaluation.eval_variants(DEFAULT_MODE if mode is None else mode, rerank)  # validates the mode before any heavy work
    if plot is not None:
        evaluation.check_plot_path(plot)
    if data.kind == "beir":
        with _ProgressBar(f"embedding {data.path.name}") as update:
            opened = evaluation.beir_index(data.path, model, on_progress=update)
    else:
        opened = _open_index(corpus, index, model)
        unknown = sorted({d for docs in data.qrels.values() for d in docs} - {c.doc_id for c in opened.chunks})
        if unknown:
            # Their questions can only score 0: a gold file for another corpus, or a typo.
            _stderr().print(
                f"[yellow]note[/] {len(unknown)} doc id(s) of {data.path.name} are not in the index "
                f"(e.g. {', '.join(unknown[:3])}): is it the gold file of this corpus?"
            )
    results = []
    for label, make in runs:
        retriever = make(opened)
        with _ProgressBar(f"{label}: queries") as update:
            result = evaluation.evaluate(opened, data, label, retriever=retriever, label=label, depth=k, on_progress=update)
        if data.kind == "gold":  # answers too: accuracy, citation precision, abstention (rag/answer_eval.py)
            from rag.answer_eval import answer_run

            metrics, result.answers = answer_run(opened, data.rows, retriever=retriever)
            result.metrics.update(metrics)
        results.append(result)
    if plot:
        evaluation.plot(results, plot)
        _stderr().print(f"Wrote {plot}")
    if as_json:
        out = [r.to_json(answers) for r in results]
        _print_json(out[0] if len(out) == 1 else out)
        return
    _print_eval_table(results)


def _print_eval_table(results) -> None:
    from rich.table import Table

    first = results[0]
    asked = len(first.answers)
    title = f"{first.dataset}: {first.queries} queries"
    if asked:  # a gold file: unanswerable questions are judged by their answers alone
        title = (f"{first.dataset}: {asked} questions; {first.queries} answerable ones ranked "
                 f"(retrieval metrics), all {asked} answered (answer metrics)")
    table = Table(title=title)
    table.add_column("mode")
    metric_names = list(first.metrics)
    for name in metric_names:
        table.add_column(name, justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for r in results:
        table.add_row(r.mode, *(f"{r.metrics[m]:.4f}" for m in metric_names), f"{r.latency_ms['p50']:.1f}", f"{r.latency_ms['p95']:.1f}")
    console = _stdout(width=None if sys.stdout.isatty() else 200)  # piped: no squeezed columns
    console.print(table)
    for r in results:
        wrong = [o for o in r.answers if not o["correct"]]
        if wrong:
            console.print(f"{r.mode}: {len(wrong)} of {len(r.answers)} answers wrong (`--json --answers` lists every answer): "
                          + ", ".join(str(o["id"]) for o in wrong[:20]) + (", …" if len(wrong) > 20 else ""), highlight=False)


def _snippet(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def main() -> None:
    """Entry point: run the app, turning every error into one line and an exit code."""
    from rag.errors import RagError

    try:  # typer ≥ 0.2x parses with its own copy of click: its exceptions are the ones raised
        from typer._click.exceptions import ClickException, UsageError
    except ImportError:  # pragma: no cover - older typer, on the installed click
        from click.exceptions import ClickException, UsageError

    import signal

    def terminated(signum, frame):
        # SIGTERM ends the run as Ctrl-C does: through the clean-ups (a build's temporary folder
        # is removed), not by the default handler's instant exit.
        print("terminated", file=sys.stderr)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            # An answer quotes “curly quotes” and names like Kjær: a console that cannot show
            # them (PYTHONIOENCODING=ascii) gets an escape, not a UnicodeEncodeError.
            stream.reconfigure(errors="backslashreplace")
    try:
        args = sys.argv[1:] or ["--help"]  # bare `rag` shows the help, not a usage "error"
        code = typer.main.get_command(app).main(args=args, prog_name="rag", standalone_mode=False)
        if code == 130:  # typer turns Ctrl-C into a silent exit 130; say why the command stopped
            print("interrupted", file=sys.stderr)
        try:
            sys.stdout.flush()  # a closed pipe is found here, where it is handled, not at exit
        except BrokenPipeError:
            raise _ReaderGone from None
    except UsageError as e:
        hint = f" (see `{e.ctx.command_path} --help`)" if e.ctx else ""
        print(f"error: {e.format_message()}{hint}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except ClickException as e:
        print(f"error: {e.format_message()}", file=sys.stderr)
        sys.exit(e.exit_code)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except (_ReaderGone, BrokenPipeError):
        # The reader has gone: what is still buffered goes nowhere, not into an error at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as e:  # a bug, not bad input: still one line, with a way to see more
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(e).__name__}: {e} (set RAG_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(70)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # `python -m rag.cli …` works as `python -m rag …` does
    main()
