"""What the interpreter knows about torch's API, as data."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .flow.lattice import Device

# Functions creating a fresh tensor (a leaf): device from ``device=``, else the default device.
FACTORIES = frozenset(
    f"torch.{name}"
    for name in (
        "tensor randn rand zeros ones empty full arange linspace logspace eye randint randperm "
        "normal as_tensor Tensor FloatTensor LongTensor DoubleTensor IntTensor BoolTensor "
        "HalfTensor ByteTensor complex polar bernoulli multinomial zeros_like ones_like "
        "empty_like full_like rand_like randn_like randint_like "
        # window functions take sizes and `device=` as the factories do (a CPU tensor by default)
        "hann_window hamming_window blackman_window bartlett_window kaiser_window"
    ).split()
)
# Tensor methods returning a tensor made from their receiver (`torch.zeros(3).cuda()` is still
# a new tensor).
TENSOR_FROM_RECEIVER = frozenset(
    "to cuda cpu float double half bfloat16 long int type requires_grad_ view reshape t contiguous clone detach "
    "normal_ uniform_ fill_ zero_ unsqueeze squeeze expand repeat permute transpose share_memory_ pin_memory".split()
)
# Tensor methods that convert their receiver to another dtype or device (a subset of the above).
TENSOR_CONVERSIONS = frozenset("to cuda cpu type float double half bfloat16 long int short bool byte char".split())
# Every call that makes a new tensor, the factories and the CPU constructors from other memory.
TENSOR_FACTORIES = FACTORIES | {"torch.from_numpy", "torch.nn.Parameter"}
LIKE_FACTORIES = frozenset(f for f in FACTORIES if f.endswith("_like"))
CPU_FACTORIES = frozenset({"torch.from_numpy", "torch.frombuffer"})
CUDA_TENSOR_TYPES = frozenset(
    f"torch.cuda.{t}Tensor" for t in "Float Double Half Long Int Short Byte Char Bool BFloat16".split()
)

# Results that never carry a graph (integers, booleans, indices).
NON_DIFFERENTIABLE = frozenset(
    "argmax argmin argsort eq ne lt le gt ge equal isnan isinf isfinite sign nonzero where_index "
    "topk_indices bucketize searchsorted unique count_nonzero numel logical_and logical_or "
    "logical_not allclose isclose randint_like multinomial histc".split()
)
TENSOR_METHODS_NO_GRAPH = frozenset(
    "detach argmax argmin argsort eq ne lt le gt ge equal isnan isinf isfinite sign nonzero "
    "new_zeros new_ones new_empty new_full new_tensor bool long int byte short char numel "
    "size dim nelement element_size data_ptr is_contiguous is_cuda get_device type "
    "item tolist numpy any all count_nonzero unique multinomial histc".split()
)
TENSOR_METHODS_PYTHON_RESULT = frozenset("item tolist numpy size dim numel nelement data_ptr get_device".split())
# torch functions of tensors whose results are Python numbers (a layer's fan-in, a gain), never tensors.
TORCH_PYTHON_RESULTS = frozenset(
    {f"torch.nn.init.{name}" for name in ("_calculate_fan_in_and_fan_out", "_calculate_correct_fan", "calculate_gain")}
    | {"torch.numel", "torch.is_tensor", "torch.is_floating_point", "torch.is_complex", "torch.is_nonzero"}
)
# torch.nn.init's initialisers fill their first argument in place and return it (the same tensor).
NN_INIT_IN_PLACE = frozenset(
    f"torch.nn.init.{name}_"
    for name in "uniform normal constant ones zeros eye dirac xavier_uniform xavier_normal kaiming_uniform"
    " kaiming_normal trunc_normal orthogonal sparse".split()
)
TENSOR_ATTRS_OTHER = frozenset("shape ndim dtype is_cuda is_leaf requires_grad names layout is_sparse".split())

# Operations whose backward needs no saved tensor: a second backward through them alone works
# (`y = x.sum(); y.backward(); y.backward()`). Views and reductions that keep only sizes; dtype and
# device casts, which keep only the source's dtype and device (ToCopyBackward); joins and splits,
# which keep only sizes (CatBackward, SplitBackward: `torch.cat` of a graph built once can be
# backwarded in every epoch). Not `mul`/`div` even by a constant: MulBackward keeps the scalar.
NO_SAVED_TENSORS = frozenset(
    "sum mean add sub neg negative subtract view view_as reshape reshape_as flatten unflatten ravel squeeze "
    "unsqueeze permute transpose t expand expand_as broadcast_to clone contiguous narrow select repeat tile "
    "float double half bfloat16 to cuda cpu type type_as "
    "cat concat concatenate stack hstack vstack dstack column_stack row_stack split chunk tensor_split unbind "
    "flip roll rot90 movedim moveaxis swapaxes swapdims diagonal".split()
)

# torch functions and tensor methods returning (values, indices): the indices are int64 and
# never carry a graph (`_, pred = torch.max(out, 1)`).
VALUES_AND_INDICES = frozenset("max min sort topk kthvalue median nanmedian mode cummax cummin".split())
# (padded, lengths): the lengths are an int64 CPU tensor, whatever the sequence's device and grad.
PADDED_AND_LENGTHS = frozenset({"torch.nn.utils.rnn.pad_packed_sequence"})
# NumPy functions that make a new ndarray whatever they are given (a tensor is converted, never
# returned): `np.array([l.item() for l in losses])` is no tensor and carries no graph.
NUMPY_ARRAY_MAKERS = frozenset(
    f"numpy.{name}"
    for name in (
        "array",
        "asarray",
        "ascontiguousarray",
        "zeros",
        "ones",
        "empty",
        "full",
        "arange",
        "linspace",
        "logspace",
        "eye",
        "identity",
        "load",
        "loadtxt",
        "genfromtxt",
        "stack",
        "vstack",
        "hstack",
        "concatenate",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "frombuffer",
        "fromfile",
        "tile",
        "diag",
        "tril",
        "triu",
        "copy",
    )
)
# Distribution methods whose result carries no graph (sample() runs under no_grad; only
# rsample() is differentiable).
DISTRIBUTION_NO_GRAPH = frozenset("sample sample_n enumerate_support".split())

# Grad-mode context managers and decorators, in every spelling torch exports them under.
GRAD_MODE_OFF = frozenset(
    f"{module}.{name}"
    for module in ("torch", "torch.autograd", "torch.autograd.grad_mode")
    for name in ("no_grad", "inference_mode")
)
GRAD_MODE_ON = frozenset(f"{module}.enable_grad" for module in ("torch", "torch.autograd", "torch.autograd.grad_mode"))
GRAD_MODE_SETTERS = frozenset(
    f"{module}.set_grad_enabled" for module in ("torch", "torch.autograd", "torch.autograd.grad_mode")
)
GRAD_MODE_SET = "torch.set_grad_enabled"
GRAD_MODES = GRAD_MODE_OFF | GRAD_MODE_ON | GRAD_MODE_SETTERS

# In-place methods (trailing underscore) that do not write the tensor's values.
IN_PLACE_NOT_WRITING = frozenset({"requires_grad_", "share_memory_", "retain_grad_", "pin_memory_", "record_stream_"})

# Factories whose positional arguments are sizes (`torch.zeros(3, 4)`).
SIZED_FACTORIES = frozenset(f"torch.{name}" for name in "zeros ones empty rand randn".split())

# torchvision's detection models (Faster/Mask/Keypoint R-CNN, RetinaNet, SSD, FCOS): given images
# alone, a list of dicts per image; `labels` is int64 (never requires grad), the other entries
# are float outputs of the network (audit-19 G2).
DETECTION_MODELS = ("torchvision.models.detection.",)
DETECTION_OUTPUT_KEYS = ("boxes", "labels", "scores", "masks", "keypoints", "keypoints_scores")
# torch.nn layers whose one parameter is `weight`: `emb.weight.requires_grad = False` freezes the
# layer (frozen GloVe vectors: audit-19 G3).
WEIGHT_ONLY_LAYERS = frozenset({"torch.nn.Embedding", "torch.nn.EmbeddingBag"})
# torch.nn classes whose output carries a graph only through their inputs.
PARAMETER_FREE_SUFFIXES = ("Loss",)
PARAMETER_FREE = frozenset(
    f"torch.nn.{name}"
    for name in (
        "ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus "
        "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout Identity Flatten Unflatten "
        "MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d "
        "AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d Upsample "
        "PixelShuffle Hardtanh Hardswish Hardsigmoid Softsign Tanhshrink Threshold GLU"
        # similarities, distances, paddings and reshapes (audit-18 G4: nn.CosineSimilarity of detached rows)
        " CosineSimilarity PairwiseDistance Softmax2d Softmin LogSigmoid Hardshrink Softshrink CELU RReLU"
        " ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d"
        " ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d"
        " CircularPad3d LPPool1d LPPool2d UpsamplingNearest2d UpsamplingBilinear2d PixelUnshuffle Fold Unfold"
        " ChannelShuffle"
    ).split()
)

# Functions that reparametrize a layer in place and return that very module (a discriminator's
# `nn.utils.weight_norm(nn.Conv2d(...))`): its parameters are the layer's, stepped by its optimizer.
MODULE_RETURNED = frozenset(
    {
        "torch.nn.utils.weight_norm",
        "torch.nn.utils.spectral_norm",
        "torch.nn.utils.remove_weight_norm",
        "torch.nn.utils.remove_spectral_norm",
        "torch.nn.utils.parametrizations.weight_norm",
        "torch.nn.utils.parametrizations.spectral_norm",
        "torch.nn.utils.parametrizations.orthogonal",
        "torch.nn.utils.parametrize.register_parametrization",
        "torch.nn.utils.weight_norm.weight_norm",
        "torch.nn.utils.spectral_norm.spectral_norm",
    }
)

MODULE_WRAPPERS = frozenset(
    {
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.nn.parallel.distributed.DistributedDataParallel",
    }
)

# Callables known to build nn.Module instances (model zoos).
MODEL_CONSTRUCTORS = ("torchvision.models.", "timm.create_model", "torch.hub.load")

# Methods whose result is the module itself (modules move in place).
MODULE_SELF_METHODS = frozenset(
    "to cuda cpu train eval float double half bfloat16 type requires_grad_ apply share_memory".split()
)
MODULE_METHODS_SEQ_OF_PARAMS = frozenset({"parameters"})
# Methods of nn.Module that never rebind the module's attributes: after any other method of an
# object of unknown class, what its attributes hold is unknown (audit-8 G5).
MODULE_KEEPS_ATTRIBUTES = MODULE_SELF_METHODS | frozenset(
    "zero_grad parameters named_parameters buffers named_buffers children named_children modules "
    "named_modules state_dict load_state_dict".split()
)
MODULE_METHODS_SEQ_OF_NAMED_PARAMS = frozenset({"named_parameters"})

# Builtins and container methods the interpreter models.
ITERATION_BUILTINS = frozenset({"list", "tuple", "sorted", "reversed", "iter", "set"})
PYTHON_RESULT_BUILTINS = frozenset(
    "len print isinstance issubclass hasattr getattr int float bool str repr range abs round "
    "format hash id type callable open input ord chr".split()
)
LIST_RESET_METHODS = frozenset({"clear"})
LIST_ADD_METHODS = frozenset({"append", "extend", "insert", "add"})


# -- behaviour that depends on the torch version -------------------------------------------------
TorchVersion = tuple[int, int]
# `.numpy()` on a leaf that requires grad runs inside `torch.no_grad()` (verified on 2.13.0;
# earlier releases raise "Can't call numpy() on Tensor that requires grad").
NUMPY_ON_GRAD_LEAF_UNDER_NO_GRAD: TorchVersion = (2, 13)


def parse_torch_version(text: str) -> TorchVersion | None:
    """``"2.13"``, ``"2.13.0+cpu"`` -> ``(2, 13)``; None for anything else."""
    match = re.match(r"^\s*(\d+)\.(\d+)(?:\.\d+)?(?:[+.\w-]*)?\s*$", text)
    return (int(match[1]), int(match[2])) if match else None


@functools.cache
def installed_torch_version() -> TorchVersion | None:
    """The torch installed beside pt-lsp, read from its metadata (torch is never imported)."""
    import importlib.metadata  # about 20 ms of imports (email, zipfile...): only when a rule asks

    try:
        return parse_torch_version(importlib.metadata.version("torch"))
    except importlib.metadata.PackageNotFoundError:
        return None


def is_torch(qualname: str) -> bool:
    """Whether ``qualname`` names torch or something in it (``torch_geometric`` is not torch)."""
    return qualname == "torch" or qualname.startswith("torch.")


def device_of_string(text: str) -> Device:
    from .flow.lattice import Device  # the lattice lives with the flow engine

    head = text.split(":", 1)[0].strip().lower()
    if head == "cuda":
        return Device.CUDA
    if head == "cpu":
        return Device.CPU
    return Device.UNKNOWN


# torch.nn modules with no parameters, no buffers and no train/eval behaviour: a plain list of
# them misses nothing (not Dropout or norm layers, whose behaviour `eval()` switches).
STATELESS_MODULES = frozenset(
    "torch.nn." + name
    for name in (
        "Upsample UpsamplingNearest2d UpsamplingBilinear2d Identity Flatten Unflatten ReLU ReLU6 LeakyReLU ELU SELU"
        " CELU GELU SiLU Mish Sigmoid Tanh Hardtanh Hardswish Hardsigmoid Softplus Softsign Tanhshrink Softmax"
        " LogSoftmax Softmin Threshold MaxPool1d MaxPool2d MaxPool3d AvgPool1d AvgPool2d AvgPool3d"
        " AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d"
        " AdaptiveAvgPool3d PixelShuffle PixelUnshuffle ZeroPad2d ConstantPad2d ReflectionPad2d ReplicationPad2d"
    ).split()
)
