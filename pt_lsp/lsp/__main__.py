"""``python -m pt_lsp.lsp``: the language server without the CLI around it."""

import sys

from pt_lsp.lsp.command import main

raise SystemExit(main(sys.argv[1:]))
