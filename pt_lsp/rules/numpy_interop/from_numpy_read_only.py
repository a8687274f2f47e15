"""PTL404: `torch.from_numpy` of a read-only array."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pt_lsp.core.context import FileContext
from pt_lsp.core.edits import body_containing, primary_text, statement_index
from pt_lsp.core.evidence.paths import evidence_path
from pt_lsp.core.evidence.reaching import call_site_arguments, instance_class, reaching_values, returned_values
from pt_lsp.core.findings import Applicability, Edit, Finding, Fix, Severity
from pt_lsp.core.flow.lattice import ReadOnly
from pt_lsp.core.flow.qualified import DATA_LOADERS
from pt_lsp.core.flow.trips import over_range
from pt_lsp.core.flow.values import Step
from pt_lsp.core.rule import Rule
from pt_lsp.core.walk import attr_path
from pt_lsp.rules.numpy_interop._bytes_buffers import is_bytes, is_read_only_map
from pt_lsp.rules.numpy_interop._inplace_writes import NOT_WRITING, WRITES, Write, block_writes, first_at, writes
from pt_lsp.rules.numpy_interop._read_only import read_only

SHARING_CONVERSIONS = {"torch.from_numpy", "torch.as_tensor", "torch.asarray"}
# The legacy constructors wrap an array as `from_numpy` does (torch warns for a read-only one
# whatever its dtype) and keep its memory where the dtype is theirs (a float32 array for
# `torch.Tensor`; checked under torch 2.13), else copy it.
LEGACY_CONSTRUCTORS = frozenset(
    f"torch.{t}Tensor" for t in ("", "Float", "Double", "Half", "Long", "Int", "Short", "Byte", "Char", "Bool")
)


# `torch.as_tensor(a, device=...)` wraps the array first (torch warns whatever the device); on the
# CPU the tensor keeps sharing its memory
WRAPPING_KEYWORDS = {"torch.as_tensor": {"device"}, "torch.asarray": {"device"}}


def _shares(ctx: FileContext, call: ast.Call) -> bool:
    """A conversion that wraps its array: no keyword, or only a ``device=`` that is the CPU
    (a constant, or a parameter's ``"cpu"`` default that no call of the file overrides)."""
    qualname = ctx.qualname(call.func)
    if qualname in LEGACY_CONSTRUCTORS:
        return not call.keywords
    if qualname not in SHARING_CONVERSIONS:
        return False
    allowed = WRAPPING_KEYWORDS.get(qualname or "", set())
    return all(k.arg in allowed and _cpu(ctx, k.value) for k in call.keywords)


def _immutable_buffer(ctx: FileContext, call: ast.Call) -> ast.expr | None:
    """The ``bytes`` object ``torch.frombuffer(buffer, dtype=...)`` wraps (it never copies)."""
    if not call.args or isinstance(call.args[0], ast.Starred) or ctx.qualname(call.func) != "torch.frombuffer":
        return None
    return call.args[0] if is_bytes(ctx, call.args[0]) else None


def _collated_items(ctx: FileContext, loader: ast.Call, reported: set[int]) -> Iterator[tuple[ast.expr, ReadOnly]]:
    """The read-only arrays the ``__getitem__`` of a dataset class of the file returns (itself, or
    an element of a returned tuple) to ``DataLoader(dataset)`` without a ``collate_fn``: the
    default collate (``default_convert`` without a batch size) wraps each with ``torch.as_tensor``."""
    if ctx.qualname(loader.func) not in DATA_LOADERS or any(
        k.arg is None or (k.arg == "collate_fn" and not (isinstance(k.value, ast.Constant) and k.value.value is None))
        for k in loader.keywords
    ):
        return
    dataset = loader.args[0] if loader.args else next((k.value for k in loader.keywords if k.arg == "dataset"), None)
    cls = instance_class(ctx, dataset) if dataset is not None and not isinstance(dataset, ast.Starred) else None
    getitem = [s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__getitem__"] if cls else []
    if len(getitem) != 1 or getitem[0].decorator_list:
        return
    for value in returned_values(getitem[0]) or ():
        # the collate recurses into tuples, lists and dicts
        items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
        for item in value.values if isinstance(value, ast.Dict) else items:
            if not isinstance(item, ast.expr) or isinstance(item, ast.Starred) or id(item) in reported:
                continue
            found = read_only(ctx, item) or ctx.flow.value(item).read_only
            if found is not None:
                reported.add(id(item))
                yield item, found


def _row_of_read_only(ctx: FileContext, array: ast.expr) -> ReadOnly | None:
    """``self.feats[idx]`` with an int index (``__getitem__``'s index, a ``range`` loop's
    variable) of a read-only array: a row, a view of the same memory (also through a name bound
    only to one). For ``from_numpy`` and the legacy constructors only: ``as_tensor`` takes the
    NumPy scalar an index of a 1-D array gives without a warning."""
    if isinstance(array, ast.Name):
        values = reaching_values(ctx, array)
        if not values or len(values) != 1 or not isinstance(values[0], ast.Subscript):
            return None
        array = values[0]
    if not isinstance(array, ast.Subscript) or not _int_index(ctx, array.slice):
        return None
    return read_only(ctx, array.value) or ctx.flow.value(array.value).read_only


def _int_index(ctx: FileContext, index: ast.expr) -> bool:
    """A name that holds an int where it is read: the index parameter of a ``__getitem__`` the
    function never rebinds, or the variable of a ``for`` loop over ``range(...)``."""
    if not isinstance(index, ast.Name):
        return False
    scope = ctx.names.scope_of(index).node
    if isinstance(scope, ast.FunctionDef) and scope.name == "__getitem__" and len(scope.args.args) == 2:
        if scope.args.args[1].arg == index.id:
            return not any(
                isinstance(n, ast.Name) and n.id == index.id and not isinstance(n.ctx, ast.Load)
                for n in ast.walk(scope)
            )
    current = ctx.parent(index)
    while current is not None and current is not scope:
        if isinstance(current, ast.For) and isinstance(current.target, ast.Name) and current.target.id == index.id:
            return over_range(current)
        current = ctx.parent(current)
    return False


def _cpu(ctx: FileContext, device: ast.expr) -> bool:
    if isinstance(device, ast.Constant):
        return device.value == "cpu"
    if isinstance(device, ast.Name):
        values = reaching_values(ctx, device) or call_site_arguments(ctx, device)
        return bool(values) and all(isinstance(v, ast.expr) and _cpu(ctx, v) for v in values or ())
    return False


class FromNumpyReadOnly(Rule):
    """
    ## What it does
    Flags `torch.from_numpy(a)` (and `torch.as_tensor(a)`, also with a CPU `device=`, which
    also shares memory, and the legacy constructors `torch.Tensor(a)`, `torch.FloatTensor(a)`,
    ..., which wrap the array too and keep its memory where its dtype is theirs) where `a` is a
    read-only array: `np.frombuffer` of a `bytes` object (or of a `memoryview` of one), an
    `np.ndarray(shape, dtype, buffer=...)` over one,
    `np.memmap(..., mode="r")`, `np.load(..., mmap_mode="r")`, a `np.broadcast_to` view,
    `np.asarray` of a PIL image (also `np.asarray(img, dtype=np.uint8)` of one converted to an
    8-bit mode: `convert("RGB")`, `convert("L")`), or an array made read-only with
    `a.flags.writeable = False` (or `a.flags["WRITEABLE"] = False`; `self.a.flags.writeable =
    False` in `__init__` holds in the class's other methods unless one rebinds `self.a`); also a
    view of one (`.reshape()` of a contiguous array, `.T`, a slice, `np.asarray(a)`; for
    `from_numpy` and the legacy constructors also a row `a[idx]` by a `__getitem__`'s index or a
    `range` loop's variable), a `self.a` that the class only ever assigns such arrays, an item
    of a `self.a` list that the class only fills with them (`append`, `insert`), `obj.a` where
    `obj = Cls(arr)` stores its argument, and what a helper of the file (or a method of an
    instance of a class of the file) returns (or is passed) in every case. The flow analysis
    follows such an array, and the `bytes` it views (`f.read()`, `f.read(size)`, `a.tobytes()`, the standard library's
    decoders: `base64.b64decode`, `zlib.decompress`, ...), through returned tuples,
    parameters, list elements and dict items (also of a `self.blobs` dict the class only fills
    with `self.blobs[key] = (payload, ...)`, unpacked where it is read);
    `astype(..., copy=False)` hands the same array back. A `DataLoader` over a dataset class of
    the file runs its `__getitem__` (or `__iter__`) with the instance's attributes, and an
    instance kept as a callable (`self.transform = ToTensor()`) runs its `__call__`. Also
    `torch.frombuffer(payload, dtype=...)` of such a `bytes` object, which never copies, and a
    read-only array that a dataset class's `__getitem__` returns (itself, or in a tuple, list or
    dict display) to a `DataLoader` of the file without a `collate_fn`, whose default collate
    wraps it with `torch.as_tensor`.

    ## Why is this bad?
    Tensors have no read-only flag. Torch warns once ("The given NumPy array is not writable,
    and PyTorch does not support non-writable tensors. This means writing to this tensor will
    result in undefined behavior") and hands out a writable tensor over the protected memory.
    An in-place op then writes into it: into an immutable Python `bytes` object, or, through a
    broadcast view, into the one row every row repeats, so one assignment changes all of them.
    Data-loading code (a transform that normalises in place) is where it happens.

    ## Example
    ```python
    frame = np.frombuffer(payload, dtype=np.uint8)
    image = torch.from_numpy(frame)
    image.div_(255)
    ```

    ## Use instead
    ```python
    image = torch.from_numpy(frame.copy())
    ```
    (or `torch.tensor(frame)`, which copies).

    ## Fix safety
    The fix copies the array first (`a.copy()`; the `bytes` object of `torch.frombuffer` into a
    `bytearray(...)`); it is safe: the values are the same, and the only writes it changes are the
    ones into protected memory, whose effect was undefined.

    ## References
    - [torch.from_numpy](https://pytorch.org/docs/stable/generated/torch.from_numpy.html)
    - [numpy.ndarray.flags (writeable)](https://numpy.org/doc/stable/reference/generated/numpy.ndarray.flags.html)
    """

    code = "PTL404"
    name = "from-numpy-read-only"
    summary = "`torch.from_numpy` of a read-only array: the tensor is writable and writes into protected memory"
    severity = Severity.WARNING

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        text = ctx.doc.text
        if not any(
            word in text for word in ("from_numpy", "as_tensor", "asarray", "Tensor(", "frombuffer", "DataLoader")
        ):
            return
        reported: set[int] = set()  # items of a dataset class that several loaders collate
        for call in ctx.index.of(ast.Call):
            buffer = _immutable_buffer(ctx, call)
            if buffer is not None:
                yield self.buffer_finding(ctx, call, buffer)
            for item, held in _collated_items(ctx, call, reported):
                yield self.collated_finding(ctx, call, item, held)
            if len(call.args) != 1 or not _shares(ctx, call):
                continue
            found = read_only(ctx, call.args[0]) or ctx.flow.value(call.args[0]).read_only
            if found is None and ctx.qualname(call.func) not in WRAPPING_KEYWORDS:
                found = _row_of_read_only(ctx, call.args[0])
            if found is None:
                continue
            array = call.args[0]
            steps = [Step(found.where, f"the array becomes read-only here: {found.reason}")]
            write = self.first_write(ctx, call)
            if write is not None:
                steps.append(Step(write, "the tensor is written in place here: into the read-only memory"))
            if ctx.qualname(call.func) in LEGACY_CONSTRUCTORS:
                shared = "torch warns, and a tensor of the array's own dtype shares its memory and is writable"
            else:
                shared = "but the tensor that shares its memory is writable"
            yield self.report(
                ctx,
                call,
                f"the array is read-only ({found.reason}), {shared}: "
                f"an in-place op writes into protected memory; copy the array first",
                related=evidence_path(ctx, steps),
                fixes=[
                    Fix(
                        "Copy the array: `.copy()`",
                        (Edit(ctx.doc.node_span(array), f"{primary_text(ctx, array)}.copy()"),),
                        Applicability.SAFE,
                    )
                ],
            )

    def collated_finding(self, ctx: FileContext, loader: ast.Call, item: ast.expr, found: ReadOnly) -> Finding:
        """A read-only array a dataset's ``__getitem__`` returns to a loader's default collate."""
        steps = [
            Step(found.where, f"the array becomes read-only here: {found.reason}"),
            Step(loader, "the loader's default collate converts each item with `torch.as_tensor`"),
        ]
        return self.report(
            ctx,
            item,
            f"`__getitem__` returns a read-only array ({found.reason}) to a `DataLoader` without a `collate_fn`: "
            "its default collate wraps it with `torch.as_tensor`, and torch warns that the array is not "
            "writable; copy the array first",
            related=evidence_path(ctx, steps),
            fixes=[
                Fix(
                    "Copy the array: `.copy()`",
                    (Edit(ctx.doc.node_span(item), f"{primary_text(ctx, item)}.copy()"),),
                    Applicability.SAFE,
                )
            ],
        )

    def buffer_finding(self, ctx: FileContext, call: ast.Call, buffer: ast.expr) -> Finding:
        """``torch.frombuffer(payload, dtype=...)`` of an immutable ``bytes`` object (or of a
        memory map opened read-only)."""
        mapped = is_read_only_map(ctx, buffer)
        what = "a read-only memory map" if mapped else "an immutable `bytes` object"
        steps = [Step(buffer, what)]
        write = self.first_write(ctx, call)
        if write is not None:
            steps.append(Step(write, f"the tensor is written in place here: into {what}"))
        return self.report(
            ctx,
            call,
            f"`torch.frombuffer` of {what}: the tensor shares its memory and is writable "
            "(torch warns that the buffer is not writable); an in-place op "
            f"{'writes into memory mapped read-only' if mapped else 'changes the bytes object'}; "
            "copy it into a `bytearray` first",
            related=evidence_path(ctx, steps),
            fixes=[
                Fix(
                    "Copy the buffer: `bytearray(...)`",
                    (Edit(ctx.doc.node_span(buffer), f"bytearray({ctx.doc.slice(ctx.doc.node_span(buffer))})"),),
                    Applicability.SAFE,
                )
            ],
        )

    @staticmethod
    def first_write(ctx: FileContext, call: ast.Call) -> Write | None:
        """The first in-place write into the tensor ``call`` makes: a method chained onto it, or
        one on the name it is assigned to, later in the same block (until the name is rebound)."""
        parent = ctx.parent(call)
        if isinstance(parent, ast.Attribute) and parent.value is call:
            outer, method = ctx.parent(parent), parent.attr
            if (
                isinstance(outer, ast.Call)
                and outer.func is parent
                and method.endswith("_")
                and not method.endswith("__")
                and method not in NOT_WRITING
            ):
                return outer
            return None
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and parent.value is call):
            return None
        path = attr_path(parent.targets[0])
        body = body_containing(ctx, parent)
        if path is None or body is None:
            return None
        block = block_writes(ctx, body)
        start = block.starts[statement_index(ctx, parent) + 1]
        rebound = first_at(block.rebinds.get(path.split(".")[0], []), start)
        for at in block.write_candidates(path, start, optimizers=False):
            if rebound is not None and at > rebound:
                return None  # rebound: another tensor from there on
            node = block.nodes[at]
            if isinstance(node, WRITES) and writes(ctx, node, path, {}):
                return node
        return None
