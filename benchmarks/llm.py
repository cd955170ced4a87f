"""Speed of the local LLM generator: time to first token and tokens per second.

    .venv/bin/python benchmarks/llm.py [--model-path FILE.gguf] [--runs 5] [--max-tokens 128]
                                       [--threads 2] [--index DIR] [--json]

Each run answers one question of the gold set (eval/questions.jsonl) from the passages the
retriever finds for it in the index (built from seeds/ into a temp folder when --index is not
given), exactly as `rag ask --generator llama-cpp` would prompt the model. One warm-up run is
not counted. Reported per run and as medians:
  ttft_ms       from the call to the first streamed piece (prompt evaluation + first token)
  tokens        tokens streamed (llama-cpp streams one token a piece)
  decode_tok_s  tokens after the first / time after the first
  prompt_tokens tokens the model evaluated for the prompt (context size minus the answer)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
    return [row["question"] for row in rows if row.get("answerable", True)][:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-path", help="GGUF file (default: RAG_LLM_MODEL or the SmolLM2 of the [local] extra)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("-k", type=int, default=5, help="passages in each prompt")
    parser.add_argument("--index", type=Path, help="index folder (default: a temp index of seeds/)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.errors import RagError
    from rag.generation.llama_cpp import LlamaCppGenerator
    from rag.index import Index
    from rag.retrieval import Retriever

    try:
        generator = LlamaCppGenerator(model_path=args.model_path, n_threads=args.threads, max_tokens=args.max_tokens)
        with tempfile.TemporaryDirectory() as tmp:
            index = Index.open(args.index) if args.index else Index.build(REPO / "seeds", Path(tmp) / "index")
            retriever = Retriever(index)
            prompts = [(q, retriever.search(q, k=args.k)) for q in questions(args.runs + 1)]
        started = time.perf_counter()
        model = generator.model
        load_s = time.perf_counter() - started
    except RagError as e:
        sys.exit(f"error: {e}")

    runs = []
    for question, hits in prompts:
        started = time.perf_counter()
        first = None
        pieces = 0
        for _ in generator.tokens(question, hits):  # raw tokens, as the model samples them
            pieces += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
        first = first or end
        runs.append({
            "ttft_ms": round((first - started) * 1000, 1),
            "tokens": pieces,
            "decode_tok_s": round((pieces - 1) / (end - first), 1) if pieces > 1 and end > first else None,
            "total_ms": round((end - started) * 1000, 1),
            "prompt_tokens": model.n_tokens - pieces,
        })
    measured = runs[1:] or runs  # the first run warms caches up

    def median(key):
        values = [r[key] for r in measured if r[key] is not None]
        return round(statistics.median(values), 1) if values else None

    report = {
        "model": str(generator.model_path),
        "threads": generator.n_threads,
        "max_tokens": args.max_tokens,
        "k": args.k,
        "cpu_count": os.cpu_count(),
        "load_s": round(load_s, 2),
        "runs": len(measured),
        "median": {key: median(key) for key in ("ttft_ms", "tokens", "decode_tok_s", "total_ms", "prompt_tokens")},
        "per_run": measured,
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"model {Path(report['model']).name}, {report['threads']} threads, k={args.k}, load {report['load_s']} s")
    print(f"{'run':>3} {'prompt tok':>10} {'ttft ms':>8} {'tokens':>6} {'decode tok/s':>12} {'total ms':>9}")
    for i, r in enumerate(measured, start=1):
        print(f"{i:>3} {r['prompt_tokens']:>10} {r['ttft_ms']:>8} {r['tokens']:>6} {r['decode_tok_s']!s:>12} {r['total_ms']:>9}")
    m = report["median"]
    print(f"median: time to first token {m['ttft_ms']} ms, {m['decode_tok_s']} tokens/s, {m['tokens']} tokens in {m['total_ms']} ms")


if __name__ == "__main__":
    main()
