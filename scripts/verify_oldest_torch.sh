#!/usr/bin/env bash
# pt-lsp verify on the oldest torch pt-lsp supports (the runtime extra's floor, torch 2.1, with
# numpy<2 as torch 2.1 needs), in its own venv so the project's .venv keeps torch 2.13.
# Examples whose behaviour needs a newer torch say so (Runtime.torch) and are skipped with the reason.
#   scripts/verify_oldest_torch.sh            # creates .venv-oldest-torch on first use (about 3 GB)
# Exit status: verify's (0 every example agrees, 1 one does not, 2 nothing judged or no torch).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${OLDEST_TORCH_VENV:-.venv-oldest-torch}
TORCH=${OLDEST_TORCH:-2.1.0}
if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH')" 2>/dev/null; then
    python3 -m venv "$VENV"
    # The registry may hiccup on a 3 GB download: one retry.
    "$VENV/bin/pip" install -q "torch==$TORCH" "numpy<2" tensorboard pillow \
        || "$VENV/bin/pip" install -q "torch==$TORCH" "numpy<2" tensorboard pillow
fi
"$VENV/bin/python" -c "import torch, numpy; print(f'torch {torch.__version__}, numpy {numpy.__version__}')"
# pt_lsp runs from this checkout: nothing else to install.
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pt_lsp verify --quiet "$@"
