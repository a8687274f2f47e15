#!/usr/bin/env bash
# pt-lsp verify on a machine with a CUDA GPU: every rule's examples on cpu and cuda, the report kept
# under benchmarks/results/verify-<gpu-model>.{json,txt}, then the GPU-marked tests.
#
#   scripts/verify_gpu.sh                 # on a fresh GPU machine: nothing to prepare
#   PYTHON=/path/to/python scripts/verify_gpu.sh   # use an interpreter that has a CUDA torch
#
# Self-contained: unless $PYTHON (default python3) already imports a CUDA build of torch, it creates
# .venv-gpu and installs torch (the default Linux wheels are CUDA builds), numpy, tensorboard,
# Pillow and pytest there. pt_lsp runs from this checkout. Every example program is spawned in a
# new interpreter (verify never forks a process once CUDA is in the plan). With $OUT set, the
# report is copied there too. Exit status: verify's (0 agree, 1 refuted/disagree, 2 no GPU/torch).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

has_cuda_torch() {
    "$1" -c "import torch, sys; sys.exit(0 if torch.version.cuda else 1)" 2>/dev/null
}

PY=${PYTHON:-python3}
if ! has_cuda_torch "$PY"; then
    VENV=${GPU_VENV:-.venv-gpu}
    if ! has_cuda_torch "$VENV/bin/python"; then
        echo "no CUDA build of torch for $PY: installing one into $VENV" >&2
        python3 -m venv "$VENV" || exit 2
        "$VENV/bin/pip" install -q torch numpy tensorboard pillow pytest || exit 2
    fi
    PY="$VENV/bin/python"
fi

"$PY" - <<'PY' || exit 2
import torch
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}")
if not torch.cuda.is_available():
    raise SystemExit("no CUDA device is visible to torch: this script is for a GPU machine")
print(f"GPU: {torch.cuda.get_device_name(0)}")
PY

"$PY" -m pt_lsp.runtime.snapshot benchmarks/results --device all --jobs "${JOBS:-8}" --timeout 120
status=$?
report=$(ls -t benchmarks/results/verify-*.txt | head -n 1)
cat "$report"

# The GPU-marked tests, where pytest is installed.
if "$PY" -c "import pytest" 2>/dev/null; then
    "$PY" -m pytest -q -p no:cacheprovider -m cuda tests/runtime || status=1
fi

if [ -n "${OUT:-}" ]; then cp "$report" "${report%.txt}.json" "$OUT"/; fi
exit $status
