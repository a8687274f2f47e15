"""How a class may register a plain container's contents another way (PTL301): handing the
container to a call (`nn.Sequential(*self.layers)`), giving its items to a registering container,
registering by name (`add_module(f"l{i}", layer)`), or keeping the element it picks under another
attribute. One walk of the class answers it for every attribute."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pt_lsp.core.context import FileContext
from pt_lsp.core.walk import subtree
from pt_lsp.rules.modules._module_evidence import is_self_attr
from pt_lsp.rules.modules._registration_evidence import Container

_REGISTERING_CALLS = {"add_module", "register_module", "register_parameter", "setattr"}
_READING_BUILTINS = {
    "len",
    "enumerate",
    "zip",
    "range",
    "print",
    "isinstance",
    "reversed",
    "iter",
    "sorted",
    "sum",
    "any",
    "all",
    "min",
    "max",
    "str",
    "repr",
}


@dataclass
class HandedOn:
    """What the calls of one class may register or hand on, from one walk of the class (a walk
    per attribute would make a class of n attributes cost n walks)."""

    anything: bool = False  # a registering call with a computed name: ``add_module(f"l{i}", layer)``
    attributes: set[str] = field(default_factory=set)  # ``self.<attr>`` given to a call
    names: set[str] = field(default_factory=set)  # local names given to a call
    # ``self.<attr>[i]`` given to a registering container (``nn.Sequential(self.layers[0], ...)``):
    # the indices given, None for one not constant
    items: dict[str, set[int | None]] = field(default_factory=dict)


_TORCH_CONTAINERS = {"torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}


def handed_on(ctx: FileContext, cls: ast.ClassDef) -> HandedOn:
    found = HandedOn()
    picked: dict[str, str] = {}  # local name -> the self attribute it holds an element of
    returned: set[str] = set()  # local names some method returns
    for node in subtree(cls):
        if isinstance(node, (ast.Assign, ast.Return)):
            _note_picked(node, found, picked, returned)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "__setattr__" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "self":
            name = "add_module"  # `self.__setattr__(f"fc{i}", fc)` registers as add_module does (audit-8 G3)
        if name in _REGISTERING_CALLS:
            _note_registering(node, name, found)
        if isinstance(func, ast.Name) and name in _READING_BUILTINS:
            continue  # `len(self.layers)`, `enumerate(self.layers)` only read it
        container = ctx.qualname(func) in _TORCH_CONTAINERS
        if container and _called_at_once(ctx, node):
            continue  # `nn.Sequential(*self.layers)(x)`: a container built, used and dropped registers nothing
        for argument in (*node.args, *(k.value for k in node.keywords)):
            if container:
                _note_items(argument, found)
            inner = argument.value if isinstance(argument, ast.Starred) else argument
            if container:
                inner = _contents_of(inner)
            if is_self_attr(inner):
                found.attributes.add(inner.attr)
            elif isinstance(inner, ast.Name):
                found.names.add(inner.id)
    found.attributes.update(held for name, held in picked.items() if name in returned)
    return found


def _note_picked(node: ast.Assign | ast.Return, found: HandedOn, picked: dict[str, str], returned: set[str]) -> None:
    """An element of the container kept under another attribute (``self.backbone =
    self.choices[name]``) or returned (``return self.choices[name]``, also through a local): the
    module chosen is registered where it lands; the container only holds the alternatives."""
    value = node.value
    source = value.value if isinstance(value, ast.Subscript) else None
    if source is not None and is_self_attr(source):
        held = source.attr
    elif isinstance(value, ast.Name) and isinstance(node, ast.Return):
        returned.add(value.id)
        return
    else:
        return
    if isinstance(node, ast.Return):
        found.attributes.add(held)
        return
    for target in node.targets:
        if is_self_attr(target):
            found.attributes.add(held)
        elif isinstance(target, ast.Name):
            picked[target.id] = held


def registered_another_way(handed: HandedOn, value: ast.AST, attribute: str, container: Container) -> bool:
    """The container is handed to a call (``nn.Sequential(*self.layers)``, ``nn.ModuleList(layers)``),
    each of its items is given to a registering container (``nn.Sequential(self.layers[0], act,
    self.layers[1])``), or the class registers things by name (``add_module``): its contents may
    well be registered."""
    local = value.id if isinstance(value, ast.Name) else None
    if handed.anything or attribute in handed.attributes or (local is not None and local in handed.names):
        return True
    given = handed.items.get(attribute, set())
    if None in given:
        return True  # `self.layers[i]` in a loop: may be every item
    literal = isinstance(value, (ast.List, ast.Tuple)) and len(container.elements) == len(value.elts)
    return literal and bool(given) and given >= set(range(len(container.elements)))


def _note_items(argument: ast.expr, found: HandedOn) -> None:
    """``self.layers[0]`` given to a registering container, also inside a list display or a
    comprehension given to it (``nn.ModuleList([self.blocks[i] for i in range(n)])``)."""
    parts: list[ast.expr] = [argument]
    if isinstance(argument, (ast.List, ast.Tuple)):
        parts = list(argument.elts)
    elif isinstance(argument, (ast.ListComp, ast.GeneratorExp)):
        parts = [argument.elt]
    for part in parts:
        if isinstance(part, ast.Subscript) and is_self_attr(part.value):
            index = part.slice
            given = index.value if isinstance(index, ast.Constant) and isinstance(index.value, int) else None
            found.items.setdefault(part.value.attr, set()).add(given)


def _contents_of(argument: ast.expr) -> ast.expr:
    """The container whose objects a registering container gets through a copy or a view of it:
    ``nn.ModuleList(list(self.convs.values()))`` registers the very modules of ``self.convs``
    (audit-7 G6: the dict then serves as a lookup table only)."""
    while isinstance(argument, ast.Call) and not argument.keywords:
        func = argument.func
        if isinstance(func, ast.Name) and func.id in ("list", "tuple") and len(argument.args) == 1:
            argument = argument.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in ("values", "items") and not argument.args:
            argument = func.value
        else:
            break
    return argument


def _called_at_once(ctx: FileContext, call: ast.Call) -> bool:
    parent = ctx.parent(call)
    return isinstance(parent, ast.Call) and parent.func is call


def _note_registering(call: ast.Call, name: str, found: HandedOn) -> None:
    """A registering call may register the container's contents where its name is computed
    (``add_module(f"layer{i}", layer)``) or it is given the container. ``setattr(self, "scale",
    2.0)`` or ``setattr(args, ...)`` registers something else."""
    arguments = call.args
    if name == "setattr":
        if not arguments or not (isinstance(arguments[0], ast.Name) and arguments[0].id == "self"):
            return
        arguments = arguments[1:]
    if not arguments or not (isinstance(arguments[0], ast.Constant) and isinstance(arguments[0].value, str)):
        found.anything = True
        return
    for part in (*arguments[1:], *(k.value for k in call.keywords)):
        for inner in ast.walk(part):
            if is_self_attr(inner):
                found.attributes.add(inner.attr)
            elif isinstance(inner, ast.Name):
                found.names.add(inner.id)
