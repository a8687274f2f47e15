"""The architecture's boundaries: the core and the rules never import torch, pygls or lsprotocol;
the server package never imports torch."""

import ast
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "pt_lsp"


def run_and_list_modules(imports: str) -> set[str]:
    code = f"{imports}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(output.split())


def test_core_rules_and_server_do_not_load_torch_in_a_fresh_interpreter():
    modules = run_and_list_modules(
        "import pt_lsp.core.engine, pt_lsp.lsp.server, pt_lsp.cli\n"
        "from pt_lsp.core.rule import all_rules\nall_rules()\n"
        "from pt_lsp.core.engine import lint_source\n"
        "lint_source('import torch\\nx = torch.ones(2).cuda().numpy()\\n')"
    )
    assert "torch" not in modules
    assert "pt_lsp.rules.numpy_interop.numpy_on_cuda_tensor" in modules  # the rules really were loaded


def test_core_and_rules_do_not_load_pygls_or_lsprotocol():
    modules = run_and_list_modules("from pt_lsp.core.rule import all_rules\nall_rules()\nimport pt_lsp.commands.check")
    assert not {m for m in modules if m.split(".")[0] in {"pygls", "lsprotocol", "torch"}}


def imported_roots(path: pathlib.Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def test_static_imports_respect_the_package_boundaries():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        package = path.relative_to(PACKAGE).parts[0]
        roots = imported_roots(path)
        if "torch" in roots and package != "runtime":
            offenders.append(f"{path}: torch")
        if roots & {"pygls", "lsprotocol"} and package != "lsp":
            offenders.append(f"{path}: pygls/lsprotocol")
        if package in {"core", "rules"} and roots - set(sys.stdlib_module_names) - {"pt_lsp", "tomli"}:
            offenders.append(f"{path}: {sorted(roots - set(sys.stdlib_module_names) - {'pt_lsp'})}")
    assert offenders == []
