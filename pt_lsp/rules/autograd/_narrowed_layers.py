"""PTL203's layers known by an ``isinstance`` test: ``def init_weights(m): if isinstance(m,
nn.Linear): m.weight.uniform_(-0.1, 0.1)`` (run by ``model.apply(init_weights)``, or over
``self.modules()``). Inside the test's body ``m`` is a ``torch.nn`` layer of that class, and the
``weight`` of the classes below is always an ``nn.Parameter``; a ``bias`` (and a norm layer's
``weight``) counts under an ``m.bias is not None`` test, or where every construction of the
class in the file keeps it (``bias=``/``affine=`` left on; none in the file: unknown). Whether
recording is on where the function runs (a ``model.apply(...)`` under ``no_grad``) is
``GradMode``'s question, asked for every site."""

from __future__ import annotations

import ast

from pt_lsp.core.context import FileContext, PerFile

# layers whose `weight` is an nn.Parameter whatever the constructor was given
ALWAYS_WEIGHTED = frozenset(
    f"torch.nn.{name}"
    for name in (
        "Linear Bilinear Embedding EmbeddingBag Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d"
    ).split()
)
# layers whose `weight` and `bias` exist where they are built with `affine` (`elementwise_affine`)
# left on: counted where every construction of the class in the file keeps it (at least one)
AFFINE = {
    **{f"torch.nn.BatchNorm{d}d": ("affine", True) for d in (1, 2, 3)},
    **{f"torch.nn.InstanceNorm{d}d": ("affine", False) for d in (1, 2, 3)},
    "torch.nn.GroupNorm": ("affine", True),
    "torch.nn.LayerNorm": ("elementwise_affine", True),
}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def narrowed_layer(ctx: FileContext, expr: ast.Attribute) -> ast.Call | None:
    """The ``isinstance(m, nn.Linear)`` test that shows ``m.weight`` (``expr``) is a parameter, or
    None. ``m`` is a name not rebound inside the test's ``if``; every class tested is one of
    :data:`ALWAYS_WEIGHTED`."""
    if expr.attr not in ("weight", "bias") or not isinstance(expr.value, ast.Name):
        return None
    name = expr.value.id
    found: ast.Call | None = None
    bias_checked = False
    child: ast.AST = expr
    node = ctx.parent(expr)
    while node is not None and not isinstance(node, _FUNCTIONS):
        if isinstance(node, ast.If) and any(child is s for s in node.body):
            for test in _conjuncts(node.test):
                tested = _isinstance_test(ctx, test, name)
                if tested is not None and found is None:
                    if any(
                        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
                        for n in ast.walk(node)
                    ):
                        return None  # rebound inside the test's body
                    found = tested
                bias_checked = bias_checked or _not_none(test, name, "bias")
        child, node = node, ctx.parent(node)
    if found is None:
        return None
    classes = [ctx.qualname(c) or "" for c in _classes(found)]
    if not all(_has(ctx, cls, expr.attr, bias_checked) for cls in classes):
        return None
    return found


def _classes(test: ast.Call) -> list[ast.expr]:
    tested = test.args[1]
    return list(tested.elts) if isinstance(tested, ast.Tuple) else [tested]


def _has(ctx: FileContext, cls: str, attr: str, bias_checked: bool) -> bool:
    """Every ``cls`` layer has ``attr`` as a parameter: always (a weighted layer's weight), or
    where every construction of the class in the file keeps it (``bias=``, ``affine=`` left on)."""
    if cls == "torch.nn.Embedding" or cls == "torch.nn.EmbeddingBag":
        return attr == "weight"
    if attr == "weight" and cls in ALWAYS_WEIGHTED:
        return True
    if attr == "bias" and bias_checked:
        return cls in ALWAYS_WEIGHTED or cls in AFFINE
    built = _constructions(ctx).get(cls, [])
    if not built:
        return False  # made elsewhere (another file, a library): unknown
    flags: list[tuple[str, bool]] = []
    if cls in AFFINE:
        flags.append(AFFINE[cls])
    if attr == "bias":
        flags.append(("bias", True))
    return all(_kept(call, cls, keyword, default) for call in built for keyword, default in flags)


def _position(cls: str, keyword: str) -> int:
    """Where the constructor takes ``keyword`` positionally (``nn.Linear(a, b, False)``)."""
    name = cls.rsplit(".", 1)[-1]
    if keyword == "bias":
        return {"Linear": 2, "Bilinear": 3, "LayerNorm": 3}.get(name, 7)  # Conv*, ConvTranspose*: 7
    return 2 if name == "LayerNorm" else 3  # `affine` of the norms, `elementwise_affine`


def _kept(call: ast.Call, cls: str, keyword: str, default: bool) -> bool:
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    for k in call.keywords:
        if k.arg == keyword:
            return isinstance(k.value, ast.Constant) and k.value.value is True
        if k.arg is None:
            return False  # `**kwargs`: unknown
    position = _position(cls, keyword)
    if len(call.args) > position:
        given = call.args[position]
        return isinstance(given, ast.Constant) and given.value is True
    return default


@PerFile
def _constructions(ctx: FileContext) -> dict[str, list[ast.Call]]:
    """The file's ``torch.nn`` layer constructions by class, found once per file."""
    found: dict[str, list[ast.Call]] = {}
    for call in ctx.index.of(ast.Call):
        qualname = ctx.qualname(call.func)
        if qualname in ALWAYS_WEIGHTED or qualname in AFFINE:
            found.setdefault(qualname, []).append(call)
    return found


def _conjuncts(test: ast.expr) -> list[ast.expr]:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return list(test.values)
    return [test]


def _isinstance_test(ctx: FileContext, test: ast.expr, name: str) -> ast.Call | None:
    if not (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and ctx.names.binding("isinstance", test.func) is None
        and len(test.args) == 2
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id == name
    ):
        return None
    classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
    if classes and all(ctx.qualname(c) in ALWAYS_WEIGHTED or ctx.qualname(c) in AFFINE for c in classes):
        return test
    return None


def _not_none(test: ast.expr, name: str, attr: str) -> bool:
    """``m.bias is not None``."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Attribute)
        and test.left.attr == attr
        and isinstance(test.left.value, ast.Name)
        and test.left.value.id == name
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.IsNot)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    )
