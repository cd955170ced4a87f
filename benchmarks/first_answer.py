"""First-answer benchmark: the passes over the whole corpus that the first question of a process pays.

    .venv/bin/python benchmarks/first_answer.py [--docs 5183] [--copies 2]

Beyond loading the model and the index, the first answer of a process reads every passage once
for the tables later answers reuse: the speller's corpus words (`Speller.of`), the names the corpus
capitalizes (`TemplatedGenerator.names`), the words' document frequencies (`weights`) and one
document's plain text (`document_text`, read in full for "a name the document never writes").
They grow with the corpus, so `rag index` makes them once and stores them with the index
(rag.corpus_words); the first answer then only loads them. Measured on SciFact
abstracts chunked as `rag index` chunks them (no embedding: these passes never read a vector), the
corpus repeated `--copies` times to reach a large index's size, one document made of all of them.
Prints the seconds of each pass (what an index written before round 19 still pays), of making
and of loading the stored tables, and writes benchmarks/results/first_answer.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, scifact_docs, write_json  # noqa: E402


def chunks_of(n_docs: int, copies: int) -> list:
    from rag.chunking import chunk_document
    from rag.types import Document

    docs = scifact_docs(n_docs)
    return [
        chunk
        for copy in range(copies)
        for d in docs
        for chunk in chunk_document(Document(doc_id=f"{copy}_{d['_id']}", path=f"{d['_id']}.md", title=d["title"], body=d["text"]))
    ]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return round(time.perf_counter() - start, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=5183, help="SciFact abstracts (all: 5183)")
    parser.add_argument("--copies", type=int, default=2, help="times the abstracts are repeated")
    args = parser.parse_args()

    from rag.generation.templated import TemplatedGenerator
    from rag.spelling import Speller

    chunks = chunks_of(args.docs, args.copies)
    one_document = [replace(c, doc_id="all") for c in chunks]
    Speller.of(["Imports and the packaged vocabulary load here, not in the timings."])
    TemplatedGenerator(SimpleNamespace(chunks=chunks[:1])).names
    index = SimpleNamespace(chunks=chunks)
    generator = TemplatedGenerator(index)
    whole = TemplatedGenerator(SimpleNamespace(chunks=one_document))
    seconds = {
        "Speller.of (corpus words, names, name pairs)": timed(lambda: Speller.of(c.text for c in chunks)),
        "TemplatedGenerator.names (capitalized words)": timed(lambda: generator.names),
        "TemplatedGenerator.weights (document frequencies)": timed(lambda: generator.weights({"x"})),
        "document_text of one document holding every passage": timed(lambda: whole.document_text(one_document[0])),
    }
    from rag.corpus_words import CORPUS_WORDS, CorpusWords

    with tempfile.TemporaryDirectory() as folder:
        made = time.perf_counter()
        CorpusWords.of(chunks).save(Path(folder))
        stored = {"made and saved at index time": round(time.perf_counter() - made, 3)}
        stored["loaded by the first answer"] = timed(lambda: CorpusWords.load(Path(folder)))
        stored["file_mb"] = round((Path(folder) / CORPUS_WORDS).stat().st_size / 1e6, 1)
    megabytes = sum(len(c.text.encode()) for c in chunks) / 1e6
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "chunks": len(chunks),
        "text_mb": round(megabytes, 1),
        "seconds": seconds,
        "total_s": round(sum(seconds.values()), 3),
        "stored_tables": stored,
    }
    print(f"{len(chunks)} chunks, {megabytes:.1f} MB of text")
    for name, s in seconds.items():
        print(f"  {s:7.3f} s  {name}")
    print(f"  {result['total_s']:7.3f} s  in all, once per process, for an index without stored tables")
    print(f"  {stored['made and saved at index time']:7.3f} s  making the tables at index time ({stored['file_mb']} MB)")
    print(f"  {stored['loaded by the first answer']:7.3f} s  loading them, once per process")
    print(write_json("first_answer.json", result))


if __name__ == "__main__":
    main()
