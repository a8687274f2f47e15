"""PTL302 on audit-13's G2 (session 11, issue 11): a constant made with ``.cuda()`` says so.

audit-13 G2 (and audit-12 G3) read as false alarms: a CUDA-only model whose ``__init__`` stores a
tensor made with ``.cuda()`` (directly or through a helper ``__init__`` calls) runs, yet the
related path said the tensor was "still on the CPU after ``model.to(device)``". The finding stays
(session 10 kept it on purpose): ``.cuda()`` pins the tensor to the current GPU, so
``model.cpu()``, ``model.to("cuda:1")`` and ``DataParallel`` replicas leave it behind, and
``state_dict()`` does not save it. What changes is that the message and the path say that, and
point at the ``.cuda()``.

Programs are ours, run under torch 2.13 with ``pt-lsp run --device fake-cuda``.
"""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

# Ran under fake-cuda: the first forward prints torch.Size([2, 5, 8]); after `model = model.cpu()`
# a forward on CPU tokens raised "Expected all tensors to be on the same device, but found at
# least two devices, cuda:0 and cpu!" (the constant stayed on cuda:0).
HELPER_CUDA = """
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, vocab=10, hidden=8):
        super().__init__()
        self.hidden = hidden
        self.embedding = nn.Embedding(vocab, hidden)
        self.positional = self.make_positional()

    def forward(self, tokens):
        return self.embedding(tokens) + self.positional[: tokens.size(1)]

    def make_positional(self, max_len=50):
        enc = torch.zeros((max_len, self.hidden))
        enc[:, 0::2] = 1.0
        enc = enc.cuda()
        return enc


model = Decoder().to("cuda")
print(model(torch.randint(0, 10, (2, 5), device="cuda")).shape)
model = model.cpu()
print(model(torch.randint(0, 10, (2, 5))).shape)
"""


def test_a_constant_made_with_cuda_in_an_init_helper_says_where_it_is():
    (finding,) = findings("PTL302", HELPER_CUDA)
    assert finding.line == 10  # `self.positional = self.make_positional()`
    assert "made on the GPU with `.cuda()`" in finding.message
    assert "`model.cpu()`" in finding.message and "DataParallel" in finding.message
    assert "still on the CPU" not in finding.message
    notes = [r.message for r in finding.related]
    assert any("with `.cuda()`" in n for n in notes) and not any("still on the CPU" in n for n in notes)
    cuda_step = next(r for r in finding.related if "with `.cuda()`" in r.message)
    assert cuda_step.span.start.line == 18  # `enc = enc.cuda()` in the helper


def test_the_same_helper_without_cuda_keeps_the_cpu_message():
    """The neighbour (audit-13 n2): without ``.cuda()`` the constant stays on the CPU after
    ``model.to("cuda")`` and the first forward raises (cpu and cuda:0) under fake-cuda."""
    (finding,) = findings("PTL302", HELPER_CUDA.replace("enc = enc.cuda()", "enc = enc * 1"))
    assert "made on the GPU" not in finding.message
    assert "`model.to(device)` does not move it" in finding.message
    assert any("still on the CPU after `model.to(device)`" in r.message for r in finding.related)


def test_a_cuda_constant_stored_directly_says_so_too():
    """audit-12 G3's shape (``torch.Tensor(...).cuda()`` in ``__init__``), ours: under fake-cuda a
    forward after ``model.cpu()`` raised like the helper's."""
    direct = HELPER_CUDA.replace("self.make_positional()", "torch.ones(50, 8).cuda()")
    (finding,) = findings("PTL302", direct)
    assert "made on the GPU with `.cuda()`" in finding.message


# Recall (session 11): constants defined outside `__init__`. Ours; under fake-cuda each raised
# "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
# at the first forward after `M().to("cuda")`.
MODULE_CONSTANT = """
import torch
import torch.nn as nn

MEAN = torch.tensor([0.1, 0.2, 0.3, 0.4])


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.mean = MEAN.view(1, 4)

    def forward(self, x):
        return self.fc(x) - self.mean


m = M().to("cuda")
print(m(torch.randn(2, 4, device="cuda")).shape)
"""

CLASS_BODY = """
import torch
import torch.nn as nn


class M(nn.Module):
    grid = torch.linspace(0, 1, 4)

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.fc(x) + self.grid


m = M().to("cuda")
print(m(torch.randn(2, 4, device="cuda")).shape)
"""


def test_a_module_level_tensor_stored_in_init_is_a_plain_attribute():
    (finding,) = findings("PTL302", MODULE_CONSTANT)
    assert finding.line == 11
    assert any("`MEAN` is made here" in r.message and r.span.start.line == 4 for r in finding.related)
    # the fix registers it (ran under fake-cuda: prints torch.Size([2, 4])); a second run is clean
    result = fixed("PTL302", MODULE_CONSTANT)
    compile(result, "<fixed>", "exec")
    assert 'self.register_buffer("mean", MEAN.view(1, 4))' in result
    assert findings("PTL302", result) == []


def test_a_module_constant_moved_where_it_is_used_or_rebound_is_silent():
    moved = MODULE_CONSTANT.replace("- self.mean", "- self.mean.to(x.device)")
    assert findings("PTL302", moved) == []
    # bound twice at module level (a branch on the platform): which one `__init__` reads is open
    rebound = MODULE_CONSTANT.replace(
        "\n\nclass M", "\nif torch.cuda.is_available():\n    MEAN = MEAN.cuda()\n\n\nclass M"
    )
    assert findings("PTL302", rebound) == []


def test_a_tensor_in_the_class_body_read_in_forward_is_reported_without_a_fix():
    (finding,) = findings("PTL302", CLASS_BODY)
    assert finding.line == 6
    assert "in the body of `M`" in finding.message and "`self.grid`" in finding.message
    assert finding.fixes == ()


def test_a_class_body_tensor_an_instance_attribute_replaces_is_silent():
    """The fixed neighbours: ``__init__`` registers ``grid`` (ran under fake-cuda: the buffer moved
    with the model, prints torch.Size([2, 4])), or a method assigns ``self.grid``."""
    registered = CLASS_BODY.replace(
        "self.fc = nn.Linear(4, 4)",
        'self.fc = nn.Linear(4, 4)\n        self.register_buffer("grid", torch.linspace(0, 1, 4))',
    ).replace("    grid = torch.linspace(0, 1, 4)\n", "    steps = 4\n")
    assert findings("PTL302", registered) == []
    assigned = CLASS_BODY.replace(
        "self.fc = nn.Linear(4, 4)", "self.fc = nn.Linear(4, 4)\n        self.grid = self.grid.cuda()"
    )
    assert findings("PTL302", assigned) == []


def test_a_constant_made_after_set_default_device_says_where_it_is():
    """Ours: after ``torch.set_default_device("cuda")`` the factory makes the mask on cuda:0, so
    the model runs (fake-cuda printed cuda:0); the message says what still leaves it behind."""
    program = MODULE_CONSTANT.replace("MEAN = torch.tensor", 'torch.set_default_device("cuda")\nMEAN = torch.tensor')
    (finding,) = findings("PTL302", program)
    assert 'made on the default device (`torch.set_default_device("cuda")`)' in finding.message
    assert any(r.span.start.line == 4 and "default device is set here" in r.message for r in finding.related)
    # the CPU as the default device: the usual message
    cpu = MODULE_CONSTANT.replace("MEAN = torch.tensor", 'torch.set_default_device("cpu")\nMEAN = torch.tensor')
    (finding,) = findings("PTL302", cpu)
    assert "`model.to(device)` does not move it" in finding.message


# audit-14 G4, ours: a style-transfer runner class builds its nested Normalization module in a
# method, from mean/std the caller made with `.to(self.device)` (torch.tensor(t) copies t on its
# device). Under fake-cuda it ran and printed cuda:0; with lists (the neighbour) the forward raised
# "Expected all tensors to be on the same device".
NESTED = """
import torch
import torch.nn as nn


class StyleTransfer:
    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super(StyleTransfer.Normalization, self).__init__()
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def run(self):
        mean = torch.tensor([0.485, 0.456, 0.406]).to(self.device)
        std = torch.tensor([0.229, 0.224, 0.225]).to(self.device)
        model = self.build(mean, std)
        return model(torch.rand(1, 3, 8, 8, device=self.device))

    def build(self, m, s):
        return nn.Sequential(self.Normalization(m, s), nn.Conv2d(3, 4, 3)).to(self.device)


print(StyleTransfer().run().device)
"""


def test_a_nested_module_built_by_a_method_from_placed_tensors_is_silent():
    assert lines("PTL302", NESTED) == []


def test_the_same_module_built_from_lists_is_reported():
    lists = NESTED.replace("torch.tensor([0.485, 0.456, 0.406]).to(self.device)", "[0.485, 0.456, 0.406]").replace(
        "torch.tensor([0.229, 0.224, 0.225]).to(self.device)", "[0.229, 0.224, 0.225]"
    )
    assert lines("PTL302", lists) == [9, 10]
