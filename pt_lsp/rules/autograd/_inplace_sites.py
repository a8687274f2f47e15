"""In-place changes to leaf tensors that require grad, found once for PTL203 and PTL205.

A site is an in-place method call (``w.add_(1)``, ``w[0].fill_(0)``), an augmented assignment
(``w -= lr * w.grad``) or an item assignment (``w[0] = 1``) whose receiver is a proven leaf
that requires grad, outside any place where grad recording may be off. A site whose operands
mention ``.grad`` is a manual optimiser update (PTL205); every other site is PTL203, so one
statement is reported once.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.edits import body_containing, no_grad_block, source_of, statement_index, statement_of
from pt_lsp.core.evidence.grad_mode import GradMode
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.findings import Edit
from pt_lsp.rules.autograd._flow_leaves import flow_may_find_leaves, flow_site_leaf
from pt_lsp.rules.autograd._leaves import LeafEvidence
from pt_lsp.rules.autograd._made_leaves import Leaf

# Trailing-underscore methods that do not change the tensor's values.
# `set_` swaps the storage: not a write autograd checks on a leaf; `detach_` on a leaf only
# turns `requires_grad` off (torch allows it; on a view it fails with its own error, not this one);
# `zeros_` / `ones_` are `torch.nn.init` functions, no tensor methods: AttributeError, not this error
NOT_INPLACE = vocabulary.IN_PLACE_NOT_WRITING | {"set_", "detach_", "zeros_", "ones_"}
LEAF_WORDS = ("requires_grad", "Parameter", "parameters(", ".weight", ".bias")
_SIMPLE_STATEMENTS = (ast.Expr, ast.AugAssign, ast.Assign)


@dataclass(frozen=True)
class InPlaceSite:
    node: ast.AST  # reported: the call, the augmented assignment or the item assignment
    receiver: ast.expr  # the leaf changed in place (subscripts stripped)
    stmt: ast.stmt
    operands: tuple[ast.expr, ...]
    what: str  # "`add_()`", "`-=`", "item assignment"
    leaf: Leaf
    flag: ast.keyword | None = None  # `inplace=True` of a functional call (`F.relu(w, inplace=True)`)
    functional: bool = False  # a torch function or layer call that writes its input (`torch.relu_(w)`)

    @property
    def manual_update(self) -> bool:
        """``w -= lr * w.grad``, ``w.sub_(lr * w.grad)``: an optimiser step written by hand."""
        return any(isinstance(n, ast.Attribute) and n.attr == "grad" for o in self.operands for n in ast.walk(o))


# Methods that always return a view of their receiver (never a copy, unlike `reshape`), one view
# (unlike `chunk` / `split`, whose outputs torch refuses to change with another error): an in-place
# change of one changes the leaf ("a view of a leaf Variable that requires grad ...").
VIEW_METHODS = frozenset(
    "view view_as t transpose permute unsqueeze squeeze narrow select diagonal swapaxes movedim".split()
)


def view_base(expr: ast.AST) -> ast.expr | None:
    """``w`` of ``w.t()``, ``w.view(5, 1)``, ``w.T``: the tensor a view-making call reads; else None."""
    if isinstance(expr, ast.Attribute) and expr.attr in ("T", "mT"):
        return expr.value
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in VIEW_METHODS:
        return expr.func.value
    return None


def _strip_subscripts(expr: ast.expr) -> tuple[ast.expr, bool]:
    """The tensor an indexed or viewed receiver writes into (``w`` of ``w[0]``, ``w.t()[1:]``)."""
    indexed = False
    while True:
        if isinstance(expr, ast.Subscript):
            expr, indexed = expr.value, True
        elif (base := view_base(expr)) is not None:
            expr, indexed = base, True
        else:
            return expr, indexed


# torch functions with a trailing underscore that do not write their first argument's values under
# autograd: `torch.nn.init.*_` runs under no_grad itself, `clip_grad_norm_` changes `.grad`
_NOT_WRITING_PREFIXES = ("torch.nn.init.", "torch.nn.utils.", "torch.autograd.", "torch.cuda.", "torch.random.")


def _functional_write(
    ctx: FileContext, call: ast.Call, layers: frozenset[str]
) -> tuple[ast.expr, str, ast.keyword | None] | None:
    """``(input, what, inplace keyword)`` where ``call`` writes its first argument in place: a torch
    function given ``inplace=True`` (``F.relu(x, inplace=True)``, ``F.dropout(x, 0.1, inplace=True)``),
    a torch function ending in ``_`` (``torch.relu_(x)``, ``F.leaky_relu_(x)``), or a layer built with
    ``inplace=True`` and called on ``x`` (``nn.ReLU(inplace=True)(x)``, also through a local name in
    ``layers``). Syntax first: most calls of a file are none of these."""
    if not call.args or isinstance(call.args[0], ast.Starred):
        return None
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if not ((name.endswith("_") and not name.startswith("_")) or name in layers):  # (before the keyword scan)
        flagged = bool(call.keywords) and any(k.arg == "inplace" for k in call.keywords)
        if not flagged and not (isinstance(func, ast.Call) and any(k.arg == "inplace" for k in func.keywords)):
            return None
    qualname = ctx.qualname(call.func)
    if qualname is not None and qualname.startswith("torch."):
        name = qualname.rsplit(".", 1)[-1]
        flag = _inplace_true(call)
        if flag is not None and not qualname.startswith(_NOT_WRITING_PREFIXES):
            return call.args[0], f"`{name}(..., inplace=True)`", flag
        top = qualname.count(".") == 1 or qualname.startswith("torch.nn.functional.")
        if top and name.endswith("_") and not name.startswith("_") and name not in NOT_INPLACE:
            return call.args[0], f"`{name}()`", None
        return None
    layer = call.func
    if isinstance(layer, ast.Name) and layer.id in layers:
        values = reaching_values(ctx, layer)
        layer = values[0] if values is not None and len(values) == 1 and isinstance(values[0], ast.Call) else layer
    elif isinstance(layer, ast.Attribute) and layer.attr in layers:  # `self.act(self.weight)`
        layer = _stored_layer(ctx, layer) or layer
    if isinstance(layer, ast.Call) and _inplace_true(layer) is not None:
        made = ctx.qualname(layer.func) or ""
        if made.startswith("torch.nn.") and made.rsplit(".", 1)[-1][:1].isupper():
            return call.args[0], f"`{made.rsplit('.', 1)[-1]}(inplace=True)`", None
    return None


def _inplace_layer_names(ctx: FileContext) -> frozenset[str]:
    """Names the file binds to a call given ``inplace=True`` (``act = nn.ReLU(inplace=True)``), and
    attribute names every store of which is ``self.<name> = <such a call>`` (``self.relu``)."""
    names: set[str] = set()
    for node in ctx.index.of(ast.Assign):
        if isinstance(node.value, ast.Call) and _inplace_true(node.value) is not None:
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(names | set(_inplace_attributes(ctx)))


@PerFile
def _inplace_attributes(ctx: FileContext) -> dict[str, tuple[ast.Attribute, ast.Call]]:
    """Attribute names the file stores once, as ``self.<name> = nn.ReLU(inplace=True)`` (or
    ``nn.ReLU(True)``), and nowhere else: that target and that call. Assignments and stores
    are read from the file's index (no parent map: most files never call such a layer)."""
    stores: dict[str, int] = {}
    for node in ctx.index.of(ast.Attribute):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            stores[node.attr] = stores.get(node.attr, 0) + 1
    found: dict[str, tuple[ast.Attribute, ast.Call]] = {}
    for assign in ctx.index.of(ast.Assign):
        if not (isinstance(assign, ast.Assign) and len(assign.targets) == 1):
            continue
        target, value = assign.targets[0], assign.value
        if (
            isinstance(target, ast.Attribute)
            and stores.get(target.attr) == 1
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(value, ast.Call)
            and _inplace_true(value) is not None
        ):
            found[target.attr] = (target, value)
    return found


def _stored_layer(ctx: FileContext, callee: ast.Attribute) -> ast.Call | None:
    """``self.act`` called in a method of the class that stores it: that layer."""
    stored = _inplace_attributes(ctx).get(callee.attr)
    if stored is None or not (isinstance(callee.value, ast.Name) and callee.value.id == "self"):
        return None
    cls = ctx.enclosing_class(callee)
    return stored[1] if cls is not None and cls is ctx.enclosing_class(stored[0]) else None


# activations whose `inplace` flag may be given by position (`nn.ReLU(True)`, `nn.LeakyReLU(0.2, True)`)
_INPLACE_POSITION = {
    **dict.fromkeys(("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"), 0),
    **dict.fromkeys(("LeakyReLU", "ELU", "CELU"), 1),
    **dict.fromkeys(("Hardtanh", "Threshold", "RReLU"), 2),
}


def _inplace_true(call: ast.Call) -> ast.keyword | None:
    """The ``inplace=True`` of ``call`` (for ``nn.ReLU(True)``: a keyword made for it)."""
    found = next(
        (
            k
            for k in call.keywords
            if k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        ),
        None,
    )
    if found is not None or not call.args:
        return found
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    at = _INPLACE_POSITION.get(name)
    if at is None or len(call.args) <= at:
        return None
    flag = call.args[at]
    return ast.keyword("inplace", flag) if isinstance(flag, ast.Constant) and flag.value is True else None


def _candidates(
    ctx: FileContext,
) -> Iterator[tuple[ast.AST, ast.expr, tuple[ast.expr, ...], str, ast.keyword | None, bool]]:
    text = ctx.doc.text
    positional = "(True)" in text or ", True)" in text  # `nn.ReLU(True)`, `nn.LeakyReLU(0.2, True)`
    if "inplace=True" in text or "_(" in text or positional:
        layers = _inplace_layer_names(ctx) if "inplace=True" in text or positional else frozenset()
        for call in ctx.index.of(ast.Call):
            written = _functional_write(ctx, call, layers)
            if written is not None:
                receiver, _ = _strip_subscripts(written[0])
                yield call, receiver, tuple(call.args[1:]), written[1], written[2], True
    if "_(" in text:
        for call in ctx.index.of(ast.Call):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr.endswith("_")
                and not func.attr.startswith("_")
                and func.attr not in NOT_INPLACE
                and ctx.qualname(func) is None
            ):
                receiver, _ = _strip_subscripts(func.value)
                operands = (*call.args, *(k.value for k in call.keywords))
                yield call, receiver, operands, f"`{func.attr}()`", None, False
    for stmt in ctx.index.of(ast.AugAssign):
        receiver, _ = _strip_subscripts(stmt.target)
        symbol = _AUG_SYMBOLS.get(type(stmt.op), "augmented assignment")
        yield stmt, receiver, (stmt.value,), f"`{symbol}`", None, False
    for assign in ctx.index.of(ast.Assign):
        for target in assign.targets:
            if isinstance(target, ast.Subscript):
                receiver, _ = _strip_subscripts(target)
                yield target, receiver, (assign.value,), "item assignment", None, False


_AUG_SYMBOLS = {
    ast.Add: "+=",
    ast.Sub: "-=",
    ast.Mult: "*=",
    ast.Div: "/=",
    ast.Pow: "**=",
    ast.MatMult: "@=",
    ast.FloorDiv: "//=",
    ast.Mod: "%=",
    ast.BitAnd: "&=",
    ast.BitOr: "|=",
    ast.BitXor: "^=",
}


@PerFile
def inplace_sites(ctx: FileContext) -> list[InPlaceSite]:
    sites: list[InPlaceSite] = []
    text = ctx.doc.text
    # Every kind of leaf evidence needs one of these words in the file.
    if "torch" in text and any(word in text for word in LEAF_WORDS):
        leaves, grad_mode = LeafEvidence(ctx), None
        for node, receiver, operands, what, flag, functional in _candidates(ctx):
            if not isinstance(receiver, (ast.Name, ast.Attribute, ast.Call)):
                continue
            leaf = leaves.leaf(receiver) or _reaching_leaf(ctx, leaves, receiver)
            grad_mode = grad_mode or GradMode(ctx)
            if leaf is None:
                if not flow_may_find_leaves(ctx, leaves):
                    continue  # the flow would find none in this file: before the walk up to the function
                if grad_mode.enclosing_mode(node)[0] is False:
                    continue  # inside `with torch.no_grad():`: seen before the flow's analysis (its cost)
                # through containers, attributes, returns, unpacking; such a leaf is held: asked only
                # where it would count (the tests below, before the flow's analysis)
                counts = partial(_held_counts, ctx, grad_mode, receiver)
                found = flow_site_leaf(ctx, leaves, node, receiver, functional, counts)
                if found is None:
                    continue
                receiver, leaf = found
            if grad_mode.may_be_off(node) or not _runs_here(ctx, receiver, leaf, grad_mode, node):
                continue
            stmt = statement_of(ctx, node)
            if stmt is not None:
                sites.append(InPlaceSite(node, receiver, stmt, tuple(operands), what, leaf, flag, functional))
    sites.sort(key=lambda s: (s.stmt.lineno, s.stmt.col_offset))
    return sites


def _reaching_leaf(ctx: FileContext, leaves: LeafEvidence, receiver: ast.expr) -> Leaf | None:
    """The leaf a name holds where it is changed, when every value reaching that read is a leaf
    made right there (``x = torch.randn(3, requires_grad=True)``), though the name is rebound
    later (``x = F.relu(x, inplace=True)``: the call reads the leaf before the rebinding)."""
    if not isinstance(receiver, ast.Name) or receiver.id not in leaves.plausible_names:
        return None
    values = reaching_values(ctx, receiver)
    found = [leaves.made_leaf(v) for v in values or ()]
    leaves_found = [leaf for leaf in found if leaf is not None]
    if not values or len(leaves_found) != len(found) or len({leaf.origin for leaf in leaves_found}) != 1:
        return None
    steps = tuple(step for leaf in leaves_found for step in leaf.steps)
    factory = leaves_found[0].factory if len(leaves_found) == 1 else None
    return Leaf(leaves_found[0].origin, factory, steps, view=all(leaf.view for leaf in leaves_found))


def _runs_here(ctx: FileContext, receiver: ast.expr, leaf: Leaf, grad_mode: GradMode, node: ast.AST) -> bool:
    """A parameter changed inside a function: callers elsewhere (a framework running
    ``reset_parameters`` or an update helper under ``no_grad``) may switch recording off, so
    only a function this file calls itself counts (``__init__`` and ``forward`` always run)."""
    if leaf.origin != "parameter" and not leaf.held:
        return True
    _, function = grad_mode.enclosing_mode(node)
    if function is None:
        return True  # module level
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    if function.name in ("__init__", "forward"):
        return True
    return _mentioned_twice(ctx, function.name)


_HELD = Leaf("tensor", held=True)  # what the flow finds (_flow_leaves.flow_leaf): a held leaf


def _held_counts(ctx: FileContext, grad_mode: GradMode, receiver: ast.expr, node: ast.AST) -> bool:
    """Whether a leaf the flow finds at ``node`` would count there (inplace_sites' tests)."""
    return not grad_mode.may_be_off(node) and _runs_here(ctx, receiver, _HELD, grad_mode, node)


_MENTIONS: PerFile[dict[str, bool]] = PerFile(lambda ctx: {})  # function name -> _mentioned_twice


def _mentioned_twice(ctx: FileContext, name: str) -> bool:
    """The file names ``name`` besides its definition (a call, a callback handed on)."""
    known = _MENTIONS(ctx)
    if name not in known:
        if not all(c.isalnum() or c == "_" for c in name):
            known[name] = len(re.findall(rf"\b{re.escape(name)}\b", ctx.doc.text)) > 1
        else:
            known[name] = _whole_words(ctx.doc.text, name, 2) == 2
    return known[name]


def _whole_words(text: str, word: str, enough: int) -> int:
    """How many times ``word`` (word characters only) stands as a whole word in ``text``, as
    ``\\bword\\b`` counts it (a word character is alphanumeric or ``_``), counted up to
    ``enough``: ``str.find`` skips ahead fast, where the regular expression tries every position."""
    found, end, at = 0, len(text), text.find(word)
    while at >= 0:
        after = at + len(word)
        if (at == 0 or not _word_character(text[at - 1])) and (after == end or not _word_character(text[after])):
            found += 1
            if found == enough:
                break
        at = text.find(word, after)
    return found


def _word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


# -- fixes -------------------------------------------------------------------------------------
def no_grad_edits(ctx: FileContext, site: InPlaceSite, group_with: Callable[[ast.stmt], bool]) -> list[Edit] | None:
    """Wrap the site's statement, with the adjacent statements ``group_with`` accepts, in one
    ``with torch.no_grad():`` block (every finding of the group carries the same edits)."""
    if not isinstance(site.stmt, _SIMPLE_STATEMENTS):
        return None
    body = body_containing(ctx, site.stmt)
    if body is None:
        return None
    index = statement_index(ctx, site.stmt)
    start = end = index
    while start > 0 and group_with(body[start - 1]):
        start -= 1
    while end + 1 < len(body) and group_with(body[end + 1]):
        end += 1
    return no_grad_block(ctx, body[start : end + 1])


def drop_keyword_edit(ctx: FileContext, call: ast.Call, name: str) -> Edit | None:
    """Delete ``name=...`` from ``call``'s arguments, with its separating comma."""
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    arguments.sort(key=lambda n: (n.lineno, n.col_offset))
    keyword = next((k for k in call.keywords if k.arg == name), None)
    if keyword is None or not hasattr(keyword, "lineno"):
        return None
    index = arguments.index(keyword)
    span = ctx.doc.node_span(keyword)
    if index > 0:
        start = ctx.doc.node_span(arguments[index - 1]).end
        return Edit.delete(type(span)(start, span.end))
    if index + 1 < len(arguments):
        return Edit.delete(type(span)(span.start, ctx.doc.node_span(arguments[index + 1]).start))
    return Edit.delete(span)


def receiver_text(ctx: FileContext, site: InPlaceSite) -> str:
    return source_of(ctx, site.receiver)


def statements_of(sites: list[InPlaceSite], keep: Callable[[InPlaceSite], bool]) -> set[int]:
    """The statements (by id) holding the sites that ``keep`` accepts."""
    return {id(site.stmt) for site in sites if keep(site)}
