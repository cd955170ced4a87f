"""Answer quality of several generators side by side, on the gold set, after the citation check.

    .venv/bin/python eval/compare_generators.py [--generators templated,llama-cpp[,openai]]
        [--dataset eval/questions.jsonl] [--index DIR] [--split all|tune|test] [--model-path FILE.gguf]
        [--max-tokens 256] [--json] [--show-answers]

Every generator answers every gold question through the same `Assistant` (same retrieval, same
citation check), and `rag.answer_eval` scores the answers: answer accuracy, citation precision,
abstention precision / recall, false abstention. The index defaults to a temporary index of
seeds/ built with the packaged embedder. `openai` reads its server from the environment
(RAG_OPENAI_BASE_URL, RAG_OPENAI_MODEL, OPENAI_API_KEY).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.errors import run_script  # noqa: E402

METRICS = (
    "answer_accuracy", "citation_precision", "abstention_precision", "abstention_recall",
    "abstention_recall_near_miss", "false_abstention",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default="templated,llama-cpp", help="comma-separated registry names")
    parser.add_argument("--dataset", type=Path, default=REPO / "eval" / "questions.jsonl")
    parser.add_argument("--index", type=Path, help="index folder (default: a temp index of seeds/)")
    parser.add_argument("--split", default="all", help="which split's metrics to print (all, tune, test)")
    parser.add_argument("--model-path", help="GGUF file for llama-cpp (default: RAG_LLM_MODEL or the [local] SmolLM2)")
    parser.add_argument("--max-tokens", type=int, default=256, help="answer length cap for the LLM generators")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show-answers", action="store_true", help="print every answer under the table")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.answer_eval import evaluate_answers, load_questions
    from rag.assistant import Assistant
    from rag.errors import RagError
    from rag.generation import make_generator
    from rag.index import Index

    options = {
        "templated": {},
        "llama-cpp": {"model_path": args.model_path, "max_tokens": args.max_tokens},
        "openai": {"max_tokens": args.max_tokens},
    }
    results = {}
    try:
        questions = load_questions(args.dataset)
        with tempfile.TemporaryDirectory() as tmp:
            index = Index.open(args.index) if args.index else Index.build(REPO / "seeds", Path(tmp) / "index")
            for name in [g.strip() for g in args.generators.split(",") if g.strip()]:
                generator = make_generator(name, index=index, **options.get(name, {}))
                started = time.perf_counter()
                report = evaluate_answers(Assistant(index, generator=generator), questions)
                report["seconds"] = round(time.perf_counter() - started, 1)
                results[name] = report
    except RagError as e:
        sys.exit(f"error: {e}")

    if args.json:
        print(json.dumps({
            "dataset": str(args.dataset),
            "generators": {name: {"seconds": r["seconds"], "splits": r["splits"], "outcomes": r["outcomes"]}
                           for name, r in results.items()},
        }, ensure_ascii=False))
        return
    names = list(results)
    split = args.split
    print(f"{args.dataset.name}, split {split}: "
          + ", ".join(f"{n} {results[n]['splits'].get(split, {}).get('questions', 0)} questions in {results[n]['seconds']} s" for n in names))
    print(f"{'metric':<30}" + "".join(f"{n:>14}" for n in names))
    for metric in METRICS:
        cells = []
        for n in names:
            value = results[n]["splits"].get(split, {}).get(metric)
            cells.append(f"{'-' if value is None else f'{value:.3f}':>14}")
        print(f"{metric:<30}" + "".join(cells))
    if args.show_answers:
        for n in names:
            print(f"\n## {n}")
            for o in results[n]["outcomes"]:
                if split in ("all", o["split"]):
                    mark = "ok " if o["correct"] else "BAD"
                    print(f"{mark} {o['id']} {'abstained' if o['abstained'] else ''} {o['question']}\n      {o['answer']}")


if __name__ == "__main__":
    run_script(main)
