"""Did a round of fixes change anything outside the statements of the findings it fixed?

The check compares the ASTs before and after, statement list by statement list:

- statements that contain none of the *allowed lines* must be unchanged (``ast.dump`` without
  positions, so re-indenting or re-wrapping is not a change but any code change is);
- a compound statement (loop, ``if``, ``with``, ``def``, ...) whose header is unchanged is
  compared body by body, so a fix deep inside a loop does not license changes elsewhere in it;
- import statements and ``pass`` may change anywhere (fixes add and drop imports);
- a new ``with torch.no_grad():`` wrapper counts as its body, which must be allowed statements;
- new statements may be inserted in a block holding an allowed statement (up to the last one),
  next to one, or in an allowed block; a statement removed and inserted unchanged at such a
  place was moved by the fix (``super().__init__()`` moved before the first assignment).

The allowed lines of a finding are its span and its related spans. PTL201 fixes act on the
code that produced the freed graph (detach a carried hidden state at the top of the loop, detach
the generator output in the discriminator step), so for PTL201 the allowed lines reach from the
start of the innermost loop (else function, else module) holding the finding and its related
spans down to the finding. Anything else that changes is reported.

A ``with torch.no_grad():`` counts as new when its ``with`` keyword lies in text a fix inserted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from difflib import SequenceMatcher

from pt_lsp.core.document import Document, Pos
from pt_lsp.core.findings import Edit, Finding

_STMT_FIELDS = ("body", "orelse", "finalbody")
_CLAUSE_FIELDS = ("handlers", "cases")  # lists of clauses that hold their own bodies
_WIDENED = {"PTL201"}
# Fixes that close a resource add a statement at the end of the scope that made it (PTL501:
# `writer.close()`); they may insert statements anywhere in that function (or module), but
# still change no existing statement.
_INSERT_IN_SCOPE = {"PTL501"}


def _region_lines(finding: Finding) -> set[int]:
    spans = [finding.span, *(r.span for r in finding.related)]
    return {line for s in spans for line in range(s.start.line, s.end.line + 1)}


def _innermost(tree: ast.Module, lines: set[int], kinds: tuple[type, ...]) -> ast.stmt | None:
    low, high = min(lines), max(lines)
    best = None
    for node in ast.walk(tree):
        inside = isinstance(node, kinds) and node.lineno <= low and node.end_lineno >= high
        if inside and (best is None or node.lineno >= best.lineno):
            best = node
    return best


def insertable_lines(tree: ast.Module, findings: Iterable[Finding]) -> set[int]:
    """Lines next to which a fix may insert new statements (beyond its allowed lines)."""
    lines: set[int] = set()
    for finding in findings:
        if finding.code in _INSERT_IN_SCOPE:
            scope = _innermost(tree, _region_lines(finding), (ast.FunctionDef, ast.AsyncFunctionDef))
            end = max((getattr(n, "end_lineno", 0) or 0) for n in ast.walk(tree))
            lines |= set(range(scope.lineno, scope.end_lineno + 1) if scope else range(1, end + 1))
    return lines


def allowed_lines(tree: ast.Module, findings: Iterable[Finding]) -> set[int]:
    allowed: set[int] = set()
    for finding in findings:
        lines = _region_lines(finding)
        allowed |= lines
        if finding.code in _WIDENED:
            block = _innermost(tree, lines, (ast.For, ast.AsyncFor, ast.While)) or _innermost(
                tree, lines, (ast.FunctionDef, ast.AsyncFunctionDef)
            )
            start = _header_start(block) if block is not None else 1
            allowed |= set(range(start, max(lines) + 1))
    return allowed


# -- statement helpers ---------------------------------------------------------------------------
def _header_start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def _header_end(node: ast.stmt) -> int:
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.AST) and hasattr(body[0], "lineno"):
        return max(body[0].lineno - 1, node.lineno)
    return node.end_lineno


def _touches(allowed: set[int], start: int, end: int) -> bool:
    return any(line in allowed for line in range(start, end + 1))


def _is_compound(node: ast.AST) -> bool:
    return any(isinstance(getattr(node, f, None), list) for f in _STMT_FIELDS + _CLAUSE_FIELDS)


def _header(node: ast.AST) -> str:
    parts = []
    for name, value in ast.iter_fields(node):
        if name in _STMT_FIELDS + _CLAUSE_FIELDS:
            continue
        if isinstance(value, list):
            parts.append(f"{name}=[{', '.join(ast.dump(v) if isinstance(v, ast.AST) else repr(v) for v in value)}]")
        else:
            parts.append(f"{name}={ast.dump(value) if isinstance(value, ast.AST) else repr(value)}")
    return f"{type(node).__name__}({'; '.join(parts)})"


def _is_no_grad_wrapper(node: ast.stmt) -> bool:
    if not isinstance(node, ast.With) or len(node.items) != 1:
        return False
    call = node.items[0].context_expr
    if not isinstance(call, ast.Call) or call.args or call.keywords:
        return False
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "no_grad"


def inserted_ranges(before_text: str, edits: Iterable[Edit]) -> list[tuple[int, int]]:
    """Offset ranges, in the text after the edits, of the text the edits inserted."""
    doc = Document(before_text)
    inserted, delta = [], 0
    for edit in sorted(edits):
        start, end = doc.offset(edit.span.start), doc.offset(edit.span.end)
        inserted.append((start + delta, start + delta + len(edit.content)))
        delta += len(edit.content) - (end - start)
    return inserted


def _char_col(line: str, byte_col: int) -> int:
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


class _Comparison:
    def __init__(
        self, allowed: set[int], after: Document, inserted: list[tuple[int, int]], insertable: set[int] = frozenset()
    ) -> None:
        self.allowed = allowed
        self.insertable = allowed | insertable
        self.after = after
        self.inserted = inserted
        self.problems: list[str] = []

    def _new_wrapper(self, stmt: ast.stmt) -> bool:
        if not _is_no_grad_wrapper(stmt):
            return False
        col = _char_col(self.after.line_text(stmt.lineno), stmt.col_offset)
        offset = self.after.offset(Pos(stmt.lineno, col))
        return any(start <= offset < end for start, end in self.inserted)

    # Statements of ``after`` that came out of a new no_grad wrapper: equal to a statement
    # before, but wrapped, so the statement before must be an allowed one.
    def _normalise(self, stmts: list[ast.stmt], before: list[ast.stmt] | None) -> list[tuple[ast.stmt, bool]]:
        before_dumps = {ast.dump(s) for s in before or []}
        out: list[tuple[ast.stmt, bool]] = []
        for stmt in stmts:
            if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
                continue
            if before is not None and ast.dump(stmt) not in before_dumps and self._new_wrapper(stmt):
                out.extend((inner, True) for inner, _ in self._normalise(stmt.body, before))
            else:
                out.append((stmt, False))
        return out

    def _complain(self, node: ast.stmt, what: str) -> None:
        self.problems.append(
            f"line {node.lineno}: {what} outside the fixed statements: {ast.unparse(node).splitlines()[0][:100]}"
        )

    def _touched(self, node: ast.stmt, whole: bool = True, lines: set[int] | None = None) -> bool:
        """Does ``node`` (only its header, for a compound statement unless ``whole``) hold an
        allowed line (or one of ``lines``)?"""
        end = node.end_lineno if whole or not _is_compound(node) else _header_end(node)
        return _touches(self.allowed if lines is None else lines, _header_start(node), end)

    def compare(
        self, before: list[ast.stmt], after: list[ast.stmt], block_allowed: bool, wrapped: bool = False
    ) -> None:
        """``wrapped``: ``after`` lies inside a new no_grad wrapper, so every statement that
        stays equal must still be an allowed one (it now runs without autograd)."""
        old = self._normalise(before, None)
        new = [(s, w or wrapped) for s, w in self._normalise(after, before)]
        # New statements may go into a block holding a fixed statement, up to the last one (a
        # compound statement counts when its header is fixed, not when a finding lies deeper).
        last_allowed = max((i for i, (s, _) in enumerate(old) if self._touched(s, whole=False)), default=-2)
        matcher = SequenceMatcher(None, [ast.dump(s) for s, _ in old], [ast.dump(s) for s, _ in new], autojunk=False)
        removed: list[ast.stmt] = []
        inserted: list[tuple[ast.stmt, bool]] = []  # (statement, may be inserted there)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            olds, news = old[i1:i2], new[j1:j2]
            if op == "equal":
                for (o, _), (_, in_wrapper) in zip(olds, news):
                    if in_wrapper and not self._touched(o):
                        self._complain(o, "statement wrapped in no_grad")
                continue
            neighbours = [s for s, _ in old[max(i1 - 1, 0) : i2 + 1]]
            may_insert = (
                block_allowed
                or i1 <= last_allowed + 1
                or any(self._touched(s, lines=self.insertable) for s in neighbours)
            )
            gone, added = self._compare_changed([s for s, _ in olds], news)
            removed.extend(gone)
            inserted.extend((n, may_insert) for n in added)
        self._settle(removed, inserted)

    def _settle(self, removed: list[ast.stmt], inserted: list[tuple[ast.stmt, bool]]) -> None:
        """A statement removed and inserted unchanged where insertions are allowed was moved by
        the fix (e.g. ``super().__init__()`` moved up); anything else is a change outside."""
        for o in removed:
            move = next((pair for pair in inserted if pair[1] and ast.dump(pair[0]) == ast.dump(o)), None)
            if move is not None:
                inserted.remove(move)
            else:
                self._complain(o, "statement changed or removed")
        for n, allowed in inserted:
            if not allowed:
                self._complain(n, "statement inserted")

    def _compare_changed(
        self, olds: list[ast.stmt], news: list[tuple[ast.stmt, bool]]
    ) -> tuple[list[ast.stmt], list[ast.stmt]]:
        """Compares twins (same compound header) body by body; returns the old statements
        changed or removed outside the allowed lines, and the new statements left over."""
        remaining = list(news)
        removed = []
        for o in olds:
            twin = next(
                ((n, w) for n, w in remaining if _is_compound(o) and type(n) is type(o) and _header(n) == _header(o)),
                None,
            )
            if twin is not None:
                remaining.remove(twin)
                self._compare_bodies(o, *twin)
            elif not self._touched(o, whole=not news or not _is_compound(o)):
                # A changed compound statement needs an allowed header; a removed one, any line.
                removed.append(o)
        return removed, [n for n, _ in remaining]

    def _compare_bodies(self, old: ast.stmt, new: ast.stmt, wrapped: bool) -> None:
        header_touched = self._touched(old, whole=False)
        for name in _STMT_FIELDS:
            before, after = getattr(old, name, None), getattr(new, name, None)
            if isinstance(before, list) and isinstance(after, list):
                self.compare(before, after, header_touched, wrapped)
        for name in _CLAUSE_FIELDS:
            before, after = getattr(old, name, None) or [], getattr(new, name, None) or []
            if len(before) != len(after) or any(_header(a) != _header(b) for a, b in zip(before, after)):
                if not header_touched:
                    self._complain(old, f"{name} changed")
                continue
            for a, b in zip(before, after):
                self.compare(a.body, b.body, header_touched, wrapped)


def changes_outside(before_text: str, after_text: str, findings: Iterable[Finding], edits: Iterable[Edit]) -> list[str]:
    """Descriptions of changes that no finding of ``findings`` accounts for (empty: none).
    ``edits`` turned ``before_text`` into ``after_text``."""
    before, after = ast.parse(before_text), ast.parse(after_text)
    findings = list(findings)
    comparison = _Comparison(
        allowed_lines(before, findings),
        Document(after_text),
        inserted_ranges(before_text, edits),
        insertable_lines(before, findings),
    )
    comparison.compare(before.body, after.body, block_allowed=False)
    return comparison.problems
