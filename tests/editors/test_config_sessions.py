"""The shipped editor configs, used as a user would, in the real editors installed here.

Each test opens a buggy file in Neovim or Emacs with the config from ``editors/`` (unchanged,
the user's venv first on PATH as in an activated environment), waits for pt-lsp's diagnostics,
applies the PTL401 quick fix through the editor's LSP client and checks the buffer. The
expected messages and fix come from pt-lsp's core, not from copies in this file.
Editors that are not installed are skipped (`make tools-editors` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_configs import EDITORS, NEOVIMS, NEOVIMS_0_11

from pt_lsp.core.engine import lint_source
from pt_lsp.core.fixes import apply_edits

pytestmark = pytest.mark.slow

BUGGY = """import torch
from torch.autograd import Variable

x = torch.randn(3, device="cuda")
y = Variable(x)
print(x.numpy())
"""
VENV_BIN = str(Path(sys.executable).parent)
TIMEOUT_MS = 20_000


def expected():
    findings = lint_source(BUGGY, "train.py").findings
    (numpy,) = [f for f in findings if f.code == "PTL401"]
    fixed_line = apply_edits(BUGGY, numpy.fix.edits).splitlines()[numpy.line - 1]
    return findings, numpy, fixed_line


def user_env(**extra: str) -> dict[str, str]:
    # As in a shell with the project's venv activated: its python3 comes first on PATH.
    return {**os.environ, "PATH": os.pathsep.join([VENV_BIN, os.environ["PATH"]]), "VIRTUAL_ENV": "", **extra}


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    source = tmp_path / "train.py"
    source.write_text(BUGGY)
    return source


def check_session(result: dict, tmp_path: Path) -> None:
    findings, numpy, fixed_line = expected()
    got = sorted((d["line"], d["message"]) for d in result["diagnostics"])
    assert got == sorted((f.line, f.message) for f in findings)
    assert numpy.fix.title in result["actions"]
    assert result["fixed_line"] == fixed_line
    assert sorted(result["after"]) == sorted(f.message for f in findings if f is not numpy)
    assert (tmp_path / "train.py").read_text() == BUGGY  # edits stay in the buffer until saved


# --- Neovim ---------------------------------------------------------------------------------

NVIM_SESSION = r"""
local file, line, col, title, count = ...
vim.cmd('edit ' .. file)
local function diagnostics()
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out, { line = d.lnum + 1, message = d.message })
  end
  return out
end
vim.wait(TIMEOUT, function() return #vim.diagnostic.get(0) >= count end, 50)
local result = { diagnostics = diagnostics(), actions = {} }
vim.api.nvim_win_set_cursor(0, { line, col })
local params = vim.lsp.util.make_range_params(0, 'utf-16')
local context = {}  -- the LSP diagnostics on the line, as vim.lsp.buf.code_action sends them
if vim.fn.has('nvim-0.8') == 0 then
  context = vim.lsp.diagnostic.get_line_diagnostics(0)  -- 0.7 keeps only code and data in user_data
else
  for _, d in ipairs(vim.diagnostic.get(0, { lnum = line - 1 })) do
    if d.user_data and d.user_data.lsp then table.insert(context, d.user_data.lsp) end
  end
end
params.context = { diagnostics = context }
for id, response in pairs(vim.lsp.buf_request_sync(0, 'textDocument/codeAction', params, TIMEOUT) or {}) do
  local client = vim.lsp.get_client_by_id(id)
  for _, action in ipairs(response.result or {}) do
    table.insert(result.actions, action.title)
    if action.title == title then
      if not action.edit then
        action = client.request_sync('codeAction/resolve', action, TIMEOUT, 0).result
      end
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    end
  end
end
result.fixed_line = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
vim.wait(TIMEOUT, function() return #vim.diagnostic.get(0) == count - 1 end, 50)
result.after = {}
for _, d in ipairs(diagnostics()) do table.insert(result.after, d.message) end
io.write('RESULT ', vim.fn.json_encode(result), '\n')
vim.cmd('qa!')
""".replace("TIMEOUT", str(TIMEOUT_MS))


def run_nvim(nvim: str, setup_lua: str, tmp_path: Path) -> dict:
    source = workspace(tmp_path)
    findings, numpy, _ = expected()
    script = tmp_path / "session.lua"
    script.write_text(
        setup_lua + "\nlocal session = loadstring([==[" + NVIM_SESSION + "]==])\n"
        f"session({json.dumps(str(source))}, {numpy.line}, {numpy.span.start.col + 1}, "
        f"{json.dumps(numpy.fix.title)}, {len(findings)})\n"
    )
    done = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {script}"],
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
        env=user_env(),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"no result from {nvim}: rc={done.returncode} stdout={done.stdout!r} stderr={done.stderr!r}"
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.skipif(not NEOVIMS_0_11, reason="no Neovim >= 0.11 installed (make tools-nvim)")
@pytest.mark.parametrize("nvim", NEOVIMS_0_11)
def test_neovim_0_11_lsp_config_gives_diagnostics_and_fixes(nvim, tmp_path):
    setup = f"vim.opt.runtimepath:prepend({json.dumps(str(EDITORS / 'neovim'))})\nvim.lsp.enable('pt_lsp')\n"
    check_session(run_nvim(nvim, setup, tmp_path), tmp_path)


@pytest.mark.skipif(not NEOVIMS, reason="no Neovim installed (apt-get install neovim)")
@pytest.mark.parametrize("nvim", NEOVIMS)
def test_neovim_start_snippet_gives_diagnostics_and_fixes(nvim, tmp_path):
    # vim.lsp.start on Neovim 0.8+, vim.lsp.start_client on Debian bookworm's 0.7.
    setup = f"dofile({json.dumps(str(EDITORS / 'neovim' / 'start.lua'))})\n"
    check_session(run_nvim(nvim, setup, tmp_path), tmp_path)


# --- Emacs with Eglot -------------------------------------------------------------------------

EMACS_SESSION = r""";;; -*- lexical-binding: t; -*-
(let* ((file (nth 0 command-line-args-left)) (line (string-to-number (nth 1 command-line-args-left)))
       (col (string-to-number (nth 2 command-line-args-left))) (title (nth 3 command-line-args-left))
       (count (string-to-number (nth 4 command-line-args-left))) (result nil))
  (setq command-line-args-left nil)
  (load (getenv "PT_LSP_EGLOT_EL"))
  (find-file file)
  (run-hooks 'post-command-hook)  ; eglot-ensure connects on the next command
  (cl-flet ((wait-for (pred)
              (let ((deadline (+ (float-time) 20)))
                (while (and (not (funcall pred)) (< (float-time) deadline))
                  ;; Eglot sends changes and Flymake reports from idle timers, which batch
                  ;; mode never runs: do both by hand.
                  (when (eglot-current-server) (eglot--signal-textDocument/didChange))
                  (flymake-start)
                  (accept-process-output nil 0.05)))))
    (wait-for (lambda () (>= (length (flymake-diagnostics)) count)))
    (push (cons 'diagnostics
                (vconcat (mapcar (lambda (d)
                                   (list (cons 'line (line-number-at-pos (flymake-diagnostic-beg d)))
                                         (cons 'message (replace-regexp-in-string
                                                         "\\`pt-lsp \\[PTL[0-9]+\\]: " ""
                                                         (flymake-diagnostic-text d)))))
                                 (flymake-diagnostics))))
          result)
    (goto-char (point-min)) (forward-line (1- line)) (forward-char col)
    (let ((actions (eglot-code-actions (point) (point)))
          (last-nonmenu-event 0))
      (push (cons 'actions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions))) result)
      ;; Eglot's own "pick an action" path, answering its prompt with TITLE.
      (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) title)))
        (eglot--read-execute-code-action actions (eglot-current-server))))
    (push (cons 'fixed_line (buffer-substring-no-properties (line-beginning-position) (line-end-position))) result)
    (wait-for (lambda () (= (length (flymake-diagnostics)) (1- count))))
    (push (cons 'after (vconcat (mapcar (lambda (d) (replace-regexp-in-string
                                                     "\\`pt-lsp \\[PTL[0-9]+\\]: " "" (flymake-diagnostic-text d)))
                                        (flymake-diagnostics))))
          result))
  (princ (concat "RESULT " (json-encode result) "\n"))
  (kill-emacs 0))
"""


def emacs_with_eglot() -> bool:
    if shutil.which("emacs") is None:
        return False
    return (
        subprocess.run(
            ["emacs", "--batch", "--eval", "(require 'eglot)"], check=False, capture_output=True, timeout=60
        ).returncode
        == 0
    )


@pytest.mark.skipif(not emacs_with_eglot(), reason="no Emacs with Eglot (apt-get install emacs-nox elpa-eglot)")
def test_emacs_eglot_config_gives_diagnostics_and_fixes(tmp_path):
    source = workspace(tmp_path)
    findings, numpy, _ = expected()
    script = tmp_path / "session.el"
    script.write_text(EMACS_SESSION)
    done = subprocess.run(
        [
            "emacs",
            "--batch",
            "-l",
            str(script),
            str(source),
            str(numpy.line),
            str(numpy.span.start.col + 1),
            numpy.fix.title,
            str(len(findings)),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
        env=user_env(PT_LSP_EGLOT_EL=str(EDITORS / "emacs" / "pt-lsp-eglot.el")),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"no result from emacs: rc={done.returncode} stdout={done.stdout!r} stderr={done.stderr[-3000:]!r}"
    check_session(json.loads(lines[-1].removeprefix("RESULT ")), tmp_path)
