"""Read a folder of markdown/text files with YAML front matter into `Document`s.

One bad file never stops the rest: it is returned as a `SkippedFile` with the reason.
A file with no front matter at all is a plain document (title from its first heading or name);
a file whose front matter is broken, empty or not a mapping is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from rag.chunking import CALENDAR_NAMES, clean_markdown
from rag.errors import CorpusError
from rag.types import Document, FileNote, RelatedArticle, SkippedFile

CORPUS_SUFFIXES = (".md", ".markdown", ".txt")
_FENCE = re.compile(r"^---[ \t]*\r?\n")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_FROM_LINE = re.compile(r"From:[ \t]*([^\n]+?)[ \t]*(?:<br\s*/?>)?[ \t]*(?:\n|$)", re.IGNORECASE)
# Terminal escape sequences and control characters (a page scraped with them, a YAML "\e"): they
# would reach the screen of whoever reads an answer quoting them. Tabs and line breaks stay.
_CONTROLS = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A byline a body or excerpt opens with: "By Dr. Fiona Achterberg." / "By Jane Roe and Ann Lee |".
# Two capitalized words at least, so "By March the site had…" or "By Tuesday," is no author.
_NAME = r"(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms|Sir|Dame)\.?\s+)?[A-Z][\w'’-]*\.?(?:\s+(?:[A-Z][\w'’-]*\.?|van|von|de|der|du|la|le)){1,4}"
_BY_LINE = re.compile(rf"By\s+({_NAME}(?:(?:,\s*|\s+and\s+){_NAME})*)\s*(?:[.,|—–:]|\n|$)")
# Parts of a body no reader sees: scripts, styles, comments; and a code fence's opening line, whose
# language name ("```python") would join the code as a word.
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|^[ \t]*(?:```|~~~)[^\n]*$", re.IGNORECASE | re.DOTALL | re.MULTILINE)
_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_WEB_ADDRESS = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.)")
_LINK_SCHEMES = ("http", "https", "ftp", "file")


class _YAMLLoader(yaml.SafeLoader):
    """YAML's SafeLoader, except that a timestamp that is no real date ("2021-13-45") stays a
    string: one bad field must not cost the whole document (`_date` then finds no date)."""


def _timestamp_or_text(loader: _YAMLLoader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_YAMLLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


class _YAMLHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs):
        return super().load(fm, Loader=_YAMLLoader)


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]
    notes: tuple[FileNote, ...] = ()  # documents kept with a field left out


def load_corpus(folder: str | Path) -> Corpus:
    """Load every corpus file under `folder` (sorted, hidden files ignored)."""
    root = Path(folder)
    if root.is_file():
        raise CorpusError(f"the corpus is a folder of documents, and {root} is a file (pass --corpus DIR)")
    if not root.is_dir():
        raise CorpusError(f"corpus folder not found: {root} (pass --corpus DIR)")
    documents, skipped, notes = [], [], []
    first_with_id: dict[str, Path] = {}
    for path in corpus_files(root):
        said: list[str] = []
        try:
            document = load_document(path, root, said)
            if document.doc_id in first_with_id:  # "a.md" and "a.txt": one id, one document
                raise _Unreadable(f"same document id '{document.doc_id}' as {_printable(first_with_id[document.doc_id])}: rename one of them")
            first_with_id[document.doc_id] = path
            documents.append(document)
        except _Unreadable as reason:
            skipped.append(SkippedFile(_printable(path), str(reason)))
        notes.extend(FileNote(_printable(path), note) for note in said)
    skipped.extend(SkippedFile(_printable(p), "a symbolic link to nothing") for p in _dangling_links(root))
    return Corpus(tuple(documents), tuple(skipped), tuple(notes))


def _dangling_links(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_symlink() and not p.exists() and _named_as_corpus_file(p, root))


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and _named_as_corpus_file(p, root))


def _named_as_corpus_file(path: Path, root: Path) -> bool:
    """A corpus suffix, and nothing hidden on the way from `root` (".git/…", ".draft.md")."""
    return path.suffix.lower() in CORPUS_SUFFIXES and not any(part.startswith(".") for part in path.relative_to(root).parts)


def file_state(root: Path) -> dict[str, list]:
    """Every corpus file under `root` as its relative name → [size, mtime_ns, sha256]: what an
    index records of its corpus, to tell later whether the folder changed (`changed_files`)."""
    state = {}
    for path in corpus_files(root):
        stat = path.stat()
        state[_printable(path.relative_to(root))] = [stat.st_size, stat.st_mtime_ns, _digest(path)]
    return state


def _digest(path: Path) -> str:
    """The file's sha256; "" for a file that cannot be read (skipped by the build, and a change
    once it can be)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


@dataclass(frozen=True)
class FileChanges:
    """How a corpus folder differs from what an index recorded of it."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        """"1 added, 2 changed"."""
        return ", ".join(f"{len(names)} {label}" for label, names in
                         (("added", self.added), ("removed", self.removed), ("changed", self.changed)) if names)


def changed_files(root: Path, recorded: dict[str, list]) -> FileChanges:
    """The files added, removed or changed under `root` since `recorded` (`file_state`). A file
    whose size and time are as recorded is unchanged; one touched but not edited is read and
    found unchanged by its hash."""
    current = {_printable(p.relative_to(root)): p for p in corpus_files(root)}
    changed = []
    for name, path in current.items():
        if name not in recorded:
            continue
        size, mtime_ns, digest = recorded[name]
        stat = path.stat()
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns) and (
            stat.st_size != size or _digest(path) != digest
        ):
            changed.append(name)
    return FileChanges(
        tuple(sorted(set(current) - set(recorded))), tuple(sorted(set(recorded) - set(current))), tuple(changed)
    )


class _Unreadable(Exception):
    """Why one file is skipped."""


def _printable(path: Path) -> str:
    """The path as text that prints and saves: a name that is not UTF-8 shows its bytes ("caf\\xe9.md")."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def load_document(path: Path, root: Path | None = None, notes: list[str] | None = None) -> Document:
    """One corpus file as a Document; `notes` gets what was read past (a date it cannot read)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # its id and citation path could be neither saved nor shown
        raise _Unreadable("its name is not UTF-8: rename the file") from None
    if root is not None and path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        raise _Unreadable("a link to a file outside the corpus folder")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise _Unreadable(f"cannot be read ({e.strerror or e})") from None
    if not raw.strip():
        raise _Unreadable("empty file")
    if b"\x00" in raw:
        raise _Unreadable("binary file (contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _Unreadable(f"not UTF-8 text (byte {e.start})") from None
    text = _CONTROLS.sub(" ", text)

    has_front_matter = bool(_FENCE.match(text))
    try:
        meta, body = frontmatter.parse(text, handler=_YAMLHandler() if has_front_matter else None)
    except Exception as e:  # yaml raises several types; any of them means broken front matter
        raise _Unreadable(f"broken front matter: {_yaml_problem(e)}") from None
    if has_front_matter:
        if body.strip() == text.strip():
            raise _Unreadable("broken front matter: no closing '---' line")
        if not isinstance(meta, dict) or not meta:
            raise _Unreadable("empty front matter (or not a key: value mapping)")

    doc_id = _doc_id(path, root)
    given_title = _title(meta.get("title") or meta.get("headline"))
    title_line = _title_line(body)
    title = given_title or _first_heading(body) or title_line or path.stem
    excerpt = _text(next(filter(None, (meta.get(key) for key in _EXCERPT_KEYS)), None))
    if not (body.strip() or excerpt or meta.get("related")) and not given_title:
        raise _Unreadable("nothing to index (no title, excerpt or body)")

    body = _HIDDEN.sub("", body)
    video_id = _text(meta.get("videoId"))
    url = _url(meta.get("webUrl") or meta.get("url") or meta.get("originalUrl") or meta.get("link"))
    if not url and video_id:
        url = f"https://www.youtube.com/watch?v={video_id}"
    provider = _outlet(meta) or ("YouTube" if video_id else None)

    return Document(
        doc_id=doc_id,
        path=str(path),
        title=title,
        excerpt=excerpt,
        url=url,
        published=_date(meta, notes) or _dated_line(title_line),
        published_time=_time(meta),
        provider=provider,
        quality=_score(meta.get("quality")),
        heat=_score(meta.get("heat")),
        topics=_topics(meta.get("topics") or meta.get("tags") or meta.get("keywords")),
        video_id=video_id or None,
        author=_author(meta, body, excerpt),
        body=body.strip(),
        related=tuple(_related(meta.get("related"))),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _yaml_problem(error: Exception) -> str:
    """What yaml found wrong, with the file's line numbers ("while scanning a quoted scalar (line
    2), found unexpected end of stream (line 4)"); its marks count from 0 at the opening '---'."""
    parts = []
    for text, mark in ((getattr(error, "context", None), getattr(error, "context_mark", None)),
                       (getattr(error, "problem", None), getattr(error, "problem_mark", None))):
        if text:
            parts.append(f"{text} (line {mark.line + 1})" if mark is not None else text)
    if parts:
        return ", ".join(parts)
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _doc_id(path: Path, root: Path | None) -> str:
    """The file name without extension; files in sub-folders keep the folder to stay unique."""
    if root is None:
        return path.stem
    return path.relative_to(root).with_suffix("").as_posix()


def _text(value) -> str:
    return " ".join(_CONTROLS.sub(" ", str(value)).split()) if value not in (None, "") and not isinstance(value, (dict, list)) else ""


def _title(value) -> str:
    """A title, or a title and its subtitle given as a list ("[The Keeper, A lighthouse history]")."""
    parts = value if isinstance(value, list) else [value]
    return ": ".join(t for t in map(_text, parts) if t)


def _joined(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


def _url(value) -> str:
    """A link a reader can open: one without spaces whose scheme, if it has one, is a web or file
    scheme ("javascript:…" and prose in a url field are no link, and are not cited as one)."""
    url = _text(value)
    scheme = _URL_SCHEME.match(url)
    if " " in url or (scheme and scheme.group(1).lower() not in _LINK_SCHEMES):
        return ""
    return url


def _first_heading(body: str) -> str:
    match = _HEADING.search(body)
    return match.group(1) if match else ""


def _title_line(body: str) -> str:
    """A plain text's title: a short first line standing alone above the text, not a sentence
    ("Letter to the Editor, The Kelbridge Courier — 22 April 2025"; not "Sir," nor "It rained.")."""
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", body.strip()) if p.strip()]
    if len(paragraphs) < 2 or "\n" in paragraphs[0]:
        return ""
    line = clean_markdown(paragraphs[0])
    if not line or len(line) > 120 or len(line.split()) > 15 or line[-1] in ".!?,;:" or not line[0].isalnum():
        return ""
    return line


_TRAILING_DATE = re.compile(r"(?:\s[—–|-]\s|,\s)([^—–|,]*\d{4}\s*)$")


def _dated_line(line: str) -> str | None:
    """The date a title line ends with ("…, The Kelbridge Courier — 22 April 2025" → 2025-04-22)."""
    match = _TRAILING_DATE.search(line)
    return _written_date(match.group(1).strip()) if match else None


def _author(meta: dict, body: str, excerpt: str | None = None) -> str | None:
    """Who wrote or recorded the piece: an author/creator/channel field, a body that opens with
    "From: NAME" (how video notes say whose recording they summarise), or an excerpt or body that
    opens with a byline ("By Dr. Fiona Achterberg.")."""
    for key in ("author", "authors", "byline", "writer", "creator", "channel"):
        value = meta.get(key)
        names = value if isinstance(value, list) else [value]
        found = [_provider(v) for v in names if v]
        if any(found):
            return ", ".join(n for n in found if n)
    match = _FROM_LINE.match(body.lstrip())
    if match is not None:
        return clean_markdown(match.group(1)) or None
    for text in (excerpt, body):
        first_line = (text or "").lstrip().split("\n", 1)[0]
        match = _BY_LINE.match(clean_markdown(first_line))
        if match and not {w.lower() for w in match.group(1).split()} & CALENDAR_NAMES:
            return match.group(1).rstrip(".")
    return None



# What the piece says in brief, by the names front matter gives it.
_EXCERPT_KEYS = ("excerpt", "description", "summary", "abstract", "subtitle", "standfirst", "dek")
# Who put the piece out, by the names front matter gives it ("publisher: Velmont Daily").
_PROVIDER_KEYS = ("provider", "publisher", "publication", "outlet", "site_name", "source")


def _outlet(fields: dict) -> str | None:
    """Who put the piece out (a document's, or a related article's), under any of its field names."""
    return next(filter(None, (_provider(fields.get(key)) for key in _PROVIDER_KEYS)), None)


def _provider(value) -> str | None:
    if isinstance(value, list):  # "publisher: [Coastal Review, Harbour Weekly]": both put it out
        return _joined([n for n in map(_provider, value) if n]) or None
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("domain")) or None
    text = _text(value)
    return text if text and not _WEB_ADDRESS.match(text) else None  # "source: https://…" is a link, not a name


def _topics(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")  # "topics: AI, Ethics" lists two
    if not isinstance(value, list):
        return ()
    return tuple(t for t in (_text(v) for v in value) if t)


def _date(meta: dict, notes: list[str] | None = None) -> str | None:
    """The publication date as YYYY-MM-DD, or YYYY-MM or YYYY when that is all the field says
    ("date: 1987", "March 2023"). `published: true` in some files is a flag, not a date. A field
    that holds no date it can read adds a line to `notes`."""
    unread = []
    # A piece's last update stands in for its publication date only when no field gives that.
    for key in ("publishedDateTime", "published", "date", "pubDate", "datePublished", "date_published", "updated", "modified"):
        value = meta.get(key)
        if isinstance(value, bool) or value in (None, ""):
            continue
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        match = re.match(r"\d{4}-\d{2}-\d{2}", str(value))
        if match and _is_date(match.group(0)):
            return match.group(0)
        partial = re.fullmatch(r"(\d{4})(-\d{2})?", str(value).strip())  # "1987", "2015-06"
        if partial and int(partial.group(1)) >= 1000 and _is_date(f"{partial.group(1)}{partial.group(2) or '-01'}-01"):
            return partial.group(0)
        written = _written_date(str(value))
        if written:
            return written
        unread.append(f"{key}: {str(value)[:40]!r}")
    if unread and notes is not None:  # no field held a date it can read
        notes.append(f"{', '.join(unread)} is no date rag can read (write YYYY-MM-DD): kept without a date")
    return None


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}\s*")


def _written_date(text: str) -> str | None:
    """A date written out ("March 2023" → 2023-03, "5 March 2023", "March 5, 2023", "31/12/2024"),
    read by dateutil; None when it names no year or could be read two ways ("03/04/2024")."""
    from dateutil import parser

    numeric = _NUMERIC_DATE.fullmatch(text)
    if not re.search(r"\b\d{4}\b", text) or (numeric and max(map(int, numeric.groups())) <= 12 and len(set(numeric.groups())) > 1):
        return None
    try:
        # Two defaults for the parts the text leaves out: a day it does not give differs between them.
        first = parser.parse(text, default=dt.datetime(2000, 1, 1))
        second = parser.parse(text, default=dt.datetime(2000, 2, 2))
    except (ValueError, OverflowError):
        return None
    if first.year != second.year or first.year < 1000:
        return None
    if first.month != second.month:
        return f"{first.year:04d}"
    return first.date().isoformat() if first.day == second.day else f"{first.year:04d}-{first.month:02d}"


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _time(meta: dict) -> str | None:
    """The time of day of `publishedDateTime` ("2021-08-23T14:30:00Z" → "14:30 UTC"); None for a
    date alone or a midnight that only pads one."""
    value = meta.get("publishedDateTime")
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        value = (value - offset if offset else value).strftime("%Y-%m-%dT%H:%M") + ("Z" if offset is not None else "")
    match = re.match(r"\d{4}-\d{2}-\d{2}[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]00:?00)?", str(value or ""))
    if match is None or match.group(1, 2) == ("00", "00"):
        return None
    return f"{match.group(1)}:{match.group(2)}" + (" UTC" if match.group(3) else "")


def _score(value) -> int | None:
    """A feed's score (quality, heat): a whole number from 0 up; -1, .inf, .nan and other values mean none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


def _related(value) -> list[RelatedArticle]:
    if not isinstance(value, list):
        return []
    articles = []
    for item in value:
        if not isinstance(item, dict):
            continue
        title, url = _text(item.get("title")), _url(item.get("webUrl") or item.get("url"))
        if not (title or url):
            continue
        articles.append(
            RelatedArticle(
                title=title or url,
                excerpt=_text(item.get("excerpt")),
                url=url,
                provider=_outlet(item),
                published=_date(item),
                published_time=_time(item),
                quality=_score(item.get("quality")),
            )
        )
    return articles
