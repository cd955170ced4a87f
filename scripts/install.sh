#!/usr/bin/env bash
# Install rag into .venv on a fresh machine. torch goes first, pinned to the CPU build that pip
# finds on this machine's disk: left to sentence-transformers, pip would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".${RAG_EXTRAS:-}"
echo "rag installed in .venv" >&2
