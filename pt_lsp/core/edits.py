"""Fix-building helpers shared by the rules: node text, indentation, torch names, imports.

Every helper returns ``None`` where it cannot build an edit that is sure to keep the file
parsing; the caller then reports the finding without that fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.document import Pos, Span
from pt_lsp.core.findings import Edit
from pt_lsp.core.names import Scope, canonical

# Expressions that can be followed by `.attr` / `(...)` / `[...]` without parentheses.
_PRIMARY = (
    ast.Name,
    ast.Attribute,
    ast.Call,
    ast.Subscript,
    ast.Constant,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.JoinedStr,
)
# Parents in which any expression may stand where a call stood, without parentheses.
_LOOSE_PARENTS = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.Return,
    ast.Expr,
    ast.keyword,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Call,
    ast.withitem,
    ast.FormattedValue,
)
_BODY_FIELDS = ("body", "orelse", "finalbody")


# -- text -------------------------------------------------------------------------------------
def source_of(ctx: FileContext, node: ast.AST) -> str:
    return ctx.doc.slice(ctx.doc.node_span(node))


def is_primary(node: ast.AST) -> bool:
    # A tuple is never primary (its span may exclude its parentheses); nor is a number
    # (`1.real` does not parse).
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)):
        return False
    return isinstance(node, _PRIMARY)


def primary_text(ctx: FileContext, node: ast.AST) -> str:
    """``node``'s text, parenthesised unless it is a primary (so that ``.attr`` can follow)."""
    text = source_of(ctx, node)
    return text if is_primary(node) else f"({text})"


def text_in_place_of(ctx: FileContext, replacement: ast.AST, replaced: ast.AST) -> str:
    """The text of ``replacement`` to stand where ``replaced`` stood (parenthesised if needed)."""
    text = source_of(ctx, replacement)
    if is_primary(replacement):
        return text
    parent = ctx.parent(replaced)
    if isinstance(parent, _LOOSE_PARENTS) and not isinstance(replacement, (ast.Tuple, ast.NamedExpr)):
        if not (isinstance(parent, ast.Call) and replaced is parent.func):
            return text
    return f"({text})"


def has_multiline_string(node: ast.AST) -> bool:
    """A string literal spanning lines: re-indenting it would change its value."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Constant, ast.JoinedStr)) and getattr(child, "end_lineno", None):
            if child.end_lineno != child.lineno and (
                isinstance(child, ast.JoinedStr) or isinstance(child.value, (str, bytes))
            ):
                return True
    return False


# -- statements and indentation -----------------------------------------------------------------
def statement_of(ctx: FileContext, node: ast.AST) -> ast.stmt | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = ctx.parent(current)
    return current


def indentation(ctx: FileContext, stmt: ast.stmt) -> str:
    line = ctx.doc.line_text(stmt.lineno)
    return line[: len(line) - len(line.lstrip())]


def indent_unit(ctx: FileContext) -> str:
    """The file's indentation step: the first indented line's whitespace (4 spaces if none)."""
    for line in ctx.doc.lines:
        stripped = line.lstrip(" \t")
        if stripped.strip() and stripped is not line and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else lead
    return "    "


def newline_of(ctx: FileContext) -> str:
    first = ctx.doc.lines[0] if ctx.doc.lines else ""
    return "\r\n" if first.endswith("\r\n") else "\n"


_POSITIONS: PerFile[dict[int, tuple[list[ast.stmt], int]]] = PerFile(lambda ctx: {})


def statement_position(ctx: FileContext, stmt: ast.stmt) -> tuple[list[ast.stmt], int] | None:
    """The statement list holding ``stmt`` (a body, ``orelse``, ``finalbody`` or an except
    handler's body) and its index there. The lists of a parent are indexed once per file: a fix
    per statement of a long block would otherwise scan the block each time."""
    positions = _POSITIONS(ctx)
    found = positions.get(id(stmt))
    if found is None:
        parent = ctx.parent(stmt) or ctx.tree
        bodies = [getattr(parent, name, None) for name in _BODY_FIELDS]
        if isinstance(parent, ast.Try):
            bodies += [handler.body for handler in parent.handlers]
        for body in bodies:
            if isinstance(body, list):
                for index, child in enumerate(body):
                    positions[id(child)] = (body, index)
        found = positions.get(id(stmt))
        if found is None or found[0][found[1]] is not stmt:
            return None
    return found


def statement_index(ctx: FileContext, stmt: ast.stmt) -> int:
    """The index of ``stmt`` in :func:`body_containing`'s list (which must hold it)."""
    position = statement_position(ctx, stmt)
    assert position is not None, "statement_index of a statement in no body"
    return position[1]


def body_containing(ctx: FileContext, stmt: ast.stmt) -> list[ast.stmt] | None:
    position = statement_position(ctx, stmt)
    return position[0] if position is not None else None


def alone_on_lines(ctx: FileContext, stmts: Sequence[ast.stmt]) -> bool:
    """The statements start their first line and end their last (no `;` neighbours)."""
    first, last = stmts[0], stmts[-1]
    start, end = ctx.doc.node_span(first), ctx.doc.node_span(last)
    before = ctx.doc.line_text(start.start.line)[: start.start.col]
    after = ctx.doc.line_text(end.end.line)[end.end.col :].strip()
    return not before.strip() and (not after or after.startswith("#"))


def lines_span(ctx: FileContext, stmts: Sequence[ast.stmt]) -> Span:
    """From the start of the first statement's line to the end of the last one's line."""
    end_line = stmts[-1].end_lineno or stmts[-1].lineno
    return Span(Pos(stmts[0].lineno, 0), Pos(end_line, len(ctx.doc.line_text(end_line))))


def reindent(text: str, prefix: str) -> str:
    """Prefix each non-blank line of ``text`` (lines start at column 0) with ``prefix``."""
    return "\n".join(prefix + line if line.strip() else line for line in text.split("\n"))


def replace_in(text_start: Pos, text: str, edits: Iterable[Edit], ctx: FileContext) -> str:
    """Apply ``edits`` (inside the text that starts at ``text_start``) to ``text``."""
    base = ctx.doc.offset(text_start)
    out, cursor = [], 0
    for edit in sorted(edits):
        start = ctx.doc.offset(edit.span.start) - base
        end = ctx.doc.offset(edit.span.end) - base
        out.append(text[cursor:start])
        out.append(edit.content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


# -- names of torch objects ----------------------------------------------------------------------
_IMPORTED_BINDINGS: PerFile[dict[int, list[str]]] = PerFile(lambda ctx: {})


def _visible_names(ctx: FileContext, at: ast.AST) -> list[str]:
    """The names visible at ``at`` that an import may bind (innermost scope first): a scope's list
    is made once per file, so that a fix per line does not walk every binding of the module."""
    per_scope = _IMPORTED_BINDINGS(ctx)
    scope: Scope | None = ctx.names.scope_of(at)
    names: list[str] = []
    while scope is not None:
        imported = per_scope.get(id(scope))
        if imported is None:
            imported = per_scope[id(scope)] = [n for n in scope.bindings if ctx.names.may_resolve(n)]
        names.extend(imported)
        scope = scope.parent
    return names


def torch_reference(ctx: FileContext, qualname: str, at: ast.AST) -> tuple[str, list[Edit]] | None:
    """How to write ``qualname`` (e.g. ``torch.nn.ModuleList``) at ``at``, using the file's own
    imports (``nn.ModuleList``, ``T.nn.ModuleList``, an imported ``ModuleList``); else
    ``torch.nn.ModuleList`` plus an edit adding ``import torch``. None when ``torch`` is taken."""
    wanted = canonical(qualname)
    candidates: dict[str, str] = {}
    for name in _visible_names(ctx, at):
        resolved = ctx.names.resolve(name, at)
        if resolved:
            candidates.setdefault(canonical(resolved), name)
    if wanted in candidates:
        return candidates[wanted], []
    parts = wanted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in candidates:
            return ".".join([candidates[prefix], *parts[cut:]]), []
    if _torch_taken(ctx):
        return None  # `torch` is bound to something else somewhere: do not guess
    edit = add_import_edit(ctx, "import torch")
    return (wanted, [edit]) if edit is not None else None


def _torch_taken(ctx: FileContext) -> bool:
    """``torch`` is bound to something other than the torch package somewhere in the file."""
    kinds = (ast.Name, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    for node in ctx.index.of(*kinds):
        if isinstance(node, ast.Name) and node.id == "torch" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.arg) and node.arg == "torch":
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "torch":
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound == "torch" and (
                    isinstance(node, ast.ImportFrom) or alias.name.split(".")[0] != "torch" and alias.asname
                ):
                    return True
    return False


def _future_import(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"


def add_import_edit(ctx: FileContext, statement: str) -> Edit | None:
    """Insert ``statement`` after the module docstring and ``__future__`` imports."""
    body = ctx.tree.body
    index = 0
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        index = 1
    while index < len(body) and _future_import(body[index]):
        index += 1
    nl = newline_of(ctx)
    if index < len(body):
        anchor = body[index]
        line = anchor.lineno
        # Decorated definitions start at their first decorator.
        for decorator in getattr(anchor, "decorator_list", []):
            line = min(line, decorator.lineno)
        if ctx.doc.line_text(line)[:1].isspace():
            return None
        return Edit.insert(Pos(line, 0), statement + nl)
    if not body:
        return Edit.insert(Pos(1, 0), statement + nl)
    last = body[-1]
    end_line = last.end_lineno or last.lineno
    end = Pos(end_line, len(ctx.doc.line_text(end_line)))
    return Edit.insert(end, nl + statement)


# -- deleting statements and imports ------------------------------------------------------------
def delete_statement(ctx: FileContext, stmt: ast.stmt) -> Edit | None:
    """Delete a statement standing alone on its lines (``pass`` where it is a block's only one)."""
    if not alone_on_lines(ctx, [stmt]):
        return None
    body = body_containing(ctx, stmt)
    if body is not None and len(body) == 1 and ctx.parent(stmt) is not None:
        return Edit(ctx.doc.node_span(stmt), "pass")
    end_line = stmt.end_lineno or stmt.lineno
    if end_line < ctx.doc.line_count:
        return Edit.delete(Span(Pos(stmt.lineno, 0), Pos(end_line + 1, 0)))
    return Edit.delete(Span(Pos(stmt.lineno, 0), Pos(end_line, len(ctx.doc.line_text(end_line)))))


def remove_import_name(ctx: FileContext, stmt: ast.ImportFrom | ast.Import, alias: ast.alias) -> Edit | None:
    """Remove ``alias`` from its import statement; the whole statement when it is the only name
    (``pass`` where the statement is a block's only statement)."""
    if len(stmt.names) == 1:
        return delete_statement(ctx, stmt)
    if not hasattr(alias, "lineno"):
        return None
    index = next(i for i, a in enumerate(stmt.names) if a is alias)
    if index + 1 < len(stmt.names):
        following = ctx.doc.node_span(stmt.names[index + 1])
        return Edit.delete(Span(ctx.doc.node_span(alias).start, following.start))
    previous = ctx.doc.node_span(stmt.names[index - 1])
    return Edit.delete(Span(previous.end, ctx.doc.node_span(alias).end))


# -- `with torch.no_grad():` ------------------------------------------------------------------------
def no_grad_block(ctx: FileContext, stmts: Sequence[ast.stmt], inner: Iterable[Edit] = ()) -> list[Edit] | None:
    """Edits wrapping ``stmts`` (adjacent statements of one body) in ``with torch.no_grad():``,
    with ``inner`` edits (inside those statements) applied. Uses the file's torch alias and adds
    ``import torch`` when torch is only imported as ``from torch import ...``."""
    if not stmts or not alone_on_lines(ctx, stmts) or any(has_multiline_string(s) for s in stmts):
        return None
    reference = torch_reference(ctx, "torch.no_grad", stmts[0])
    if reference is None:
        return None
    name, extra = reference
    span = lines_span(ctx, stmts)
    text = replace_in(span.start, ctx.doc.slice(span), inner, ctx)
    block = f"{indentation(ctx, stmts[0])}with {name}():{newline_of(ctx)}{reindent(text, indent_unit(ctx))}"
    return [Edit(span, block), *extra]


# -- calls and loop bodies (PTL201, PTL202, PTL401) ---------------------------------------------
def add_keyword(
    ctx: FileContext, call: ast.Call, keyword: str, position: int | None = None, aliases: tuple[str, ...] = ()
) -> Edit | None:
    """An edit giving ``call`` the argument ``keyword`` (e.g. ``retain_graph=True``): appended, or
    the value of the keyword (or of an alias of it, or of the positional argument at ``position``)
    that already passes it replaced. None where the call already passes that value, or where
    ``*args``/``**kwargs`` may pass it (a second value would be a ``TypeError``)."""
    name, _, value = keyword.partition("=")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    given = next((k.value for k in call.keywords if k.arg == name or k.arg in aliases), None)
    if given is None and position is not None and len(call.args) > position:
        given = call.args[position]
    if given is not None:  # replace the value: a repeated keyword does not compile
        return None if source_of(ctx, given) == value else Edit(ctx.doc.node_span(given), value)
    end = ctx.doc.node_span(call).end
    closing = Pos(end.line, end.col - 1)
    if ctx.doc.slice(ctx.doc.node_span(call))[-1:] != ")":
        return None
    existing = [*call.args, *call.keywords]
    if not existing:
        return Edit.insert(closing, keyword)
    last_end = max(ctx.doc.node_span(a).end for a in existing)
    return Edit.insert(_after_closing_parens(ctx, last_end, closing), f", {keyword}")


def _after_closing_parens(ctx: FileContext, start: Pos, closing: Pos) -> Pos:
    """Past the parentheses that wrap the argument ending at ``start`` (its span leaves them
    out: ``f(a, (b))``), so that text inserted there lands after the argument, not inside it."""
    text = ctx.doc.slice(Span(start, closing))
    line, col = start.line, start.col
    at = start
    in_comment = False
    for char in text:
        if char == "\n":
            line, col, in_comment = line + 1, 0, False
            continue
        col += 1
        if in_comment or char.isspace() or char == "\\":
            continue
        if char == "#":
            in_comment = True
        elif char == ")":
            at = Pos(line, col)
        else:  # the comma after the last argument
            break
    return at


def rename_keyword(ctx: FileContext, call: ast.Call, keyword: ast.keyword, new: str) -> Edit | None:
    """An edit renaming ``keyword`` of ``call`` to ``new`` (``retain_variables=`` → ``retain_graph=``).
    None where the call already passes ``new`` (two values would not compile or would raise) or where
    the keyword's name is not spelled at its node's start (nothing to rename safely)."""
    if keyword.arg is None or any(k.arg == new for k in call.keywords):
        return None
    start = ctx.doc.node_span(keyword).start
    name = Span(start, Pos(start.line, start.col + len(keyword.arg)))
    if ctx.doc.slice(name) != keyword.arg:
        return None
    return Edit(name, new)


def body_insertion(ctx: FileContext, body: list[ast.stmt], lines: list[str]) -> Edit | None:
    """Insert ``lines`` as the first statements of ``body`` (None for one-line bodies, and where
    the body already starts with them: a fix applied once must not be applied again)."""
    first, owner = body[0], ctx.parent(body[0])
    if isinstance(owner, (ast.stmt, ast.excepthandler)) and first.lineno == owner.lineno:
        return None  # `for x in xs: step(x)`: no line of its own to insert before
    present = [source_of(ctx, stmt) for stmt in body[: len(lines)]]
    if sorted(present) == sorted(line.strip() for line in lines):
        return None
    indent, newline = indentation(ctx, first), newline_of(ctx)
    return Edit.insert(Pos(first.lineno, 0), "".join(f"{indent}{line}{newline}" for line in lines))
