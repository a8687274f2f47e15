"""The shipped editor configs: each parses in its own format and starts `python -m pt_lsp server`.

Lua is loaded by every Neovim found (PATH's `nvim`, ``$PT_LSP_NVIM``, and the one
`make tools-nvim` installs), the elisp byte-compiles and loads in Emacs with Eglot when Emacs is
installed; TOML, JSON and YAML parse everywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
EDITORS = ROOT / "editors"
SERVER_ARGS = ["-m", "pt_lsp", "server"]
TOOLS = Path(os.environ.get("PT_LSP_TOOLS", Path.home() / ".cache" / "pt-lsp-tools"))


def no_empty_select(settings: object) -> None:
    """An empty `select` enables no rule in the server: a config must leave it out instead."""
    if isinstance(settings, dict):
        assert settings.get("select", None) != [], f"empty select in {settings}"
        for value in settings.values():
            no_empty_select(value)


# --- Helix, Sublime, VS Code manifest: parse and check what they launch ------------------------


def test_helix_languages_toml_adds_pt_lsp_to_python():
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["pt-lsp"]
    assert [server["command"], *server["args"]] == ["python3", *SERVER_ARGS]
    assert isinstance(server["config"]["pt-lsp"], dict)  # answers workspace/configuration "pt-lsp"
    (python,) = [lang for lang in config["language"] if lang["name"] == "python"]
    assert "pt-lsp" in python["language-servers"]
    no_empty_select(config)


def test_sublime_lsp_settings_run_the_server_on_python():
    config = json.loads((EDITORS / "sublime" / "LSP.sublime-settings").read_text())
    client = config["clients"]["pt-lsp"]
    assert client["enabled"] is True
    assert client["command"][-3:] == SERVER_ARGS
    assert client["selector"] == "source.python"
    assert "source.fixAll.pt-lsp" in config["lsp_code_actions_on_save"]
    no_empty_select(client)


def vscode_manifest() -> dict:
    return json.loads((EDITORS / "vscode" / "package.json").read_text())


def test_vscode_manifest_contributes_the_settings_and_commands():
    manifest = vscode_manifest()
    properties = manifest["contributes"]["configuration"]["properties"]
    expected = {
        "enable",
        "interpreter",
        "path",
        "args",
        "select",
        "ignore",
        "severity",
        "fixAll",
        "unsafeFixes",
        "extendSelect",
        "exclude",
        "configuration",
        "runtimeFindings",
        "timeBudget",
        "debounce",
        "lintInThread",
        "showNotifications",
        "trace.server",
    }
    assert {key.removeprefix("pt-lsp.") for key in properties} == expected
    assert properties["pt-lsp.select"]["default"] == []
    titles = {c["command"]: f"{c['category']}: {c['title']}" for c in manifest["contributes"]["commands"]}
    assert titles == {"pt-lsp.restart": "pt-lsp: Restart Server", "pt-lsp.showOutput": "pt-lsp: Show Output"}
    assert {"onLanguage:python", "onNotebook:jupyter-notebook"} <= set(manifest["activationEvents"])
    assert manifest["main"] == "./out/extension.js"


def test_vscode_every_contributed_setting_is_handled_by_the_client():
    # Each setting either restarts the server or is sent to it live (src/common/launch.ts).
    launch = (EDITORS / "vscode" / "src" / "common" / "launch.ts").read_text()
    handled = set()
    for name in ("LAUNCH_KEYS", "LIVE_KEYS"):
        match = re.search(rf"export const {name} = \[([^\]]*)\]", launch)
        assert match, name
        handled |= set(re.findall(r"'([^']+)'", match.group(1)))
    properties = vscode_manifest()["contributes"]["configuration"]["properties"]
    assert {key.removeprefix("pt-lsp.") for key in properties} == handled


def test_vscode_types_match_the_lowest_supported_vscode():
    # vsce refuses a package whose @types/vscode is newer than engines.vscode.
    manifest = vscode_manifest()
    lock = json.loads((EDITORS / "vscode" / "package-lock.json").read_text())
    types_version = lock["packages"]["node_modules/@types/vscode"]["version"]
    engine = manifest["engines"]["vscode"].lstrip("^~")
    assert tuple(map(int, types_version.split("."))) <= tuple(map(int, engine.split(".")))
    tsconfig = json.loads((EDITORS / "vscode" / "tsconfig.json").read_text())
    assert tsconfig["compilerOptions"]["strict"] is True


# --- pre-commit hooks and the CI snippet ------------------------------------------------------


def test_pre_commit_hooks_check_and_fix_python_and_notebooks():
    yaml = pytest.importorskip("yaml", reason="PyYAML (a dev dependency) parses .pre-commit-hooks.yaml")
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"pt-lsp", "pt-lsp-fix"}
    # --force-exclude: pre-commit names every file, and the project's `exclude` must still hold.
    assert hooks["pt-lsp"]["entry"] == "pt-lsp check --force-exclude"
    assert hooks["pt-lsp-fix"]["entry"] == "pt-lsp check --force-exclude --fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]


def test_ci_snippet_uploads_sarif_written_by_pt_lsp_check():
    yaml = pytest.importorskip("yaml", reason="PyYAML (a dev dependency) parses the workflow")
    text = (ROOT / "docs" / "ci.md").read_text()
    block = re.search(r"```yaml\n(# \.github/workflows/.*?)```", text, re.DOTALL)
    assert block, "docs/ci.md has no workflow block"
    workflow = yaml.safe_load(block.group(1))
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["pt-lsp"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert "pt-lsp check . --output-format sarif --exit-zero > pt-lsp.sarif" in runs
    (upload,) = [step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["with"]["sarif_file"] == "pt-lsp.sarif"


def test_ci_snippet_command_writes_sarif_with_the_findings(tmp_path):
    # The workflow's command, run as the job would, on a repository with two real findings.
    yaml = pytest.importorskip("yaml", reason="PyYAML (a dev dependency) parses the workflow")
    block = re.search(r"```yaml\n(# \.github/workflows/.*?)```", (ROOT / "docs" / "ci.md").read_text(), re.DOTALL)
    steps = yaml.safe_load(block.group(1))["jobs"]["pt-lsp"]["steps"]
    (command,) = [step["run"] for step in steps if "sarif" in step.get("run", "")]
    (tmp_path / "train.py").write_text(
        'import torch\nfrom torch.autograd import Variable\nx = torch.randn(3, device="cuda")\nprint(x.numpy())\n'
    )
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])  # the venv's pt-lsp
    done = subprocess.run(
        command,
        shell=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr  # --exit-zero: the upload step still runs
    sarif = json.loads((tmp_path / "pt-lsp.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["PTL101", "PTL401"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"train.py"}


# --- Neovim: the Lua loads and registers the server ---------------------------------------------


def neovims() -> list[str]:
    found = [os.environ.get("PT_LSP_NVIM"), shutil.which("nvim"), str(TOOLS / "nvim" / "bin" / "nvim")]
    unique: list[str] = []
    for path in found:
        if path and os.access(path, os.X_OK) and os.path.realpath(path) not in map(os.path.realpath, unique):
            unique.append(path)
    return unique


def nvim_version(nvim: str) -> tuple[int, int]:
    out = subprocess.run([nvim, "--version"], check=False, capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"NVIM v(\d+)\.(\d+)", out)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


NEOVIMS = neovims()
NEOVIMS_0_11 = [nvim for nvim in NEOVIMS if nvim_version(nvim) >= (0, 11)]
needs_nvim = pytest.mark.skipif(not NEOVIMS, reason="no Neovim installed (apt-get install neovim; make tools-nvim)")


def nvim_lua(nvim: str, lua: str, tmp_path: Path) -> str:
    """Runs a Lua chunk in a clean headless Neovim; its `io.write` output is returned."""
    script = tmp_path / "check.lua"
    script.write_text(lua)
    result = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {script}", "-c", "qa!"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "VIRTUAL_ENV": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr, result.stderr
    return result.stdout


@needs_nvim
@pytest.mark.parametrize("nvim", NEOVIMS)
def test_neovim_lsp_config_returns_a_server_for_python(nvim, tmp_path):
    path = EDITORS / "neovim" / "lsp" / "pt_lsp.lua"
    out = nvim_lua(
        nvim,
        f"""
        local c = dofile({json.dumps(str(path))})
        io.write(table.concat(c.cmd, ' '), '|', table.concat(c.filetypes, ','), '|', c.root_markers[1], '\\n')
    """,
        tmp_path,
    )
    cmd, filetypes, first_marker = out.strip().splitlines()[-1].split("|")
    assert cmd.split()[-3:] == SERVER_ARGS or cmd.split() == ["pt-lsp", "server"]
    assert filetypes == "python"
    assert first_marker == "pyproject.toml"


@pytest.mark.skipif(not NEOVIMS_0_11, reason="no Neovim >= 0.11 installed (make tools-nvim)")
@pytest.mark.parametrize("nvim", NEOVIMS_0_11)
def test_neovim_0_11_enables_pt_lsp_from_the_runtimepath(nvim, tmp_path):
    out = nvim_lua(
        nvim,
        f"""
        vim.opt.runtimepath:prepend({json.dumps(str(EDITORS / "neovim"))})
        vim.lsp.enable('pt_lsp')
        io.write(tostring(vim.lsp.is_enabled('pt_lsp')), ' ', table.concat(vim.lsp.config.pt_lsp.cmd, ' '), '\\n')
    """,
        tmp_path,
    )
    enabled, *cmd = out.strip().splitlines()[-1].split()
    assert enabled == "true"
    assert cmd[-3:] == SERVER_ARGS or cmd == ["pt-lsp", "server"]


@needs_nvim
@pytest.mark.parametrize("nvim", NEOVIMS)
def test_neovim_start_snippet_registers_a_python_filetype_autocmd(nvim, tmp_path):
    path = EDITORS / "neovim" / "start.lua"
    out = nvim_lua(
        nvim,
        f"""
        dofile({json.dumps(str(path))})
        io.write(#vim.api.nvim_get_autocmds({{ event = 'FileType', pattern = 'python' }}), '\\n')
    """,
        tmp_path,
    )
    assert int(out.strip().splitlines()[-1]) >= 1


@needs_nvim
@pytest.mark.parametrize("nvim", NEOVIMS)
def test_neovim_lspconfig_snippet_compiles(nvim, tmp_path):
    # nvim-lspconfig itself is not installed here: compiling the chunk checks its syntax.
    path = EDITORS / "neovim" / "lspconfig.lua"
    out = nvim_lua(
        nvim,
        f"""
        local chunk, err = loadfile({json.dumps(str(path))})
        io.write(chunk and 'ok' or tostring(err), '\\n')
    """,
        tmp_path,
    )
    assert out.strip().splitlines()[-1] == "ok"


# --- Emacs: the elisp byte-compiles without warnings and registers the server ------------------

needs_emacs = pytest.mark.skipif(
    shutil.which("emacs") is None, reason="Emacs not installed (apt-get install emacs-nox elpa-eglot)"
)


def emacs_has_eglot() -> bool:
    if shutil.which("emacs") is None:
        return False
    probe = subprocess.run(
        ["emacs", "--batch", "--eval", "(require 'eglot)"], check=False, capture_output=True, timeout=60
    )
    return probe.returncode == 0


@needs_emacs
def test_emacs_eglot_config_byte_compiles_and_registers_pt_lsp(tmp_path):
    if not emacs_has_eglot():
        pytest.skip("Emacs without Eglot (Emacs 29+, or the elpa-eglot package)")
    source = tmp_path / "pt-lsp-eglot.el"
    shutil.copy(EDITORS / "emacs" / "pt-lsp-eglot.el", source)
    check = (
        "(progn (setq byte-compile-error-on-warn t)"
        f" (unless (byte-compile-file {json.dumps(str(source))}) (kill-emacs 3))"
        f" (load {json.dumps(str(source.with_suffix('.elc')))} nil t)"
        " (let ((contact (cdr (assoc '(python-mode python-ts-mode) eglot-server-programs))))"
        '   (princ (mapconcat #\'identity (funcall contact nil) " "))))'
    )
    result = subprocess.run(
        ["emacs", "--batch", "--eval", check], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["python3", *SERVER_ARGS]
