"""scripts/new_rule.py: the scaffold registers a working rule, in a copy of the package (never in this one)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "new_rule.py"
RULES_DIR = ROOT / "pt_lsp" / "rules"


def _load():
    spec = importlib.util.spec_from_file_location("new_rule_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


new_rule = _load()


@pytest.fixture
def copy(tmp_path):
    """A repository root holding a copy of pt_lsp and README.md, nothing else."""
    shutil.copytree(ROOT / "pt_lsp", tmp_path / "pt_lsp", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def _python(root: Path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=root
    )


def _scaffold(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--root", str(root)], capture_output=True, text=True, cwd=root
    )


CHECK_REGISTERED = """
    import json, pt_lsp
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.rule import IMPORT_ERRORS, all_rules
    from pt_lsp.core.selection import Selection

    rules = all_rules()
    rule = rules["{code}"]
    results = []
    for example in rule.examples:
        found = lint_source(example.code, selection=Selection.of(["{code}"])).findings
        results.append([sorted({{(f.line, f.code) for f in found}}), sorted(set(example.expected))])
    print(json.dumps({{"package": pt_lsp.__file__, "module": rule.__module__, "name": rule.name,
                       "errors": IMPORT_ERRORS, "examples": results, "codes": sorted(rules)}}))
"""


def _registered(root: Path, code: str) -> dict:
    result = _python(root, CHECK_REGISTERED.format(code=code))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_scaffold_in_an_existing_family_registers_a_working_rule(copy):
    before = {p.relative_to(ROOT) for p in RULES_DIR.rglob("*.py")}
    result = _scaffold(copy, "PTL110", "tensor-resize", "legacy_api")
    assert result.returncode == 0, result.stderr
    assert (copy / "pt_lsp/rules/legacy_api/tensor_resize.py").is_file()
    assert (copy / "pt_lsp/rules/legacy_api/examples/tensor_resize.py").is_file()

    state = _registered(copy, "PTL110")
    assert state["package"].startswith(str(copy))
    assert state["module"] == "pt_lsp.rules.legacy_api.tensor_resize"
    assert state["name"] == "tensor-resize" and state["errors"] == {}
    # The scaffold's one bad and one good example hold: the rule reports exactly the marked lines.
    assert [found == expected for found, expected in state["examples"]] == [True, True]
    assert state["examples"][0][1] == [[3, "PTL110"]] and state["examples"][1][1] == []

    shown = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "rule", "PTL110"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(copy)),
        cwd=copy,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("# tensor-resize (PTL110)")
    assert "## What it does" in shown.stdout and "## References" in shown.stdout

    assert "| PTL110 | tensor-resize |" in (copy / "README.md").read_text(encoding="utf-8")
    assert '<a id="ptl110"></a>\n\n## PTL110 tensor-resize' in (copy / "docs/rules.md").read_text(encoding="utf-8")
    # Nothing was written into this repository.
    assert {p.relative_to(ROOT) for p in RULES_DIR.rglob("*.py")} == before
    assert not (RULES_DIR / "legacy_api" / "tensor_resize.py").exists()


def test_scaffold_of_a_new_family_takes_the_next_free_hundred(copy):
    result = _scaffold(
        copy, "PTL601", "all-reduce-without-wait", "distributed", "--call", "torch.distributed.all_reduce"
    )
    assert result.returncode == 0, result.stderr
    assert (copy / "pt_lsp/rules/distributed/__init__.py").is_file()
    assert (copy / "pt_lsp/rules/distributed/examples/__init__.py").is_file()
    state = _registered(copy, "PTL601")
    assert state["module"] == "pt_lsp.rules.distributed.all_reduce_without_wait"
    assert all(found == expected for found, expected in state["examples"])
    # The family's next rule must stay in its hundred.
    refused = _scaffold(copy, "PTL701", "barrier-in-rank-branch", "distributed")
    assert refused.returncode == 2 and "range PTL600-PTL699" in refused.stderr


def test_the_scaffold_passes_ruff(copy):
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    assert _scaffold(copy, "PTL206", "grad-of-non-leaf", "autograd").returncode == 0
    files = [
        copy / "pt_lsp/rules/autograd/grad_of_non_leaf.py",
        copy / "pt_lsp/rules/autograd/examples/grad_of_non_leaf.py",
    ]
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run([ruff, *command, *config, *map(str, files)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("code", "name", "family", "reason"),
    [
        ("PTL201", "double-backward", "autograd", "PTL201 is taken"),
        ("PTL206", "Double_Backward", "autograd", "not in kebab-case"),
        ("PTL206", "double--backward", "autograd", "not in kebab-case"),
        ("PTL206", "backward-through-freed-graph", "autograd", "the name backward-through-freed-graph is taken"),
        ("PTL110", "double-backward", "autograd", "outside the autograd family's range PTL200-PTL299"),
        ("PTL306", "tensor-resize", "legacy_api", "outside the legacy_api family's range PTL100-PTL199"),
        ("PTL050", "print-statement", "legacy_api", "outside the legacy_api family's range"),
        ("PTL701", "all-reduce", "distributed", "a new family (distributed) takes the next free hundred, PTL600"),
        ("PTL901", "all-reduce", "distributed", "next free hundred"),
        ("PTL21", "double-backward", "autograd", "not a rule code"),
        ("PTL206", "double-backward", "Autograd", "not a family package name"),
    ],
)
def test_refused_requests(code, name, family, reason):
    with pytest.raises(new_rule.ScaffoldError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        new_rule.check_request(code, name, family, RULES_DIR)


def test_refusal_exits_two_and_writes_nothing(tmp_path):
    shutil.copytree(
        ROOT / "pt_lsp" / "rules", tmp_path / "pt_lsp" / "rules", ignore=shutil.ignore_patterns("__pycache__")
    )
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = _scaffold(tmp_path, "PTL201", "double-backward", "autograd")
    assert result.returncode == 2 and "PTL201 is taken" in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_policy_matches_the_registered_rules():
    from pt_lsp.core.rule import all_rules

    for code, rule in all_rules().items():
        if rule.__module__.startswith("pt_lsp.rules."):
            family = rule.__module__.split(".")[2]
            assert new_rule.FAMILIES[family] == int(code[3]), code
