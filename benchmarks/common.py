"""Helpers shared by the benchmarks: SciFact texts, the machine's description, peak memory, stats."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
SCIFACT = Path(os.environ.get("RAG_SCIFACT", "/work/shared/data/scifact"))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def scifact_docs(limit: int | None = None) -> list[dict]:
    """SciFact corpus rows ({"_id", "title", "text"}) in file order."""
    file = SCIFACT / "corpus.jsonl"
    if not file.exists():
        sys.exit(f"error: no SciFact corpus at {file} (set RAG_SCIFACT to the folder holding corpus.jsonl)")
    rows = []
    with file.open(encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def scifact_queries(limit: int | None = None) -> list[str]:
    file = SCIFACT / "queries.jsonl"
    texts = [json.loads(line)["text"] for line in file.open(encoding="utf-8") if line.strip()]
    return texts[:limit] if limit else texts


def machine() -> dict:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": model, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "load_avg_1min_at_start": load}


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), in MB."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
