"""NumPy calls that convert tensors implicitly: each tensor reaches ``Tensor.__array__``, which
calls ``.numpy()`` (and so raises for a CUDA tensor or one that requires grad).

Checked under torch 2.13 with NumPy 2: the element-wise functions below convert every tensor
argument (``np.log(t)``) and each tensor of a list argument (``np.log10(losses)``); the functions
that take a sequence convert each tensor of a list (``np.sum([t1, t2], 0)``, ``np.array(losses)``);
``np.copy`` and ``np.atleast_1d`` convert either. A reduction of one tensor (``np.sum(t, axis=1)``)
calls ``t.sum(axis=...)`` instead and is not a conversion. Libraries that turn their data into
arrays with NumPy convert the same way: matplotlib's ``plt.plot(losses)``, scikit-learn's
``accuracy_score(labels, preds)`` (neither is installed here: from their reported errors).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from pt_lsp.core import vocabulary
from pt_lsp.core.context import FileContext
from pt_lsp.core.evidence.reaching import reaching_values
from pt_lsp.core.flow.values import Kind, Value

from ._axes import axes_method

ELEMENTWISE = frozenset(
    f"numpy.{name}"
    for name in (
        "log log2 log10 log1p exp exp2 expm1 sqrt square abs absolute sin cos tan tanh sinh cosh arctan "
        "sign floor ceil reciprocal negative maximum minimum power multiply add subtract divide clip "
        # NumPy's other ufuncs convert the same way (each raised on a tensor that requires grad, torch 2.13)
        "isnan isinf isfinite isneginf isposinf nan_to_num rint trunc mod fmod arctan2 hypot floor_divide "
        "logical_and logical_or logical_not greater greater_equal less less_equal equal not_equal "
        "deg2rad rad2deg degrees radians signbit heaviside"
        # comparisons of two arrays (`np.allclose(enc.weight[i], enc.weight[j])`: fastai course-nlp#47)
        " allclose isclose array_equal array_equiv"
    ).split()
)
FROM_SEQUENCE = frozenset(
    f"numpy.{name}"
    for name in (
        "array asarray asanyarray sum mean std var stack concatenate vstack hstack max min median prod".split()
    )
)
# `np.asanyarray` / `np.array(copy=True)` of their argument, whether one tensor or a list of them.
# NumPy's method-forwarding functions (`np.transpose(t, (1, 2, 0))`, `np.argmax(t, axis=1)`) first
# call the tensor's method of that name; torch's rejects NumPy's arguments (`axes`, `axis=`,
# `out=None`), so NumPy converts the tensor and wraps the result (checked under torch 2.13 on a
# CPU tensor that requires grad and under fake-cuda). `np.squeeze`, `np.swapaxes` and
# `np.nonzero` are left out: torch's methods accept those calls and nothing is converted.
CONVERTS_ARGUMENT = frozenset(
    f"numpy.{name}"
    for name in (
        "copy atleast_1d atleast_2d atleast_3d ravel transpose reshape argmax argmin argsort sort unique where "
        "round around cumsum cumprod repeat take diagonal trace partition searchsorted ptp expand_dims rot90 "
        # statistics, histograms and products of an array (each raised on a tensor that requires grad)
        "percentile quantile nanpercentile nanquantile histogram histogram2d nanmean nanstd nanvar nansum "
        "nanmax nanmin nanmedian average cov corrcoef dot matmul outer inner tile diff append interp "
        "bincount count_nonzero zeros_like ones_like empty_like full_like linalg.norm"
        # the flat index of an argmax (`np.unravel_index(idx[best], shape)`: DCFNet_pytorch#23)
        " unravel_index"
    ).split()
)
# matplotlib's plotting functions turn each data argument (a tensor, a list of them) into an array.
PLOTTING = frozenset(
    f"matplotlib.pyplot.{name}"
    for name in "plot scatter hist imshow bar barh semilogx semilogy loglog errorbar fill_between stem step".split()
)
# matplotlib's patches keep their corners and sizes, which the axes turn into an array when the
# patch is added (`add_patch(plt.Rectangle((box[0], box[1]), w, h))` of a CUDA detection's box:
# Faster-R-CNN-with-model-pretrained-on-Visual-Genome#19; Bbox.from_extents' np.array).
PATCHES = frozenset(
    f"matplotlib.{module}.{name}"
    for module in ("pyplot", "patches")
    for name in "Rectangle Circle Ellipse Polygon Arrow FancyBboxPatch".split()
)
# scikit-learn's metrics and scalers validate their inputs into arrays (`accuracy_score(labels, preds)`,
# `minmax_scale(norms)`: check_array's np.asarray).
# SciPy's numeric functions do the same with np.asarray (`scipy.stats.pareto.logpdf(x, alpha)` of
# a distribution's parameters: pytorch#93677); not scipy.optimize (callables) nor scipy.io (dicts).
LIBRARY_CONVERTERS = (
    "sklearn.metrics.",
    "sklearn.preprocessing.",
    *(f"scipy.{m}." for m in "stats special signal ndimage spatial linalg interpolate fft cluster".split()),
)
# scikit-learn estimators validate what their methods are given the same way
# (`TSNE(n_components=2).fit_transform(embeddings)`, `pca.transform(features)`).
ESTIMATOR_METHODS = frozenset(
    "fit fit_transform transform predict predict_proba fit_predict partial_fit score decision_function "
    "inverse_transform kneighbors".split()
)
# NumPy functions that convert an array given by keyword: `np.random.choice(n, p=probs)` (raised on a
# policy's softmax that requires grad, torch 2.13).
KEYWORD_ARRAYS = {"numpy.random.choice": ("p",)}
# A file without any of these words converts nothing (`.numpy(` holds "numpy"): PTL401's and
# PTL402's gate, scanned once per file for both.
CONVERSION_WORDS = ("numpy", "array(", "matplotlib", "sklearn", "scipy")
# NumPy's savers convert each array they write: every argument after the file, by position or by
# keyword (`np.savez(path, depth=t)`, `**predictions`), but not their options.
SAVERS = frozenset({"numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt"})
SAVER_OPTIONS = frozenset(
    "file fname allow_pickle fix_imports fmt delimiter newline header footer comments encoding".split()
)


@dataclass(frozen=True)
class Conversion:
    """A tensor ``value`` that ``call`` converts: the argument ``expr`` itself, or (``element``)
    each element of the list ``expr``."""

    call: ast.Call
    function: str
    expr: ast.expr
    value: Value
    element: bool
    container: str = "list"  # what ``expr`` is when ``element``: a list, or a dict of arrays to save


def conversions(ctx: FileContext, call: ast.Call) -> list[Conversion]:
    """The tensors ``call`` converts beyond ``np.asarray(t)`` of one tensor (which the rules
    read directly): the elements of a list, the arguments of an element-wise function."""
    qualname = ctx.qualname(call.func) or estimator_method(ctx, call) or axes_method(ctx, call)
    if qualname is None or not call.args:
        return []
    found = []
    for keyword in call.keywords:
        if keyword.arg in KEYWORD_ARRAYS.get(qualname, ()):
            value = ctx.flow.value(keyword.value)
            if value.is_tensor:
                found.append(Conversion(call, qualname, keyword.value, value, False))
    if qualname in SAVERS:
        found.extend(_saved(ctx, call, qualname))
    if qualname in FROM_SEQUENCE:
        found.extend(_elements(ctx, call, qualname, call.args[0]))
    library = (
        qualname in PLOTTING
        or qualname in PATCHES
        or qualname.startswith((*LIBRARY_CONVERTERS, "matplotlib.axes.Axes."))
        or (qualname.startswith("sklearn.") and qualname.rpartition(".")[2] in ESTIMATOR_METHODS)
    )
    if qualname in ELEMENTWISE or qualname in CONVERTS_ARGUMENT or library:
        for argument in call.args if qualname not in CONVERTS_ARGUMENT else call.args[:1]:
            if isinstance(argument, ast.Starred) or (isinstance(argument, ast.Constant) and library):
                continue  # a format string
            value = ctx.flow.value(argument)
            # a value moved to a CUDA device (`batch.to(device)` of a DataLoader) is a tensor or holds them
            if value.is_tensor or (value.kind is Kind.UNKNOWN and value.device.may_be_cuda):
                found.append(Conversion(call, qualname, argument, value, False))
            else:
                found.extend(_elements(ctx, call, qualname, argument))
    return found


def estimator_method(ctx: FileContext, call: ast.Call) -> str | None:
    """``sklearn.manifold.TSNE.fit_transform`` for ``TSNE(...).fit_transform(x)`` or a method of a
    name bound only to scikit-learn estimators (``tsne = TSNE(2)``; ``tsne.fit_transform(x)``)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ESTIMATOR_METHODS:
        return None
    receiver = func.value
    made: list[ast.AST] | None = [receiver] if isinstance(receiver, ast.Call) else None
    if isinstance(receiver, ast.Name):
        made = reaching_values(ctx, receiver)
    if not made:
        return None
    names = [ctx.qualname(m.func) if isinstance(m, ast.Call) else None for m in made]
    if not all(n and n.startswith("sklearn.") and n.rpartition(".")[2][:1].isupper() for n in names):
        return None  # a class of scikit-learn, not one of its functions
    return f"{names[0]}.{func.attr}"


def _saved(ctx: FileContext, call: ast.Call, qualname: str) -> list[Conversion]:
    """The tensors a NumPy saver writes: its arrays after the file, and the values of a dict
    given as ``**arrays``."""
    found = []
    keywords = [k for k in call.keywords if k.arg not in SAVER_OPTIONS]
    for argument in [*call.args[1:], *(k.value for k in keywords)]:
        if isinstance(argument, ast.Starred):
            continue
        value = ctx.flow.value(argument)
        if value.is_tensor:
            found.append(Conversion(call, qualname, argument, value, False))
        elif any(k.arg is None and k.value is argument for k in keywords):
            held = saved_entries(value) if value.kind is not Kind.SEQ else None
            if held is not None:
                found.append(Conversion(call, qualname, argument, held, True, "dict"))
        else:
            found.extend(_elements(ctx, call, qualname, argument))
    return found


def saved_entries(arrays: Value) -> Value | None:
    """What the saver meets among the values of the dict ``arrays``: each is converted, so one
    on CUDA (or requiring grad) fails whatever the others are. By key where the dict's entries
    are known (a model's outputs beside the CPU images put in after: vggt#242), else its
    element; None where no entry is a tensor."""
    entries = [value for _, value in arrays.keys] if arrays.keys is not None else [arrays.elem]
    tensors = [v for v in entries if v is not None and v.is_tensor]
    if not tensors:
        return None
    device = next((v for v in tensors if v.device.may_be_cuda), None)
    grad = next((v for v in tensors if v.requires_grad), None)
    held = device or tensors[0]
    return held.with_(requires_grad=True) if grad is not None and held.requires_grad is not True else held


def _elements(ctx: FileContext, call: ast.Call, qualname: str, argument: ast.expr) -> list[Conversion]:
    """The tensors of the list ``argument`` (each converted), when its elements are tensors."""
    sequence = ctx.flow.value(argument)
    if sequence.kind is not Kind.SEQ:
        return []
    element = sequence.iter_elem()
    # rows of a table (`predicts.append([distance, label])`): NumPy converts the tensors inside too
    held = [element]
    if element.kind is Kind.SEQ:
        # a row built by a comprehension (`[[errors[k] for k in legend]]`) has an element, not items
        held = [item for item in element.items if item.is_tensor] if element.items else [element.iter_elem()]
    return [
        Conversion(call, qualname, argument, tensor, True)
        for tensor in held
        if tensor.is_tensor and not _stored_in_other_lists(argument, tensor)
    ]


def _stored_in_other_lists(argument: ast.expr, element: Value) -> bool:
    """``history["lr"]`` whose tensors the evidence shows stored in other lists of the dict
    (``history["cost"].append(loss)``): the flow keeps one element for all of a dict's lists,
    so what this list holds is unproven unless every store the evidence names is into it."""
    key = _constant_key(argument)
    if key is None:
        return False
    stored = [
        _constant_key(step.node.func.value)
        for step in element.steps
        if isinstance(step.node, ast.Call)
        and isinstance(step.node.func, ast.Attribute)
        and step.node.func.attr in vocabulary.LIST_ADD_METHODS
    ]
    return any(other is not None and other != key for other in stored)


def _constant_key(node: ast.expr) -> object:
    """The constant key of ``d["k"]`` (None for anything else)."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value
    return None


def describe(ctx: FileContext, conversion: Conversion) -> str:
    """``np.sum()` converts each tensor of the list`` / ``np.log()` converts the tensor``."""
    call = f"`{ctx.doc.slice(ctx.doc.node_span(conversion.call.func))}()`"
    what = f"each tensor of the {conversion.container}" if conversion.element else "its tensor argument"
    return f"{call} converts {what} to NumPy"
