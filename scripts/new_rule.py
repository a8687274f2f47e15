"""Scaffold a new rule: ``scripts/new_rule.py PTL107 tensor-resize legacy_api``.

Writes ``pt_lsp/rules/<family>/<name_with_underscores>.py`` (a working Rule that flags calls of one
function, ``--call``, behind a text gate, with its documentation in Ruff's sections) and
``pt_lsp/rules/<family>/examples/<name_with_underscores>.py`` (one bad and one good example),
creates the family package when it is new, adds the rule to README's catalog and regenerates
docs/rules.md. Then edit the rule, and add examples until tests/rules/test_examples.py accepts
them (it asks for six bad and six good examples, two of each runnable under torch).

Refused: a code or name already taken, a name not in kebab-case, a code outside its family's
range. The code ranges:

    0xx syntax, 1xx legacy_api, 2xx autograd, 3xx modules, 4xx numpy_interop, 5xx tensorboard;
    a new family takes the next free hundred (9xx is kept for the test suite's own rules).
"""

from __future__ import annotations

import argparse
import ast
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The code-range policy: the hundred of the code names the family.
FAMILIES = {
    "syntax": 0,
    "legacy_api": 1,
    "autograd": 2,
    "modules": 3,
    "numpy_interop": 4,
    "tensorboard": 5,
}
RESERVED_HUNDREDS = {9}  # PTL9xx: rules defined by tests (tests/cli, tests/lsp, tests/runtime)

CODE_RE = re.compile(r"^PTL\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
FAMILY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


class ScaffoldError(Exception):
    """A request the policy refuses; the message says why."""


def hundred(code: str) -> int:
    return int(code[3])


def module_name(name: str) -> str:
    return name.replace("-", "_")


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


# -- what the package under root already holds (read, never imported) ---------------------------------
def registered(rules_dir: pathlib.Path) -> dict[str, tuple[str, str]]:
    """code → (name, family) of every rule class under ``rules_dir``, from the modules' source."""
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(rules_dir.glob("*/*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            values: dict[str, str] = {}
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                ):
                    values[statement.targets[0].id] = statement.value.value
            if CODE_RE.match(values.get("code", "")):
                found[values["code"]] = (values.get("name", ""), path.parent.name)
    return found


def family_hundreds(rules_dir: pathlib.Path, rules: dict[str, tuple[str, str]]) -> dict[str, int]:
    """family → its hundred: the policy's, or that of the codes a family outside the policy holds."""
    hundreds = dict(FAMILIES)
    for code, (_, family) in sorted(rules.items()):
        hundreds.setdefault(family, hundred(code))
    return hundreds


def check_request(code: str, name: str, family: str, rules_dir: pathlib.Path) -> bool:
    """Raise ScaffoldError where the policy refuses; return whether ``family`` is new."""
    if not CODE_RE.match(code):
        raise ScaffoldError(f"{code!r} is not a rule code: PTL and three digits (PTL107)")
    if not NAME_RE.match(name):
        raise ScaffoldError(f"{name!r} is not in kebab-case: lower-case words joined by '-' (tensor-resize)")
    if not FAMILY_RE.match(family) or family == "examples":
        raise ScaffoldError(f"{family!r} is not a family package name: lower-case words joined by '_'")
    rules = registered(rules_dir)
    if code in rules:
        raise ScaffoldError(f"{code} is taken: {rules[code][0]} ({rules[code][1]})")
    taken = {rule_name: (c, f) for c, (rule_name, f) in rules.items()}
    if name in taken:
        raise ScaffoldError(f"the name {name} is taken by {taken[name][0]}")
    target = rules_dir / family / f"{module_name(name)}.py"
    if target.exists():
        raise ScaffoldError(f"{target} exists")
    hundreds = family_hundreds(rules_dir, rules)
    is_new = not (rules_dir / family).is_dir()
    if family in hundreds:
        expected = hundreds[family]
        if hundred(code) != expected:
            raise ScaffoldError(f"{code} is outside the {family} family's range PTL{expected}00-PTL{expected}99")
        return is_new
    used = set(hundreds.values())
    free = next((h for h in range(max(used) + 1, 10) if h not in used | RESERVED_HUNDREDS), None)
    if free is None:
        raise ScaffoldError("no hundred is free for a new family")
    if hundred(code) != free:
        raise ScaffoldError(f"{code}: a new family ({family}) takes the next free hundred, PTL{free}00-PTL{free}99")
    return True


# -- the files ---------------------------------------------------------------------------------------
RULE_TEMPLATE = '''\
"""{code} {name}: {summary}."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.findings import Finding, Severity
from pt_lsp.core.rule import Rule

# The function whose calls are reported, by qualified name (under any import alias).
CALLS = {{"{call}"}}
# The text gate: a file whose text lacks this substring cannot hold a finding, and is skipped
# before any tree walk (most files of a project are).
GATE = "{gate}"


class {cls}(Rule):
    """
    ## What it does
    Flags calls of `{call}(...)`, under any import alias.

    ## Why is this bad?
    Say what goes wrong when the code runs: the exception and its message, or the silently wrong
    result, and when it shows (the second iteration, on the machine with a GPU, never).

    ## Example
    ```python
    y = {call}(x)
    ```

    ## Use instead
    ```python
    y = x
    ```

    ## Fix safety
    There is no fix yet. A fix is safe when it keeps the program's meaning, unsafe when it may
    change it (which gradients flow, which tensors `parameters()` returns).

    ## References
    - [PyTorch documentation](https://pytorch.org/docs/stable/index.html)
    """

    code = "{code}"
    name = "{name}"
    summary = "{summary}"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if GATE not in ctx.doc.text:
            return
        for call in ctx.index.of(ast.Call):
            if ctx.qualname(call.func) in CALLS:
                yield self.report(ctx, call, "`{short}(...)` is called: {summary}")
'''

EXAMPLES_TEMPLATE = '''\
"""Examples of {code} {name}.

tests/rules/test_examples.py runs each: the rule must report exactly the lines marked
`# expect: {code}`. `fixed=` states the source after the preferred fixes; `runtime=` what real
torch shows when the example runs (`pt-lsp verify {code}`). The tests ask for six bad and six good
examples, two of each runnable.
"""

from pt_lsp.core.examples import Example

EXAMPLES = (
    Example(
        "a call of {call}",
        """
        import {root}

        x = {call}(1.0)  # expect: {code}
        """,
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "a program without the call",
        """
        import {root}

        x = 1.0
        """,
    ),
)
'''


def render(code: str, name: str, family: str, call: str, summary: str) -> tuple[str, str]:
    fields = {
        "code": code,
        "name": name,
        "family": family,
        "module": module_name(name),
        "cls": class_name(name),
        "call": call,
        "short": call.rsplit(".", 1)[-1],
        "root": call.split(".", 1)[0],
        "gate": call.rsplit(".", 1)[-1],
        "summary": summary.replace('"', "'"),
    }
    return RULE_TEMPLATE.format(**fields), EXAMPLES_TEMPLATE.format(**fields)


def add_to_readme(readme: pathlib.Path, code: str, name: str, summary: str) -> bool:
    """Insert ``| code | name | summary |`` into README's rule catalog, in code order."""
    if not readme.is_file():
        return False
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [i for i, line in enumerate(lines) if re.match(r"^\| PTL\d{3} \|", line)]
    if not rows:
        return False
    position = next((i for i in rows if lines[i][2:8] > code), rows[-1] + 1)
    lines.insert(position, f"| {code} | {name} | {summary} |\n")
    readme.write_text("".join(lines), encoding="utf-8")
    return True


def regenerate_docs(root: pathlib.Path) -> None:
    """docs/rules.md under ``root``, by scripts/gen_rule_docs.py in a fresh interpreter (new rule imported)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    generator = pathlib.Path(__file__).resolve().with_name("gen_rule_docs.py")
    subprocess.run([sys.executable, str(generator), "--root", str(root)], check=True, env=env)


def scaffold(
    code: str,
    name: str,
    family: str,
    root: pathlib.Path,
    call: str | None = None,
    summary: str | None = None,
    docs: bool = True,
) -> list[pathlib.Path]:
    """Write the rule's files under ``root``; return the paths written or changed."""
    code = code.upper()
    rules_dir = root / "pt_lsp" / "rules"
    if not rules_dir.is_dir():
        raise ScaffoldError(f"{rules_dir} does not exist: --root names the repository root")
    is_new = check_request(code, name, family, rules_dir)
    call = call or f"torch.{module_name(name)}"
    if not re.match(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$", call):
        raise ScaffoldError(f"--call {call!r} is not a qualified name (torch.Tensor.resize_)")
    summary = summary or f"a call of `{call}`"
    family_dir = rules_dir / family
    written: list[pathlib.Path] = []
    if is_new:
        for package in (family_dir, family_dir / "examples"):
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").write_text("", encoding="utf-8")
            written.append(package / "__init__.py")
    else:
        (family_dir / "examples").mkdir(exist_ok=True)
        if not (family_dir / "examples" / "__init__.py").exists():
            (family_dir / "examples" / "__init__.py").write_text("", encoding="utf-8")
            written.append(family_dir / "examples" / "__init__.py")
    rule_source, examples_source = render(code, name, family, call, summary)
    rule_path = family_dir / f"{module_name(name)}.py"
    examples_path = family_dir / "examples" / f"{module_name(name)}.py"
    examples_path.write_text(examples_source, encoding="utf-8")
    rule_path.write_text(rule_source, encoding="utf-8")
    written += [rule_path, examples_path]
    if add_to_readme(root / "README.md", code, name, summary):
        written.append(root / "README.md")
    if docs:
        regenerate_docs(root)
        written.append(root / "docs" / "rules.md")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Scaffold a rule: its module, its examples, its README row and docs/rules.md.",
        epilog="Code ranges: 0xx syntax, 1xx legacy_api, 2xx autograd, 3xx modules, 4xx numpy_interop, "
        "5xx tensorboard; a new family takes the next free hundred.",
    )
    parser.add_argument("code", help="the rule code, e.g. PTL107")
    parser.add_argument("name", help="the rule name in kebab-case, e.g. tensor-resize")
    parser.add_argument("family", help="the family package under pt_lsp/rules, e.g. legacy_api (new: created)")
    parser.add_argument("--call", help="the function whose calls the scaffold reports (default: torch.<name>)")
    parser.add_argument("--summary", help="the one-line summary (default: a call of `<call>`)")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="the repository root (default: this one)")
    parser.add_argument("--no-docs", action="store_true", help="do not regenerate docs/rules.md")
    args = parser.parse_args(argv)
    try:
        written = scaffold(args.code, args.name, args.family, args.root, args.call, args.summary, not args.no_docs)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    code = args.code.upper()
    print(
        f"\nnext: make the rule and its examples say what you mean, then run\n"
        f"  .venv/bin/python -m pytest -q tests/rules/test_examples.py -k {code}\n"
        f"  .venv/bin/pt-lsp rule {code}\n"
        f"  .venv/bin/python scripts/gen_rule_docs.py   # after editing the docstring or summary"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
