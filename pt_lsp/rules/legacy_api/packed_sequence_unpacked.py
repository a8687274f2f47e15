"""PTL109: a `PackedSequence` unpacked into two names, as when it had two fields (torch < 1.1)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import source_of
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.rule import Rule

# The calls that return a `PackedSequence` (`pad_packed_sequence` returns a true pair).
PACKERS = {
    "torch.nn.utils.rnn.pack_padded_sequence",
    "torch.nn.utils.rnn.pack_sequence",
    "torch.nn.utils.rnn.PackedSequence",
}
FIELDS = 4  # data, batch_sizes, sorted_indices, unsorted_indices
# `PackedSequence` methods that return a `PackedSequence` (`packed.to(device)`).
MOVES = {"to", "cuda", "cpu", "pin_memory", "double", "float", "half", "long", "int", "short", "char", "byte"}


class PackedSequenceUnpacked(Rule):
    """
    ## What it does
    Flags a `PackedSequence` (the result of `torch.nn.utils.rnn.pack_padded_sequence`,
    `pack_sequence` or `PackedSequence(...)`, under any import alias, moved by `.to(device)` or
    not, or a name every value of which that reaches the line is one: its nearest earlier
    assignment, the last one in each branch of an `if`/`else`, or, past a loop or a `try` that
    rebinds it, every assignment of it in its scope) unpacked into a number of names other than
    four: `x, _ = pack_padded_sequence(...)`. Names declared `global` or `nonlocal` are not
    followed.

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
        unpackings: list[tuple[ast.Tuple | ast.List, ast.expr | None]] = []
        for stmt in ctx.index.of(ast.Assign):
            wrong = [t for t in stmt.targets if isinstance(t, (ast.Tuple, ast.List)) and _wrong_count(t)]
            if wrong and _packed(ctx, stmt.value, shared):
                unpackings.extend((t, stmt.value if len(stmt.targets) == 1 else None) for t in wrong)
        loops: list[ast.For | ast.AsyncFor] = [*ctx.index.of(ast.For), *ctx.index.of(ast.AsyncFor)]
        for loop in loops:
            items, target = loop.iter, loop.target
            if (
                isinstance(target, (ast.Tuple, ast.List))
                and _wrong_count(target)
                and isinstance(items, (ast.List, ast.Tuple))
                and items.elts
                and all(_packed(ctx, e, shared) for e in items.elts)
            ):
                unpackings.append((target, None))
        unpackings.sort(key=lambda u: (u[0].lineno, u[0].col_offset))
        for target, value in unpackings:
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


def _packed(ctx: FileContext, expr: ast.expr, shared: set[str], pending: frozenset[int] = frozenset()) -> bool:
    """``expr`` is a packed sequence: a packing call, one moved by ``.to(device)``, or a name
    every value of which that reaches here is one (through an ``if``/``else`` too). A value met
    again while it is being asked about (``p = p.to(device)`` in a loop) adds nothing: the
    name's other values decide."""
    if id(expr) in pending:
        return True
    if len(pending) > 8:
        return False
    pending = pending | {id(expr)}
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in MOVES and _packed(ctx, func.value, shared, pending):
            return True
        return ctx.qualname(func) in PACKERS
    if not isinstance(expr, ast.Name) or expr.id in shared:
        return False
    values = reaching_values(ctx, expr, join_branches=True)
    return bool(values) and all(isinstance(v, ast.expr) and _packed(ctx, v, shared, pending) for v in values or ())


def _wrong_count(target: ast.Tuple | ast.List) -> bool:
    return len(target.elts) != FIELDS and not any(isinstance(e, ast.Starred) for e in target.elts)
