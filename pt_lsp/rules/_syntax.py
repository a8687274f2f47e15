"""Small syntax helpers shared by the flow-based rules (PTL201, PTL401)."""
from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Pos
from pt_lsp.core.findings import Edit


def source_of(ctx: FileContext, node: ast.AST) -> str:
    return ctx.doc.slice(ctx.doc.node_span(node))


def add_keyword(ctx: FileContext, call: ast.Call, keyword: str) -> Edit | None:
    """An edit appending ``keyword`` (e.g. ``retain_graph=True``) to ``call``'s arguments."""
    end = ctx.doc.node_span(call).end
    closing = Pos(end.line, end.col - 1)
    if ctx.doc.slice(ctx.doc.node_span(call))[-1:] != ")":
        return None
    existing = [*call.args, *call.keywords]
    if not existing:
        return Edit.insert(closing, keyword)
    last_end = max((ctx.doc.node_span(a).end for a in existing))
    return Edit.insert(last_end, f", {keyword}")


def indentation(ctx: FileContext, stmt: ast.stmt) -> str:
    line = ctx.doc.line_text(stmt.lineno)
    return line[: len(line) - len(line.lstrip())]


def statement_of(ctx: FileContext, node: ast.AST) -> ast.stmt | None:
    current = node
    while current is not None and not isinstance(current, ast.stmt):
        current = ctx.parent(current)
    return current


def delete_statement(ctx: FileContext, stmt: ast.stmt) -> Edit | None:
    """Delete a statement that sits alone on its lines (None when it shares a line)."""
    span = ctx.doc.node_span(stmt)
    before = ctx.doc.line_text(span.start.line)[: span.start.col]
    after = ctx.doc.line_text(span.end.line)[span.end.col:]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        return None
    return Edit.delete(type(span)(Pos(span.start.line, 0), Pos(span.end.line + 1, 0)))


def body_insertion(ctx: FileContext, body: list[ast.stmt], lines: list[str]) -> Edit | None:
    """Insert ``lines`` as the first statements of ``body`` (None for one-line bodies)."""
    first = body[0]
    if first.lineno == ctx.parent(first).lineno if ctx.parent(first) is not None else False:
        return None
    indent = indentation(ctx, first)
    # Decorated or otherwise: insert at the start of the first statement's line.
    text = "".join(f"{indent}{line}\n" for line in lines)
    return Edit.insert(Pos(first.lineno, 0), text)
