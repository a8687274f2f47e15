"""Which values PTL302 counts as plain tensors made in ``__init__``: made by a torch factory or
a conversion with dimensions, by ``getattr(torch, name)`` of a factory's name, by a helper of the
file or a method of the class returning one, or a local or a constructor argument bound only to
such, each made with no device of its own (``_device_moves``). Split from
``unregistered_buffer`` to keep the question "is this a plain tensor, and who made it" in one place."""

from __future__ import annotations

import ast

from pt_lsp.core.classes import ClassInfo
from pt_lsp.core.context import FileContext, PerFile
from pt_lsp.core.evidence.reaching import (
    instantiation_arguments,
    local_function,
    name_uses,
    parameter_of,
    reaching_values,
    returned_values,
)
from pt_lsp.core.evidence.tensors import TENSOR_METHODS
from pt_lsp.core.vocabulary import FACTORIES
from pt_lsp.core.walk import own_nodes
from pt_lsp.rules.modules._device_moves import RESHAPES, placed_somewhere, placement_free
from pt_lsp.rules.modules._dimensions import (
    data_with_dims,
    indexes,
    is_none,
    is_none_index,
    keeps_dims,
    module_constants,
)
from pt_lsp.rules.modules._module_evidence import Function, is_self_attr, tensor_value

CONVERSIONS = {"torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.from_numpy"}


# torch factories whose result has at least one dimension whenever they are given a size
NAMED_FACTORIES = frozenset(
    f"torch.{name}" for name in "zeros ones empty rand randn arange linspace logspace eye randperm full".split()
) | frozenset(f for f in FACTORIES if f.endswith("_window"))


def tensor_values(ctx: FileContext, init: Function, value: ast.expr) -> list[ast.Assign] | None:
    """Whether ``value`` is a plain tensor: [] when it is made right there, the assignments of
    the local tensor it names (``pe = torch.zeros(...)``, ``pe = pe.unsqueeze(0)``), or None."""
    if not isinstance(value, ast.Name):
        if plain_tensor(ctx, value):
            return []
        if not placement_free(ctx, value):
            return None  # `xs.to(device)`: placed where it is made, whatever `xs` was
        root = _root_name(value)  # `bounds[0:1]`, `bounds[1:2] - bounds[0:1]`: views of one name
        return tensor_values(ctx, init, root) if root is not None else None
    name = value.id
    assignments: list[ast.Assign] = []
    understood: set[int] = set()  # the Name targets of those assignments and of `pe *= 2`
    stores: list[ast.Name] = []
    passed: list[ast.expr] | None = None
    for node in own_nodes(init):
        if isinstance(node, ast.arg) and node.arg == name:
            passed = instantiation_arguments(ctx, init, name)
            if passed is None:
                return None  # the caller's value, unknown
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if len(node.targets) != 1:
                return None
            assignments.append(node)
            understood.add(id(node.targets[0]))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            understood.add(id(node.target))
        elif isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            stores.append(node)
    if any(id(n) not in understood for n in stores):
        return None  # bound by a loop, an unpacking, `with`, `:=`...
    if not assignments and not stores and passed is None:
        # `self.mean = MEAN` of a module-level `MEAN = torch.tensor(...)`: one tensor, on the CPU
        constant = module_constants(ctx).get(name)
        return [constant] if constant is not None and plain_tensor(ctx, constant.value) else None
    made = [a for a in assignments if not _derived_from(a.value, name)]
    if passed is not None:  # a parameter: every call passes a plain tensor, or leaves a None default
        if not all(_plain_local(ctx, v, every=True) for v in passed if not is_none(v)):
            return None  # `freq / freq.sum()`: arithmetic of plain tensors is one (lda2vec #14)
        if any(is_none(v) for v in passed) and not made:
            return None
        if not passed and not made:
            return None
    elif not made:
        return None
    if not all(plain_tensor(ctx, a.value) for a in made):
        return None
    if not all(placement_free(ctx, a.value) for a in assignments):
        return None
    return made


# torch functions and tensor methods that draw values from the global generator
RANDOM_FACTORIES = frozenset(f"torch.{n}" for n in "rand randn randint randperm normal bernoulli multinomial".split())
RANDOM_FILLS = frozenset("normal_ uniform_ bernoulli_ random_ exponential_ cauchy_ log_normal_ geometric_".split())


def drawn_at_random(ctx: FileContext, values: list[ast.expr]) -> ast.Call | None:
    """The call that draws ``values`` at random from torch's global generator (``torch.randn(L, d)``,
    ``torch.empty(n).normal_()``), where the file seeds nothing (no call whose name has ``seed``)
    and no draw is given a ``generator=``: each construction of the module draws another table."""
    draws = [
        n
        for v in values
        for n in ast.walk(v)
        if isinstance(n, ast.Call)
        and (
            ctx.qualname(n.func) in RANDOM_FACTORIES
            or (isinstance(n.func, ast.Attribute) and n.func.attr in RANDOM_FILLS and ctx.qualname(n.func) is None)
        )
    ]
    if not draws or any(k.arg == "generator" for d in draws for k in d.keywords):
        return None
    for call in ctx.index.of(ast.Call):
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if "seed" in name.lower():
            return None  # seeded somewhere: the rebuilt table may be the same one
    return draws[0]


def checkpoint_call(ctx: FileContext) -> ast.Call | None:
    """The file's first ``x.load_state_dict(...)`` (else ``x.state_dict()``): the file saves a
    module's state or loads it into a rebuilt one, where a table missing from it is lost."""
    found: dict[str, ast.Call] = {}
    for call in ctx.index.of(ast.Call):
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("load_state_dict", "state_dict"):
            found.setdefault(call.func.attr, call)
    return found.get("load_state_dict") or found.get("state_dict")


def plain_tensor(ctx: FileContext, value: ast.expr, depth: int = 0) -> bool:
    if tensor_value(ctx, value) and placement_free(ctx, value):
        return True
    if isinstance(value, ast.Subscript) and keeps_dims(value) and depth < 5:
        return plain_tensor(ctx, value.value, depth + 1)  # `torch.arange(h)[:, None]`
    if _compared(ctx, value, depth):
        return True
    if _named_factory(ctx, value) and placement_free(ctx, value):
        return True
    if converted_with_dims(ctx, value):
        return True
    if isinstance(value, ast.BinOp) and placement_free(ctx, value) and depth < 5:
        # `torch.tensor(anchors).float() / stride`: a conversion with dimensions scaled by anything
        return plain_tensor(ctx, value.left, depth + 1) or plain_tensor(ctx, value.right, depth + 1)
    # `sample_b(sigma, size)`, `self._causal(n)`: a helper of the file or a method of the
    # class every return of which is a plain tensor
    helper = file_helper(ctx, value) if isinstance(value, ast.Call) and depth < 5 else None
    if helper is None and isinstance(value, ast.Call) and depth < 5:
        # `sinusoid_table(n, d)` imported from another file of the project: read with its names
        found = project_helper(ctx, value)
        if found is not None:
            other, helper = found
            returned = returned_values(helper)
            return bool(returned) and all(_plain_local(other, r, depth + 1) for r in returned or ())
    returned = returned_values(helper) if helper is not None else None
    return bool(returned) and all(_plain_local(ctx, r, depth + 1) for r in returned or ())


def project_helper(ctx: FileContext, call: ast.Call) -> tuple[FileContext, Function] | None:
    """The function of another file of the project that ``call`` calls, with that file's
    context (its code is read with its own names)."""
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None
    project = ctx.project
    entity = project.imported_name(call.func) if project.enabled else None
    if not isinstance(entity, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    other = project.context_of(entity)
    return (other, entity) if other is not None else None


def _compared(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    """``(torch.arange(h)[:, None] >= torch.arange(d)[None, :]).float()``: a comparison (or a
    tensor method of one) with a plain tensor among its operands is a plain tensor of that shape."""
    core = value
    while isinstance(core, ast.Call) and isinstance(core.func, ast.Attribute) and core.func.attr in TENSOR_METHODS:
        core = core.func.value
    if not isinstance(core, ast.Compare) or depth >= 5 or not placement_free(ctx, value):
        return False
    return any(plain_tensor(ctx, operand, depth + 1) for operand in (core.left, *core.comparators))


def plain_or_returned(ctx: FileContext, info: ClassInfo, value: ast.expr) -> bool:
    """A plain tensor made right there, or by a method of the class (``self.one_hot(...)``)
    every return of which is one (a local name counts with the value that reaches it)."""
    if plain_tensor(ctx, value):
        return True
    if not (isinstance(value, ast.Call) and is_self_attr(value.func)):
        return False
    method = info.methods.get(value.func.attr)
    returned = returned_values(method) if method is not None else None
    return bool(returned) and all(_plain_local(ctx, r) for r in returned or ())


def _plain_local(ctx: FileContext, value: ast.AST, depth: int = 0, every: bool = False) -> bool:
    # depth counts the hops from a name to its values (which may cycle); a step into a
    # subexpression is bounded by the expression's size. `every`: each side of arithmetic must be
    # plain or a number (a constructor's argument may combine a table with a device tensor).
    if depth > 6 or not isinstance(value, ast.expr):
        return False
    if plain_tensor(ctx, value, depth):
        return True
    if isinstance(value, ast.BinOp):  # `w / scale`: a plain tensor combined with anything stays one
        sides = (value.left, value.right)
        if every:
            numbers = [s for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (int, float))]
            others = [_reduced(s) for s in sides if all(s is not n for n in numbers)]
            return (
                placement_free(ctx, value) and bool(others) and all(_plain_local(ctx, s, depth, every) for s in others)
            )
        return placement_free(ctx, value) and any(_plain_local(ctx, s, depth) for s in sides)
    if isinstance(value, ast.UnaryOp) and not isinstance(value.op, ast.Not):  # `-distances`
        return _plain_local(ctx, value.operand, depth, every)
    if isinstance(value, ast.Call) and value.args and ctx.qualname(value.func) == "torch.autograd.Variable":
        # `Variable(w.expand(...))` of old code (pytorch-ssim's window): the tensor itself
        return placement_free(ctx, value) and _plain_local(ctx, value.args[0], depth, every)
    root: ast.expr = value
    while (
        isinstance(root, ast.Call)
        and isinstance(root.func, ast.Attribute)
        and ctx.qualname(root.func) not in TORCH_ARITHMETIC  # `torch.outer(k, k)` is no method of `torch`
        and _same_place(ctx, root, depth)
    ):
        if not placement_free(ctx, root):
            return False
        root = root.func.value
    if _joined_appends(ctx, root, depth) or _torch_of_plain(ctx, root, depth, every):
        return True
    if root is not value and isinstance(root, ast.Call) and plain_tensor(ctx, root, depth):
        return True  # `gaussian(size, 1.5).unsqueeze(1)`: a method of a helper's plain tensor
    if isinstance(root, ast.Name):
        values: list[ast.AST] | None = reaching_values(ctx, root)
        if values is None:
            values = list(_constructor_arguments(ctx, root) or ()) or None
        return bool(values) and all(_plain_local(ctx, v, depth + 1, every) for v in values or ())
    if root is not value and isinstance(root, (ast.BinOp, ast.UnaryOp)):
        return _plain_local(ctx, root, depth, every)  # `(a * b).unsqueeze(0)`: the arithmetic's tensor
    return False


# tensor methods that compute on the receiver's device with what they are given (`w1.mm(w1.t())`,
# `g.div(g.sum())`): of a plain CPU tensor and plain tensors or numbers, a plain CPU tensor
ARITHMETIC = frozenset(
    "mm matmul bmm mul add sub div pow exp log sqrt abs neg sum mean cumsum softmax outer ger kron"
    " sin cos tril triu flip roll bool long int byte masked_fill repeat_interleave".split()
)


def _same_place(ctx: FileContext, call: ast.Call, depth: int) -> bool:
    """A method call that leaves a plain receiver plain: a shape or dtype method, or arithmetic
    whose operands are numbers or plain tensors themselves."""
    if not isinstance(call.func, ast.Attribute):
        return False
    if call.func.attr in TENSOR_METHODS:
        return True
    if call.func.attr not in ARITHMETIC or call.keywords:
        return False
    return all(
        (isinstance(a, ast.Constant) and isinstance(a.value, (int, float))) or _plain_local(ctx, a, depth)
        for a in call.args
    )


# torch functions that compute on their tensors' device (`torch.outer(k, k)`, `torch.exp(-d)`,
# `torch.stack([a, b])`): of plain CPU tensors, numbers and strings, a plain CPU tensor
TORCH_ARITHMETIC = frozenset(f"torch.{name}" for name in ARITHMETIC | {"einsum", "cat", "stack", "where", "clamp"})
SHAPE_KEYWORDS = frozenset({"dim", "dtype", "diagonal", "dims", "min", "max"})


def _torch_of_plain(ctx: FileContext, call: ast.expr, depth: int, every: bool) -> bool:
    if not (isinstance(call, ast.Call) and ctx.qualname(call.func) in TORCH_ARITHMETIC and call.args):
        return False
    if any(k.arg not in SHAPE_KEYWORDS for k in call.keywords):
        return False  # `device=`, `out=`: placed by the call, or written into another tensor
    operands = [e for a in call.args for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
    tensors = [a for a in operands if not isinstance(a, ast.Constant)]
    return bool(tensors) and all(_plain_local(ctx, a, depth + 1, every) for a in tensors)


JOINS = {"torch.cat", "torch.stack", "torch.vstack", "torch.hstack", "torch.concat", "torch.concatenate"}


def _joined_appends(ctx: FileContext, value: ast.expr, depth: int) -> bool:
    """``torch.cat(cols, dim=1)`` of a local list bound only to displays of plain tensors (``[]``)
    that its function changes only by ``cols.append(<plain tensor>)`` (CROMA's ALiBi bias, built
    pair by pair): the join of plain CPU tensors is one."""
    if not (isinstance(value, ast.Call) and ctx.qualname(value.func) in JOINS and value.args):
        return False
    listed = value.args[0]
    if not isinstance(listed, ast.Name) or not placement_free(ctx, value):
        return False
    bound = reaching_values(ctx, listed)
    if not bound or not all(isinstance(b, ast.List) for b in bound):
        return False
    items = [e for b in bound if isinstance(b, ast.List) for e in b.elts]
    scope = _function_of(ctx, listed)
    for use in name_uses(ctx, listed.id):
        if use is listed or _function_of(ctx, use) is not scope:
            continue
        parent = ctx.parent(use)
        if isinstance(use.ctx, ast.Store) and isinstance(parent, ast.Assign) and any(parent.value is b for b in bound):
            continue
        if isinstance(parent, ast.Attribute) and parent.attr == "append":
            call = ctx.parent(parent)
            if isinstance(call, ast.Call) and call.func is parent and len(call.args) == 1:
                items.append(call.args[0])
                continue
        return False  # read, extended, rebound, handed on: not only a list of these items
    return bool(items) and all(_plain_local(ctx, item, depth + 1) for item in items)


def _function_of(ctx: FileContext, node: ast.AST) -> ast.AST | None:
    scope = ctx.parent(node)
    while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        scope = ctx.parent(scope)
    return scope


def plain_item(ctx: FileContext, value: ast.expr) -> bool:
    """An item put into a container in ``__init__`` is a plain tensor: made there, or a local (or
    constructor argument) every value of which is one."""
    return _plain_local(ctx, value, every=True)


def _reduced(value: ast.expr) -> ast.expr:
    """The tensor a method call is made on (``freq`` of ``freq.sum()``): a method of a CPU tensor
    leaves a CPU tensor or a number, where it moves nothing (the caller checks placement)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and not value.args:
        value = value.func.value
    return value


def _constructor_arguments(ctx: FileContext, name: ast.Name) -> list[ast.expr] | None:
    """What every instantiation in the file passes for ``name`` when it reads a parameter of an
    ``__init__`` that never rebinds it (``counts`` in ``freq = counts.float() ** 0.75``); None
    where one leaves it out at a None default, or the class is used any other way."""
    found = parameter_of(ctx, name)
    if found is None or found[0].name != "__init__":
        return None
    passed = instantiation_arguments(ctx, *found)
    return None if passed is None or any(is_none(v) for v in passed) else passed


def converted_with_dims(ctx: FileContext, value: ast.expr) -> bool:
    """``torch.tensor(data)`` of data with dimensions (a list; a parameter of ``__init__`` every
    instantiation passes a list for; a local bound only to lists), or any such conversion
    reshaped (``torch.tensor(mean).view(-1, 1, 1)`` has at least one dimension)."""
    reshaped, root = False, value
    while True:
        if isinstance(root, ast.Call) and isinstance(root.func, ast.Attribute) and root.func.attr in TENSOR_METHODS:
            reshaped = reshaped or (root.func.attr in RESHAPES and bool(root.args))
            root = root.func.value
        elif isinstance(root, ast.Subscript) and keeps_dims(root):
            # `torch.tensor(mean)[None, :, None, None]`: `None` adds a dimension, slices keep them
            reshaped = reshaped or any(is_none_index(i) for i in indexes(root))
            root = root.value
        else:
            break
    if not (isinstance(root, ast.Call) and ctx.qualname(root.func) in CONVERSIONS and root.args):
        return False
    if not placement_free(ctx, value) or placed_somewhere(ctx, root.args[0]):
        return False  # `torch.tensor(t)` of a placed tensor `t` is a copy on `t`'s device
    return reshaped or data_with_dims(ctx, root.args[0])


def _named_factory(ctx: FileContext, value: ast.expr) -> bool:
    """``getattr(torch, name)(n)`` where every string the file gives ``name`` (a constant, a
    parameter's default or what each instantiation passes, also through an enclosing class's
    ``__init__``) names a torch factory: ``window="hann_window"`` chooses ``torch.hann_window``."""
    if not (isinstance(value, ast.Call) and value.args and isinstance(value.func, ast.Call)):
        return False
    chooser = value.func
    if not (isinstance(chooser.func, ast.Name) and chooser.func.id == "getattr" and len(chooser.args) == 2):
        return False
    if ctx.names.binding("getattr", chooser.func) is not None or ctx.qualname(chooser.args[0]) != "torch":
        return False
    names = _constant_strings(ctx, chooser.args[1], 0)
    return bool(names) and all(f"torch.{name}" in NAMED_FACTORIES for name in names or ())


def _constant_strings(ctx: FileContext, expr: ast.expr, depth: int) -> list[str] | None:
    """Every string ``expr`` may be: a constant, or a parameter of an ``__init__`` that no
    statement rebinds, with what each instantiation in the file passes (its default where left
    out); None when some value is not known."""
    if isinstance(expr, ast.Constant):
        return [expr.value] if isinstance(expr.value, str) else None
    if not isinstance(expr, ast.Name) or depth > 3:
        return None
    init: ast.AST | None = ctx.parent(expr)
    while init is not None and not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        init = ctx.parent(init)
    if not isinstance(init, ast.FunctionDef) or init.name != "__init__":
        return None
    if expr.id not in {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}:
        return None
    if any(isinstance(n, ast.Name) and n.id == expr.id and isinstance(n.ctx, ast.Store) for n in own_nodes(init)):
        return None
    passed = instantiation_arguments(ctx, init, expr.id)
    if not passed:
        return None
    found: list[str] = []
    for argument in passed:
        strings = _constant_strings(ctx, argument, depth + 1)
        if strings is None:
            return None
        found += strings
    return found


def file_helper(ctx: FileContext, call: ast.Call) -> Function | None:
    """The function of the file ``call`` calls: a module-level helper, or ``self.<method>``."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ctx.classes:
        owner = ctx.classes[func.value.id]  # `PositionalEncoding.make(d, n)`: a static method of a class of the file
        method = owner.method(func.attr) if ctx.names.resolve(func.value.id, func.value) is None else None
        static = method is not None and any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list
        )
        return method if static else None
    if not is_self_attr(call.func):
        return local_function(ctx, call)
    cls = ctx.enclosing_class(call)
    info = ctx.class_info(cls) if cls is not None else None
    method = info.method(call.func.attr) if info is not None else None
    return method if method is not None and method.name not in ("__init__", "forward") else None


def made_on_gpu(ctx: FileContext, function: Function, value: ast.expr, depth: int = 0) -> ast.Call | None:
    """The ``.cuda()`` that puts the plain tensor ``value`` on one fixed GPU: in the expression,
    in an assignment in ``function`` of a name it reads (``enc = enc.cuda()``), or in what the
    helper it calls returns (audit-13 G2). Such a tensor is where the model runs until the model
    is moved elsewhere (``model.cpu()``, a ``DataParallel`` replica)."""
    read = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    exprs = [value]
    for node in own_nodes(function) if read else ():
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in read for t in node.targets):
            exprs.append(node.value)
    if len(exprs) == 1:  # `self.mean = MEAN` of a module constant
        constants = module_constants(ctx)
        exprs += [constants[name].value for name in read if name in constants]
    for expr in exprs:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cuda":
                return node
    helper = file_helper(ctx, value) if isinstance(value, ast.Call) and depth < 3 else None
    if helper is None:
        return None
    for returned in returned_values(helper) or ():
        if isinstance(returned, ast.expr) and (found := made_on_gpu(ctx, helper, returned, depth + 1)) is not None:
            return found
    return None


def cuda_call(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr == "cuda"


@PerFile
def default_device_call(ctx: FileContext) -> ast.Call | None:
    """The file's ``torch.set_default_device(d)`` of a device other than the CPU: factories make
    their tensors on ``d``, which a model's later moves do not change. Once per file: each
    reported attribute asks."""
    if "set_default_device" not in ctx.doc.text:
        return None
    for call in ctx.index.of(ast.Call):
        if ctx.qualname(call.func) == "torch.set_default_device" and call.args:
            device = call.args[0]
            if not (isinstance(device, ast.Constant) and str(device.value).startswith("cpu")):
                return call
    return None


def _root_name(value: ast.expr) -> ast.Name | None:
    """The one name ``value`` is a view or an elementwise combination of (``b[0:1]``,
    ``b[1:2] - b[0:1]``, ``b.float() * 2``), keeping at least one dimension; else None."""
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
            value = value.func.value
        elif isinstance(value, ast.Subscript):
            parts = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
            if not any(isinstance(p, ast.Slice) for p in parts):
                return None  # an index may leave a scalar
            value = value.value
        else:
            break
    if isinstance(value, ast.BinOp):
        sides = [_root_name(side) if not isinstance(side, ast.Constant) else None for side in (value.left, value.right)]
        names = {side.id for side in sides if side is not None}
        constants = [side for side in (value.left, value.right) if isinstance(side, ast.Constant)]
        if len(names) == 1 and len(constants) + sum(side is not None for side in sides) == 2:
            return next(side for side in sides if side is not None)
        return None
    return value if isinstance(value, ast.Name) else None


def _derived_from(value: ast.expr, name: str) -> bool:
    """``value`` remakes the local tensor ``name`` from itself (``pe.unsqueeze(0)``, ``pe * 2``)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in TENSOR_METHODS:
        value = value.func.value
    if isinstance(value, ast.BinOp):
        return _derived_from(value.left, name) or _derived_from(value.right, name)
    if isinstance(value, ast.Subscript):
        return _derived_from(value.value, name)
    return isinstance(value, ast.Name) and value.id == name
