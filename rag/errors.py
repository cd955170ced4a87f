"""The errors a user can cause. The CLI turns each into one line and a non-zero exit."""


class RagError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class CorpusError(RagError):
    """The corpus folder is missing or holds no readable document."""


class IndexNotFoundError(RagError):
    """There is no index at the given path."""


class IndexMismatchError(RagError):
    """An index was built with another embedder or format, or is damaged."""


class IndexWriteError(RagError):
    """The index folder cannot be written (a read-only place, no space left, no permission)."""


class ModelError(RagError):
    """An embedding or generation model cannot be loaded."""


class QueryError(RagError):
    """A query, filter or option value that cannot be used."""


class DatasetError(RagError):
    """An evaluation dataset that cannot be read."""


class MissingExtraError(RagError):
    """An optional dependency is not installed; the message names the extra."""


def run_script(main) -> None:
    """Run a script's `main` (the ones in eval/ and benchmarks/): a `RagError` is one line on
    stderr and exit 1, as in the CLI, not a traceback."""
    import sys

    try:
        main()
    except RagError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
