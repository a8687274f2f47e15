"""Fuzz pt-lsp with mutants of real-looking torch code: nothing may crash, every fix must compile
and converge.

Seeds are the rules' examples (bad and fixed programs) and ``tests/corpus/files``. Each mutant is
made by a line, token or syntax-tree mutation (seeded: the same seed gives the same mutants) and
goes through

- ``lint_source`` (what ``pt-lsp check`` runs): no exception, no internal error;
- ``fix_source`` with unsafe fixes (``pt-lsp check --fix --unsafe-fixes``), for a mutant that
  compiles: no internal error, the result compiles, the loop converged, and fixing the result
  again changes nothing (a fixed point in at most 2 rounds);
- the language server's per-document lint (``lint_document``: diagnostics in UTF-16 positions)
  and, with the mutant split into notebook cells, its per-cell lint (``lint_cells``), in-process.

A failure is minimised by delta debugging (the smallest set of lines that still fails the same
way) and written to ``--out`` (default ``fuzz-failures/``), to become a regression test.

    python scripts/fuzz.py [--seed N] [--seconds S] [--mutants N] [--out DIR]

Exit status 0 when nothing failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import random
import sys
import time
import tokenize
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pt_lsp.core.engine import lint_source  # noqa: E402
from pt_lsp.core.fixes import compile_error, fix_source  # noqa: E402
from pt_lsp.core.rule import all_rules  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "files"
# Pieces a mutation may splice in: the constructs the rules look at.
SUFFIXES = [".data", ".detach()", ".cuda()", ".numpy()", ".sum()", ".backward()", ".item()", "[0]", ".T"]
STATEMENTS = [
    "loss.backward()",
    "loss.backward(retain_graph=True)",
    "optimizer.step()",
    "optimizer.zero_grad()",
    "x = x.data",
    "h = h.detach()",
    "self.layers = [nn.Linear(2, 2)]",
    "w = torch.zeros(3, requires_grad=True)",
    "w += 1",
    "a = x.numpy()",
    "writer = SummaryWriter()",
    "pass",
    "break",
    "return x",
]
WRAPPERS = ["for _ in range(2):", "if flag:", "with torch.no_grad():", "while True:", "try:"]


# -- seeds ---------------------------------------------------------------------------------------
def seeds() -> list[str]:
    """The programs mutants are made from, in a fixed order."""
    found: list[str] = []
    for code in sorted(all_rules()):
        for example in getattr(all_rules()[code], "examples", ()) or ():
            found.append(example.code)
            if example.fixed:
                found.append(example.fixed)
    found += [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.py"))]
    return [text for text in dict.fromkeys(found) if text.strip()]


# -- mutations -----------------------------------------------------------------------------------
def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def line_mutation(text: str, rng: random.Random, donors: list[str]) -> str:
    lines = text.split("\n")
    if len(lines) < 2:
        return text + rng.choice(STATEMENTS) + "\n"
    i = rng.randrange(len(lines))
    kind = rng.randrange(6)
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[i])
    elif kind == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 3:  # a line of another program, at this line's indentation
        donor = rng.choice(donors).split("\n")
        lines.insert(i, _indent_of(lines[i]) + rng.choice(donor).lstrip())
    elif kind == 4:  # a statement the rules care about
        lines.insert(i, _indent_of(lines[i]) + rng.choice(STATEMENTS))
    else:  # re-indent one line (breaks or moves a block)
        lines[i] = rng.choice(["", "    ", "        "]) + lines[i].lstrip()
    return "\n".join(lines)


def token_mutation(text: str, rng: random.Random, donors: list[str]) -> str:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return line_mutation(text, rng, donors)
    names = sorted({t.string for t in tokens if t.type == tokenize.NAME and not keyword.iskeyword(t.string)})
    candidates = [t for t in tokens if t.type in (tokenize.NAME, tokenize.OP, tokenize.NUMBER, tokenize.STRING)]
    if not candidates:
        return line_mutation(text, rng, donors)
    token = rng.choice(candidates)
    lines = text.split("\n")
    (row, start), (end_row, end) = token.start, token.end
    if row != end_row:
        return line_mutation(text, rng, donors)
    line = lines[row - 1]
    kind = rng.randrange(5)
    if kind == 0 and names:
        replacement = rng.choice(names)
    elif kind == 1:
        replacement = ""
    elif kind == 2:
        replacement = token.string + token.string
    elif kind == 3:
        replacement = token.string + rng.choice(SUFFIXES)
    else:
        replacement = rng.choice(["(", ")", ",", ":", "=", ".", "*", "**", "0", "-1", "None", "'s'", "x", "self"])
    lines[row - 1] = line[:start] + replacement + line[end:]
    return "\n".join(lines)


class _Transformer(ast.NodeTransformer):
    def __init__(self, rng: random.Random, target: int, expressions: list[ast.expr]) -> None:
        self.rng, self.target, self.expressions, self.seen = rng, target, expressions, 0

    def generic_visit(self, node: ast.AST) -> ast.AST:
        self.seen += 1
        if self.seen == self.target:
            return self.mutate(node)
        return super().generic_visit(node)

    def mutate(self, node: ast.AST) -> ast.AST:
        rng = self.rng
        if isinstance(node, ast.expr) and not isinstance(node.ctx if hasattr(node, "ctx") else None, ast.Store):
            kind = rng.randrange(4)
            if kind == 0 and self.expressions:
                return rng.choice(self.expressions)
            if kind == 1:
                return ast.Attribute(value=node, attr=rng.choice(["data", "grad", "T", "weight"]), ctx=ast.Load())
            if kind == 2:
                method = rng.choice(["detach", "cuda", "sum", "clone", "numpy", "backward", "item"])
                return ast.Call(func=ast.Attribute(value=node, attr=method, ctx=ast.Load()), args=[], keywords=[])
            return ast.BinOp(left=node, op=rng.choice([ast.Add(), ast.Mult(), ast.MatMult()]), right=node)
        if isinstance(node, ast.stmt):
            kind = rng.randrange(3)
            if kind == 0:  # wrap in a block
                wrapper = rng.choice(WRAPPERS)
                tail = "except Exception:\n    pass\n" if wrapper == "try:" else ""
                head = ast.parse(f"{wrapper}\n    pass\n{tail}").body[0]
                head.body = [node]  # type: ignore[attr-defined]
                return head
            if kind == 1:
                return [node, node]  # type: ignore[return-value]
            return [ast.parse(rng.choice(STATEMENTS).replace("return x", "pass")).body[0], node]  # type: ignore[return-value]
        if isinstance(node, ast.Call):
            node.keywords = (
                node.keywords[:-1] if node.keywords else [ast.keyword(arg="retain_graph", value=ast.Constant(True))]
            )
        return node


def ast_mutation(text: str, rng: random.Random, donors: list[str]) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return line_mutation(text, rng, donors)
    nodes = sum(1 for _ in ast.walk(tree))
    expressions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.Attribute, ast.Call)) and len(ast.unparse(n)) < 60
    ]
    transformer = _Transformer(rng, rng.randrange(1, nodes + 1), expressions[:200])
    try:
        mutated = ast.fix_missing_locations(transformer.visit(tree))
        return ast.unparse(mutated) + "\n"
    except (SyntaxError, ValueError, TypeError, AttributeError, RecursionError):  # a mutation the unparser refuses
        return line_mutation(text, rng, donors)


MUTATIONS: list[Callable[[str, random.Random, list[str]], str]] = [line_mutation, token_mutation, ast_mutation]


def mutate(text: str, rng: random.Random, donors: list[str]) -> str:
    for _ in range(rng.choice([1, 1, 2, 3])):
        text = rng.choice(MUTATIONS)(text, rng, donors)
    return text


# -- checks --------------------------------------------------------------------------------------
def _crash(stage: str, error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{stage} raised {type(error).__name__} ({Path(frame.filename).name}:{frame.lineno})"


def check_lint(text: str) -> str | None:
    try:
        result = lint_source(text, "fuzz.py")
    except Exception as error:
        return _crash("lint", error)
    if result.errors:
        return "lint internal error: " + result.errors[0].split(":")[0]
    return None


def check_fix(text: str, report: Report | None = None) -> str | None:
    """``report``: counts the mutants whose fixes changed something (what the checks below prove)."""
    if compile_error(text, "fuzz.py") is not None:
        return None  # fix_source leaves a file that does not compile alone
    try:
        first = fix_source(text, "fuzz.py", unsafe=True)
        if report is not None and first.text != text:
            report.fixed += 1
        if first.errors:
            return "fix error: " + first.errors[0].split(":")[0]
        if compile_error(first.text, "fuzz.py") is not None:
            return "fixed text does not compile"
        if not first.converged or first.rounds > 2:
            return f"fixes did not converge in 2 rounds ({first.rounds} rounds)"
        second = fix_source(first.text, "fuzz.py", unsafe=True)
        if second.text != first.text:
            return "fixing the fixed text changed it again"
    except Exception as error:
        return _crash("fix", error)
    return None


def check_server(text: str) -> str | None:
    try:
        from pt_lsp.core.selection import Selection
        from pt_lsp.lsp.client import ClientFeatures
        from pt_lsp.lsp.linting import CellText, lint_cells, lint_document
        from pt_lsp.lsp.settings import Settings
    except ImportError:  # the server's extra is not installed
        return None
    try:
        lint = lint_document("file:///fuzz.py", 1, text, "fuzz.py", Selection(), Settings(), ClientFeatures())
        if [e for e in lint.errors if "crashed" in e]:
            return "server lint internal error"
        lines = text.split("\n")
        cut = len(lines) // 2
        cells = [
            CellText("vscode-notebook-cell:/fuzz.ipynb#a", 0, 1, "\n".join(lines[:cut])),
            CellText("vscode-notebook-cell:/fuzz.ipynb#b", 1, 1, "\n".join(lines[cut:])),
        ]
        lints = lint_cells(cells, "fuzz.ipynb", Selection(), Settings(), ClientFeatures())
        if any("crashed" in e for cell in lints for e in cell.errors):
            return "server notebook internal error"
    except Exception as error:
        return _crash("server", error)
    return None


CHECKS = [check_lint, check_fix, check_server]


def failure(text: str, report: Report | None = None) -> str | None:
    for check in CHECKS:
        problem = check_fix(text, report) if check is check_fix else check(text)
        if problem is not None:
            return problem
    return None


def category(problem: str) -> str:
    """The kind of failure the closing counts are kept by."""
    if " raised " in problem:
        return "crashes"
    if "internal error" in problem or problem.startswith("fix error"):
        return "rule crashes"
    if "does not compile" in problem:
        return "fixes that do not compile"
    return "files that do not converge"


KINDS = ("crashes", "rule crashes", "fixes that do not compile", "files that do not converge")


# -- minimisation --------------------------------------------------------------------------------
def ddmin(lines: list[str], fails: Callable[[list[str]], bool], budget: float = 60.0) -> list[str]:
    """Zeller's delta debugging: a 1-minimal subset of ``lines`` that still ``fails`` (within
    ``budget`` seconds; the best found so far after that)."""
    deadline = time.monotonic() + budget
    chunks = 2
    while len(lines) >= 2 and time.monotonic() < deadline:
        size = max(1, len(lines) // chunks)
        parts = [lines[i : i + size] for i in range(0, len(lines), size)]
        reduced = False
        for index in range(len(parts)):
            complement = [line for j, part in enumerate(parts) if j != index for line in part]
            if complement and fails(complement):
                lines, chunks, reduced = complement, max(chunks - 1, 2), True
                break
        if not reduced:
            if size == 1:
                break
            chunks = min(len(lines), chunks * 2)
    return lines


def minimise(text: str, problem: str, budget: float = 60.0) -> str:
    kind = problem.split(" (")[0]

    def fails(lines: list[str]) -> bool:
        found = failure("\n".join(lines) + "\n")
        return found is not None and found.split(" (")[0] == kind

    return "\n".join(ddmin(text.split("\n"), fails, budget)) + "\n"


# -- the run -------------------------------------------------------------------------------------
@dataclass
class Report:
    mutants: int = 0
    compiled: int = 0  # mutants that compile (their fixes were checked)
    fixed: int = 0  # compiling mutants that the unsafe fixes changed: each compiled and converged, or failed
    failed: Counter[str] = field(default_factory=Counter)  # every failing mutant, by category()
    failures: list[tuple[str, str]] = field(default_factory=list)  # (problem, minimised text)
    seconds: float = 0.0


def run(seed: int = 0, seconds: float = 60.0, mutants: int | None = None, minimise_budget: float = 30.0) -> Report:
    rng = random.Random(seed)
    pool = seeds()
    report = Report()
    start = time.monotonic()
    problems_seen: set[str] = set()
    while time.monotonic() - start < seconds and (mutants is None or report.mutants < mutants):
        text = mutate(rng.choice(pool), rng, pool)
        report.mutants += 1
        if compile_error(text, "fuzz.py") is None:
            report.compiled += 1
        problem = failure(text, report)
        if problem is not None:
            report.failed[category(problem)] += 1
        if problem is not None and problem not in problems_seen:
            problems_seen.add(problem)
            report.failures.append((problem, minimise(text, problem, minimise_budget)))
    report.seconds = time.monotonic() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=300.0, help="time budget (default 300)")
    parser.add_argument("--mutants", type=int, help="stop after this many mutants")
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"), help="where minimised failures go")
    args = parser.parse_args(argv)
    report = run(args.seed, args.seconds, args.mutants)
    print(
        f"fuzz: seed {args.seed}: {report.mutants} mutants ({report.compiled} compile, {report.fixed} changed by "
        f"--fix --unsafe-fixes) in {report.seconds:.0f}s: {len(report.failures)} distinct failures"
    )
    print("  " + ", ".join(f"{report.failed[kind]} {kind}" for kind in KINDS))
    if report.failures:
        args.out.mkdir(parents=True, exist_ok=True)
        for number, (problem, text) in enumerate(report.failures, 1):
            path = args.out / f"seed{args.seed}_{number}.py"
            path.write_text(f"# {problem}\n{text}", encoding="utf-8")
            print(f"FAIL {problem}: minimised to {len(text.splitlines())} lines in {path}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
