#!/usr/bin/env bash
# Install rag into .venv on a fresh machine. torch goes first, pinned to the CPU build that pip
# finds on this machine's disk: left to sentence-transformers, pip would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet "torch==2.13.0"
NO_CACHE=()
if [[ "${RAG_EXTRAS:-}" == *local* && "$(uname -m)" == x86_64 ]]; then
    # The [local] extra compiles llama.cpp. Left alone it builds for this very CPU (-march=native):
    # seen here, a build on a virtual Xeon that lists AVX-512 and AMX died at its first token with
    # "Illegal instruction", and pip caches such a wheel for the next machine, whatever its CPU.
    # Build for the AVX2 baseline, and not from pip's cache.
    export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}"
    NO_CACHE=(--no-cache-dir)
fi
.venv/bin/python -m pip install --quiet "${NO_CACHE[@]}" -e ".${RAG_EXTRAS:-}"
echo "rag installed in .venv" >&2
