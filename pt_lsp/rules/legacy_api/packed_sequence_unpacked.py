"""PTL109: a `PackedSequence` unpacked into two names, as when it had two fields (torch < 1.1)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import source_of
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule
from pt_lsp.rules.legacy_api.examples.packed_sequence_unpacked import EXAMPLES

# The calls that return a `PackedSequence` (`pad_packed_sequence` returns a true pair).
PACKERS = {
    "torch.nn.utils.rnn.pack_padded_sequence",
    "torch.nn.utils.rnn.pack_sequence",
    "torch.nn.utils.rnn.PackedSequence",
}
FIELDS = 4  # data, batch_sizes, sorted_indices, unsorted_indices
# `PackedSequence` methods that return a `PackedSequence` (`packed.to(device)`).
MOVES = {"to", "cuda", "cpu", "pin_memory", "double", "float", "half", "long", "int", "short", "char", "byte"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# `try: ... except* E:` (Python 3.11) flows as `try` does.
if sys.version_info >= (3, 11):
    _TRY = (ast.Try, ast.TryStar)
else:
    _TRY = (ast.Try,)
# Per scope: which names hold a packed sequence on every path to here.
State = dict[str, bool]


class PackedSequenceUnpacked(Rule):
    """
    ## What it does
    Flags a `PackedSequence` (the result of `torch.nn.utils.rnn.pack_padded_sequence`,
    `pack_sequence` or `PackedSequence(...)`, under any import alias, moved by `.to(device)` or
    not, or a name bound to one on every path and not rebound since) unpacked into a number of
    names other than four: `x, _ = pack_padded_sequence(...)`.

    ## Why is this bad?
    Until torch 1.0 a `PackedSequence` was a named tuple of two fields, `(data, batch_sizes)`, and
    old tutorials took the flat data with `x, _ = pack_padded_sequence(...)`. Since torch 1.1 it
    has four (`data, batch_sizes, sorted_indices, unsorted_indices`), so the line raises
    `ValueError: too many values to unpack (expected 2)`. `pad_packed_sequence` returns a true
    pair `(padded, lengths)` and is not concerned.

    ## Example
    ```python
    scores, _ = pack_padded_sequence(scores, lengths, batch_first=True)
    ```

    ## Use instead
    ```python
    scores = pack_padded_sequence(scores, lengths, batch_first=True).data
    ```

    ## Fix safety
    Where the second name is `_` or never read, the fix keeps the first name and takes `.data`,
    the field it received before torch 1.1; where a name is unpacked into `data, sizes`, the fix
    reads `.data, .batch_sizes` of that name. Both are safe: it is the meaning the code was
    written for, and the original raises. A call unpacked into two names that are both read,
    and three names, get no fix.

    ## References
    - [torch.nn.utils.rnn.pack_padded_sequence](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html)
    - [torch.nn.utils.rnn.PackedSequence](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.PackedSequence.html)
    """

    code = "PTL109"
    name = "packed-sequence-unpacked"
    summary = "`x, _ = pack_padded_sequence(...)`: a `PackedSequence` has four fields since torch 1.1 → `.data`"
    severity = Severity.ERROR
    examples = EXAMPLES

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if "pack_padded_sequence" not in text and "pack_sequence" not in text and "PackedSequence" not in text:
            return
        # A name declared global or nonlocal anywhere may be rebound out of sight: never followed.
        shared: set[str] = set()
        for declared in ctx.index.of(ast.Global):
            shared.update(declared.names)
        for nonlocal_ in ctx.index.of(ast.Nonlocal):
            shared.update(nonlocal_.names)
        read = {n.id for n in ctx.index.of(ast.Name) if isinstance(n.ctx, ast.Load)}
        walk = _ScopeWalk(ctx, shared)
        scopes: list[ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = [ctx.tree]
        for kind in _SCOPES:
            scopes.extend(ctx.index.of(kind))
        for scope in scopes:
            walk.block(scope.body, {})
        for target, value in walk.unpackings:
            yield self._finding(ctx, target, value, read)

    def _finding(
        self, ctx: FileContext, target: ast.Tuple | ast.List, value: ast.expr | None, read: set[str]
    ) -> Finding:
        count = len(target.elts)
        message = (
            f"a `PackedSequence` has {FIELDS} fields since torch 1.1 (data, batch_sizes, sorted_indices, "
            f"unsorted_indices): unpacking it into {count} name{'s' if count != 1 else ''} raises ValueError; "
            "take `.data` (and `.batch_sizes`)"
        )
        fixes: list[Fix] = []
        if value is not None and count == 2 and isinstance(target.elts[1], ast.Name):
            first, second = target.elts[0], target.elts[1]
            end = ctx.doc.node_span(value).end
            # `(a, b), _ = pack(...)` would unpack the data tensor instead: no fix for a nested target
            single = isinstance(first, (ast.Name, ast.Attribute, ast.Subscript))
            if single and (second.id == "_" or second.id not in read):
                edits = (Edit(ctx.doc.node_span(target), source_of(ctx, first)), Edit.insert(end, ".data"))
                fixes.append(Fix("Take the packed sequence's `.data`", edits, Applicability.SAFE))
            elif isinstance(value, ast.Name):
                both = f"{value.id}.data, {value.id}.batch_sizes"
                fixes.append(
                    Fix("Read `.data` and `.batch_sizes`", (Edit(ctx.doc.node_span(value), both),), Applicability.SAFE)
                )
        return self.report(ctx, target, message, fixes=fixes)


class _ScopeWalk:
    """Walks one scope's statements in order, knowing which names hold a packed sequence on every
    path, and collects the unpackings of one into a count of names other than four."""

    def __init__(self, ctx: FileContext, shared: set[str]) -> None:
        self.ctx = ctx
        self.shared = shared
        # (the tuple target, the value to fix or None for a `for` loop)
        self.unpackings: list[tuple[ast.Tuple | ast.List, ast.expr | None]] = []

    def packed(self, expr: ast.expr, state: State) -> bool:
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in MOVES and self.packed(func.value, state):
                return True
            return self.ctx.qualname(func) in PACKERS
        return isinstance(expr, ast.Name) and state.get(expr.id, False)

    def block(self, body: list[ast.stmt], state: State) -> State:
        for stmt in body:
            state = self.statement(stmt, state)
        return state

    def statement(self, stmt: ast.stmt, state: State) -> State:
        if isinstance(stmt, ast.Assign):
            packed = self.packed(stmt.value, state)
            if packed:
                for target in stmt.targets:
                    if _wrong_count(target):
                        assert isinstance(target, (ast.Tuple, ast.List))
                        self.unpackings.append((target, stmt.value if len(stmt.targets) == 1 else None))
            _unbind(stmt, state)
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id not in self.shared:
                    state[target.id] = packed
            return state
        if isinstance(stmt, ast.AnnAssign):
            _unbind(stmt, state)
            if isinstance(stmt.target, ast.Name) and stmt.value is not None and stmt.target.id not in self.shared:
                state[stmt.target.id] = self.packed(stmt.value, state)
            return state
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            items = stmt.iter
            if (
                _wrong_count(stmt.target)
                and isinstance(items, (ast.List, ast.Tuple))
                and items.elts
                and all(self.packed(e, state) for e in items.elts)
            ):
                assert isinstance(stmt.target, (ast.Tuple, ast.List))
                self.unpackings.append((stmt.target, None))
            _unbind_header(stmt, state)
            # The body runs zero or more times: a name is known only where every path agrees.
            after = self.block(stmt.body, dict(state))
            return self.block(stmt.orelse, _join(state, after))
        if isinstance(stmt, ast.While):
            _unbind_header(stmt, state)
            after = self.block(stmt.body, dict(state))
            return self.block(stmt.orelse, _join(state, after))
        if isinstance(stmt, ast.If):
            _unbind_header(stmt, state)
            return _join(self.block(stmt.body, dict(state)), self.block(stmt.orelse, dict(state)))
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            _unbind_header(stmt, state)
            return self.block(stmt.body, state)
        if isinstance(stmt, _TRY):
            # The body may stop at any statement: after it, only what held before and after it.
            body = self.block(stmt.body, dict(state))
            ends = [_join(state, self.block(stmt.orelse, dict(body)))]
            for handler in stmt.handlers:
                entry = _join(state, body)
                if handler.name is not None:
                    entry[handler.name] = False
                ends.append(self.block(handler.body, entry))
            merged = ends[0]
            for end in ends[1:]:
                merged = _join(merged, end)
            return self.block(stmt.finalbody, merged)
        if isinstance(stmt, ast.Match):
            _unbind_header(stmt, state)
            merged = dict(state)
            for case in stmt.cases:
                entry = dict(state)
                for node in ast.walk(case.pattern):
                    for name in _pattern_names(node):
                        entry[name] = False
                merged = _join(merged, self.block(case.body, entry))
            return merged
        # Any other statement (def, class, import, del, augmented assignment, expressions with a
        # walrus) only rebinds names to something that is not known to be packed.
        _unbind(stmt, state)
        return state


def _wrong_count(target: ast.expr) -> bool:
    return (
        isinstance(target, (ast.Tuple, ast.List))
        and len(target.elts) != FIELDS
        and not any(isinstance(e, ast.Starred) for e in target.elts)
    )


def _join(a: State, b: State) -> State:
    return {name: True for name, packed in a.items() if packed and b.get(name, False)}


def _pattern_names(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name is not None:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest is not None:
        return [node.rest]
    return []


def _bound_names(root: ast.AST) -> Iterator[str]:
    """The names ``root`` binds in its own scope (of a nested function or class, only its name).
    A stack, not recursion: a long expression must not reach Python's recursion limit."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            if not isinstance(node, ast.Lambda):
                yield node.name
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            yield node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0]
        stack.extend(ast.iter_child_nodes(node))


def _unbind(node: ast.AST, state: State) -> None:
    for name in _bound_names(node):
        state[name] = False


def _unbind_header(stmt: ast.stmt, state: State) -> None:
    """Unbind the names a compound statement binds outside its blocks (loop targets, `as` names,
    walrus targets in its test)."""
    for field, value in ast.iter_fields(stmt):
        if field in ("body", "orelse", "finalbody", "handlers", "cases"):
            continue
        for node in value if isinstance(value, list) else [value]:
            if isinstance(node, ast.AST):
                _unbind(node, state)
