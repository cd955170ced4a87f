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

CorpusOption = Annotated[
    Optional[Path], typer.Option("--corpus", help="Folder of markdown/text files. [env: RAG_CORPUS; default: seeds]")
]
IndexOption = Annotated[
    Optional[Path], typer.Option("--index", help="Index folder. [env: RAG_INDEX; default: indexes/default]")
]
ModelOption = Annotated[
    Optional[str],
    typer.Option("--model", help="sentence-transformers model name or folder (default: packaged all-MiniLM-L6-v2)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object (for scripts).")]


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _paths(corpus: Path | None, index: Path | None) -> tuple[Path, Path]:
    from rag.index import default_paths

    default_corpus, default_index = default_paths()
    return corpus or default_corpus, index or default_index


def _progress_bar(description: str):
    """A rich progress bar on stderr, as a callback(done, total) and a context manager."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=_stderr(), transient=True,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def _open_index(corpus: Path | None, index: Path | None, model: str | None):
    """Open the index, building it first (with a progress bar) when there is none."""
    from rag.index import MANIFEST, Index

    corpus, index = _paths(corpus, index)
    if (index / MANIFEST).exists():
        return Index.open(index, model)
    if not corpus.is_dir():
        from rag.errors import IndexNotFoundError

        raise IndexNotFoundError(f"no index at {index}, and no corpus folder {corpus} to build it from (pass --index or --corpus)")
    _stderr().print(f"No index at {index} yet: building it from {corpus} (first use only).")
    progress, update = _progress_bar("embedding chunks")
    with progress:
        built = Index.build(corpus, index, model, on_progress=update)
    _report_build(built.report, index)
    return built


def _report_build(report, index: Path) -> None:
    err = _stderr()
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")
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
        str, typer.Option("--index-type", help="FAISS index: auto (flat up to 100k chunks, else hnsw), flat, hnsw or ivf.")
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Build or update the index. Only documents whose content changed are embedded again."""
    from dataclasses import asdict

    from rag.index import Index

    corpus, index = _paths(corpus, index)
    progress, update = _progress_bar("embedding chunks")
    with progress:
        built = Index.build(corpus, index, model, rebuild=rebuild, on_progress=update, index_type=index_type)
    if as_json:
        print(json.dumps({"index": str(index), **asdict(built.report)}, ensure_ascii=False))
    else:
        _report_build(built.report, index)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many hits.", min=1, max=1000)] = 5,
    mode: Annotated[Optional[str], typer.Option("--mode", help="Ranking: dense, bm25 or hybrid.")] = None,
    where: Annotated[
        Optional[list[str]],
        typer.Option("--where", help='Filter on metadata, e.g. provider="The Next Web" or published>=2022-01-01.'),
    ] = None,
    corpus: CorpusOption = None,
    index: IndexOption = None,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rank the passages that bear on QUERY (the index is built on first use)."""
    from rag.retrieval import DEFAULT_MODE, Retriever

    retriever = Retriever(_open_index(corpus, index, model), mode=mode or DEFAULT_MODE)
    hits = retriever.search(query, k=k, where=where)
    if as_json:
        print(json.dumps({"query": query, "mode": retriever.mode, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape

    out = Console(highlight=False)
    if not hits:
        out.print("No passage matches.")
    for hit in hits:
        c = hit.chunk
        byline = " · ".join(x for x in (c.provider, c.published) if x)
        out.print(f"[bold]{hit.rank}.[/] [cyan]{hit.score:.3f}[/]  [bold]{escape(c.title)}[/]" + (f"  [dim]{escape(byline)}[/]" if byline else ""))
        if c.url:
            out.print(f"    [blue]{escape(c.url)}[/]")
        out.print(f"    {escape(_snippet(c.text))}\n")


def _snippet(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def main() -> None:
    """Entry point: run the app, turning every error into one line and an exit code."""
    import click

    from rag.errors import RagError

    try:
        code = typer.main.get_command(app).main(args=sys.argv[1:], prog_name="rag", standalone_mode=False)
    except click.exceptions.UsageError as e:
        hint = f" (see `{e.ctx.command_path} --help`)" if e.ctx else ""
        print(f"error: {e.format_message()}{hint}", file=sys.stderr)
        sys.exit(2)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except click.ClickException as e:
        print(f"error: {e.format_message()}", file=sys.stderr)
        sys.exit(e.exit_code)
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # a bug, not bad input: still one line, with a way to see more
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"error: unexpected {type(e).__name__}: {e} (set RAG_DEBUG=1 for the traceback)", file=sys.stderr)
        sys.exit(70)
    sys.exit(code if isinstance(code, int) else 0)
