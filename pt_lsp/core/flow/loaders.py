"""What iterating a ``DataLoader`` yields: with the default ``collate_fn``, each batch is its
dataset's item with every tensor stacked (on the tensor's device, keeping its grad), every
NumPy array and Python number made a CPU tensor, tuples and lists collated position by position
and dicts key by key. Anything else (strings, unknown objects) stays unknown.

The datasets known here: ``TensorDataset(*tensors)`` (a row of each tensor), the
classification datasets of torchvision (``(image, target)``: the collate only succeeds where the
transform made the image a tensor, on the CPU; the target an int), and a class of this file
whose ``__getitem__`` the interpreter follows (``qualified.load_items``)."""

from __future__ import annotations

from .lattice import Device
from .values import INT, NDARRAY, UNKNOWN, Kind, Value

TENSOR_DATASETS = frozenset({"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"})
# torchvision datasets whose item is ``(image, class index)``
_VISION = (
    "ImageFolder DatasetFolder MNIST FashionMNIST KMNIST EMNIST QMNIST CIFAR10 CIFAR100 SVHN STL10 "
    "ImageNet Caltech256 Food101 Flowers102 GTSRB StanfordCars OxfordIIITPet USPS SEMEION Country211 "
    "DTD FGVCAircraft EuroSAT PCAM RenderedSST2 Imagenette"
).split()
_VISION_MODULES = ("torchvision.datasets.", "torchvision.datasets.folder.", "torchvision.datasets.mnist.")
VISION_DATASETS = frozenset(f"{module}{name}" for module in _VISION_MODULES for name in _VISION) | frozenset(
    f"torchvision.datasets.cifar.{name}" for name in ("CIFAR10", "CIFAR100")
)
LOADER = "torch.utils.data.DataLoader"
CPU_TENSOR = Value(kind=Kind.TENSOR, device=Device.CPU, requires_grad=False)


def dataset(qualname: str, args: list[Value]) -> Value | None:
    """The value of a known dataset class's instance: its ``elem`` is one item."""
    if qualname in TENSOR_DATASETS:
        if not args or any(a.kind is not Kind.TENSOR for a in args):
            return None
        row = tuple(
            Value(kind=Kind.TENSOR, device=a.device, requires_grad=a.requires_grad, history=a.history, steps=a.steps)
            for a in args
        )
        return Value(kind=Kind.OTHER, requires_grad=False, qualname=qualname, elem=Value(kind=Kind.SEQ, items=row))
    if qualname in VISION_DATASETS:
        item = Value(kind=Kind.SEQ, items=(UNKNOWN, INT), requires_grad=False)
        return Value(kind=Kind.OTHER, requires_grad=False, qualname=qualname, elem=item)
    return None


def loader(data: Value | None, item: Value | None) -> Value:
    """``DataLoader(data)`` with the default collate: its ``elem`` is one batch. ``item`` is
    what a class of this file's ``__getitem__`` returned (None where it was not followed)."""
    if data is not None and data.qualname in VISION_DATASETS:
        batch = Value(kind=Kind.SEQ, items=(CPU_TENSOR, CPU_TENSOR), requires_grad=False)
    elif data is not None and data.qualname in TENSOR_DATASETS and data.elem is not None:
        batch = collate(data.elem)
    elif item is not None:
        batch = collate(item)
    else:
        return UNKNOWN
    return Value(kind=Kind.OTHER, requires_grad=False, qualname=LOADER, elem=batch)


def collate(item: Value, depth: int = 0) -> Value:
    """One item of a dataset as ``default_collate`` batches it."""
    if item.kind is Kind.TENSOR:
        return Value(
            kind=Kind.TENSOR,
            device=item.device,
            requires_grad=item.requires_grad,
            history=item.history,
            steps=item.steps,
        )
    if item.qualname in (NDARRAY.qualname, INT.qualname):
        return CPU_TENSOR
    if depth > 3:
        return UNKNOWN
    if item.kind is Kind.SEQ and item.items is not None:
        items = tuple(collate(i, depth + 1) for i in item.items)
        history = frozenset().union(*(i.history for i in items))
        return Value(kind=Kind.SEQ, items=items, history=history, requires_grad=False if not history else None)
    if item.kind is Kind.OTHER and item.keys is not None and item.cls is None:
        keys = tuple((k, collate(v, depth + 1)) for k, v in item.keys)
        elem = None
        for _, value in keys:
            elem = value if elem is None else elem.join(value)
        return Value(kind=Kind.OTHER, requires_grad=None, elem=elem, keys=keys)
    return UNKNOWN
