"""Answer metrics on a gold set: does the assistant answer right, cite right, and abstain right?

Gold rows (eval/questions.jsonl, one object a line):
    {"id", "question", "answerable", "doc_ids", "answer_contains", "split", "near_miss"}

Per split ("tune", "test", and "all"):
- answer_accuracy: over answerable questions, the share answered (not abstained) whose text
  contains `answer_contains` (case-insensitive, quotes and spaces normalized, at word boundaries;
  a row without one is judged by its citations alone) and that cite at least one passage of a
  gold document.
- citation_precision: over the citations of the answers to answerable questions, the share whose
  `doc_id` is a gold document (is each source the reader is sent to a right one?). A citation on
  an unanswerable question is an abstention failure and is counted there, not twice;
  `citation_precision_all` counts it here too (every citation given, on any question).
- abstention_precision: of the questions the assistant abstained on, the share that are unanswerable.
- abstention_recall: of the unanswerable questions, the share it abstained on (also split into
  near misses and off-topic ones).
- false_abstention: of the answerable questions, the share it abstained on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from rag.errors import DatasetError

def gold_row(row, where: str, number: int) -> dict:
    """One gold row checked, with defaults filled in (id, split, near_miss, answer_contains); a row
    that is not one is a DatasetError naming `where` (file:line) and what is wrong."""
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: not a gold question (a JSON object with question, answerable, doc_ids)")
    problems = [
        f"{key} {what}" for key, what, ok in (
            ("question", "must be a non-empty string", isinstance(row.get("question"), str) and row["question"].strip()),
            ("answerable", "must be true or false", isinstance(row.get("answerable"), bool)),
            ("doc_ids", "must be a list of document ids", isinstance(row.get("doc_ids", []), list)
             and all(isinstance(d, str) for d in row.get("doc_ids", []))),
            ("answer_contains", "must be a string", isinstance(row.get("answer_contains", ""), str)),
        ) if not ok
    ]
    if problems:
        raise DatasetError(f"{where}: {'; '.join(problems)}")
    return {"id": f"q{number:02d}", "split": "all", "near_miss": False, "doc_ids": [], "answer_contains": "", **row}


def load_questions(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"no gold question file at {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    rows = []
    lines_by_id: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as e:
            raise DatasetError(f"{path}:{number}: not JSON ({e})") from None
        rows.append(gold_row(row, f"{path}:{number}", number))
        first = lines_by_id.setdefault(str(rows[-1]["id"]), number)
        if first != number:  # one of the two would silently not be scored
            raise DatasetError(f"{path}:{number}: id {rows[-1]['id']!r} repeats line {first}'s: give each question its own id")
    if not rows:
        raise DatasetError(f"{path} holds no questions")
    return rows


def _normalize(text: str) -> str:
    text = text.lower().translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return " ".join(text.split())


def contains_phrase(text: str, phrase: str) -> bool:
    phrase = _normalize(phrase)
    if not phrase:
        return False
    pattern = (r"\b" if phrase[0].isalnum() else "") + re.escape(phrase) + (r"\b" if phrase[-1].isalnum() else "")
    return re.search(pattern, _normalize(text)) is not None


def judge(row: dict, answer) -> dict:
    """One question's outcome: what the metrics are counted from."""
    cited = [c.chunk.doc_id for c in answer.citations]
    gold = set(row["doc_ids"])
    right_doc = any(d in gold for d in cited)
    return {
        "id": row["id"],
        "split": row.get("split", "all"),
        "question": row["question"],
        "answerable": bool(row["answerable"]),
        "near_miss": bool(row.get("near_miss")),
        "abstained": answer.abstained,
        "correct": (not answer.abstained and right_doc
                    and (not row["answer_contains"] or contains_phrase(answer.text, row["answer_contains"])))
        if row["answerable"] else answer.abstained,
        "citations": len(cited),
        "right_citations": sum(d in gold for d in cited),
        "answer": answer.text,
        "cited_docs": cited,
        "total_ms": answer.timings_ms.get("total", 0.0),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarize(outcomes: Sequence[dict]) -> dict:
    answerable = [o for o in outcomes if o["answerable"]]
    unanswerable = [o for o in outcomes if not o["answerable"]]
    abstained = [o for o in outcomes if o["abstained"]]
    near = [o for o in unanswerable if o["near_miss"]]
    off = [o for o in unanswerable if not o["near_miss"]]
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_accuracy": _share(sum(o["correct"] for o in answerable), len(answerable)),
        "citation_precision": _share(sum(o["right_citations"] for o in answerable), sum(o["citations"] for o in answerable)),
        "citation_precision_all": _share(sum(o["right_citations"] for o in outcomes), sum(o["citations"] for o in outcomes)),
        "abstention_precision": _share(sum(not o["answerable"] for o in abstained), len(abstained)),
        "abstention_recall": _share(sum(o["abstained"] for o in unanswerable), len(unanswerable)),
        "abstention_recall_near_miss": _share(sum(o["abstained"] for o in near), len(near)),
        "abstention_recall_off_topic": _share(sum(o["abstained"] for o in off), len(off)),
        "false_abstention": _share(sum(o["abstained"] for o in answerable), len(answerable)),
    }


def evaluate_answers(assistant, questions: Iterable[dict]) -> dict:
    """Ask every gold question (each on its own, no history); metrics per split and overall.

    Returns {"splits": {split: metrics, ..., "all": metrics}, "outcomes": [per-question rows]}.
    """
    outcomes = [judge(row, assistant.ask(row["question"])) for row in questions]
    splits = {name: summarize([o for o in outcomes if o["split"] == name]) for name in dict.fromkeys(o["split"] for o in outcomes)}
    splits["all"] = summarize(outcomes)
    return {"splits": splits, "outcomes": outcomes}


# The answer metrics `rag eval` adds to a gold dataset's retrieval metrics (names as in its table).
EVAL_METRICS = {
    "answer_accuracy": "answer_acc",
    "citation_precision": "cite_prec",
    "abstention_precision": "abst_prec",
    "abstention_recall": "abst_rec",
}


def answer_metrics(index, rows: Sequence[dict], retriever=None, generator: str | None = None) -> dict[str, float]:
    """For `rag eval` on a gold file: answer the rows (already cut to the chosen split) with the
    same retriever as the retrieval run and return the answer metrics, flat, as floats."""
    return answer_run(index, rows, retriever, generator)[0]


def answer_run(index, rows: Sequence[dict], retriever=None, generator: str | None = None) -> tuple[dict[str, float], list[dict]]:
    """`answer_metrics` and each question's outcome (`judge`), for `rag eval --json`."""
    from rag.assistant import Assistant

    run = evaluate_answers(Assistant(index, generator=generator, retriever=retriever), rows)
    metrics = run["splits"]["all"]
    return {short: float(metrics[name]) for name, short in EVAL_METRICS.items() if metrics[name] is not None}, run["outcomes"]
