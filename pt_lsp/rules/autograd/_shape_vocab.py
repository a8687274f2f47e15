"""What PTL202 knows of torch's shapes, by name: the factories, the ops that keep a shape, the
reductions, the layers, and the losses with the shape their ``reduction`` gives. Tables only:
the code that reads them is in ``_nonscalar.py`` (element counts) and ``_shapes.py`` (shapes)."""

from __future__ import annotations

from pt_lsp.core import vocabulary

SIZED_FACTORIES = vocabulary.SIZED_FACTORIES
LIKE = {f"torch.{n}_like" for n in "randn rand zeros ones empty full randint".split()}
FUNCTION_PREFIXES = ("torch.", "torch.nn.functional.", "torch.special.")
# Wrappers whose result has the size of the tensor they wrap.
WRAPPERS = {"torch.autograd.Variable", "torch.nn.Parameter", "torch.nn.parameter.Parameter"}
RECURRENT = {"torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"}
# Calls that make a tensor of the items of a (nested) list display: `torch.FloatTensor([[1.0], [2.0]])`.
TENSOR_LITERALS = {"torch.tensor", "torch.as_tensor", "torch.Tensor", "torch.FloatTensor", "torch.DoubleTensor"}

# -- ops ------------------------------------------------------------------------------------------
# Ops whose result has the shape of their (broadcast) tensor operands: a tensor of numel != 1
# keeps that property through them.
ELEMENTWISE = set(
    "exp log log1p sin cos tan tanh sigmoid relu abs pow sqrt rsqrt square clamp clip neg reciprocal "
    "float double half bfloat16 to cuda cpu clone contiguous mul add sub div true_divide softmax log_softmax "
    "view reshape flatten squeeze unsqueeze t transpose permute view_as reshape_as gelu silu elu "
    "leaky_relu softplus dropout erf sign floor ceil round expm1 atan sinh cosh logsigmoid hardtanh relu6 selu "
    "celu mish".split()
)
# Ops of one tensor whose result has its shape exactly (no broadcasting): its rows survive.
UNARY_SAME_SHAPE = set(
    "exp log log1p sin cos tanh sigmoid relu abs sqrt rsqrt square neg reciprocal float double half "
    "bfloat16 to cuda cpu clone detach contiguous softmax log_softmax normalize gelu silu elu leaky_relu "
    "softplus dropout erf sign requires_grad_ type_as".split()
)
# Tensor methods and torch functions whose result has their first operand's shape (the binary
# ones broadcast their second operand into it).
SAME_SHAPE = set(
    "exp log log1p log2 log10 sin cos tan tanh sigmoid relu abs sqrt rsqrt square neg reciprocal float double "
    "half bfloat16 long int bool to cuda cpu clone detach contiguous softmax log_softmax normalize gelu silu "
    "elu leaky_relu softplus dropout erf sign floor ceil round expm1 clamp clip pow mul add sub div "
    "true_divide masked_fill type_as requires_grad_ logsigmoid hardtanh relu6 selu celu mish".split()
)
BINARY = {"mul", "add", "sub", "div", "true_divide", "pow", "maximum", "minimum"}
# Reductions by their shape: the tensor's shape without the dims reduced (all of them without a
# dim); `argmax` / `argmin` give the indices of that shape (`logits.argmax(dim=1)`: one per row).
REDUCTIONS = set("sum mean prod amax amin logsumexp std var norm nansum nanmean argmax argmin".split())
LAST_DIM_REDUCTIONS = {"sum", "mean", "norm", "prod", "amax", "amin", "logsumexp", "std", "var"}
# Joins whose result holds every element of their parts (a 0-dim part counts as one element).
JOINS = {f"torch.{n}" for n in "hstack vstack dstack row_stack column_stack concatenate".split()}

# -- modules --------------------------------------------------------------------------------------
# Layers whose output has their input's shape: activations, dropout, normalisation.
SHAPE_KEEPING = {
    f"torch.nn.{n}"
    for n in "ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Mish Sigmoid Tanh Softmax LogSoftmax Softplus "
    "Dropout Identity Hardtanh Hardswish Hardsigmoid Softsign Tanhshrink PReLU CELU Softmin "
    "Dropout1d Dropout2d Dropout3d AlphaDropout BatchNorm1d BatchNorm2d BatchNorm3d LayerNorm GroupNorm "
    "InstanceNorm1d InstanceNorm2d InstanceNorm3d LocalResponseNorm RMSNorm "
    # a transformer encoder (layer) maps its `src` to the same shape, a decoder (layer) its `tgt`
    "TransformerEncoder TransformerEncoderLayer TransformerDecoder TransformerDecoderLayer".split()
}
# Adaptive pools, by their number of spatial dimensions: the output size is stated.
ADAPTIVE_POOLS = {f"torch.nn.Adaptive{kind}Pool{k}d": k for kind in ("Avg", "Max") for k in (1, 2, 3)}
# Convolutions, by their number of spatial dimensions.
CONVS = {f"torch.nn.Conv{k}d": k for k in (1, 2, 3)} | {f"torch.nn.ConvTranspose{k}d": k for k in (1, 2, 3)}
# Modules whose output is the output of the module they wrap (split and gathered along the batch).
MODULE_WRAPPERS = {
    "torch.nn.DataParallel",
    "torch.nn.parallel.DataParallel",
    "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.data_parallel.DataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel",
}
# Module methods that return the module itself.
RETURNS_SELF = {"eval", "train", "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "requires_grad_", "apply"}

# -- losses ---------------------------------------------------------------------------------------
# Functional losses that keep one value per element with reduction="none".
UNREDUCED_LOSSES = {
    "kl_div",
    "poisson_nll_loss",
    "hinge_embedding_loss",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "soft_margin_loss",
    "margin_ranking_loss",
    "gaussian_nll_loss",
}
# Per-element losses (an output of the shape of the broadcast inputs) and per-row ones (one value
# per sample of an (N, C) input), by module and by functional name.
ELEMENTWISE_LOSS_MODULES = {
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "SoftMarginLoss",
    "KLDivLoss",
    "PoissonNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "GaussianNLLLoss",
}
# (N, C) or (N, D) inputs, one value per row: classification losses and embedding losses.
ROW_LOSS_MODULES = {
    "CrossEntropyLoss",
    "NLLLoss",
    "MultiMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiLabelMarginLoss",
    "TripletMarginLoss",
    "CosineEmbeddingLoss",
}
ROW_LOSSES = {
    "cross_entropy",
    "nll_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "multilabel_margin_loss",
    "triplet_margin_loss",
    "cosine_embedding_loss",
}
LOSSES = UNREDUCED_LOSSES | ROW_LOSSES
