#!/usr/bin/env bash
# pt-lsp verify on a machine with a CUDA GPU: every rule's examples on cpu and cuda, the report
# kept under benchmarks/results/verify-<gpu-model>.{json,txt}. Run from anywhere; needs a python
# with a CUDA build of torch (PYTHON=..., default python3). pt_lsp runs from this checkout, so
# nothing needs installing. Exit status: verify's (0 agree, 1 refuted/disagree, 2 no GPU/torch).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

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
