"""PTL302 on audit-11's shapes (session 10, issue 11).

Each program is ours, in the shape of an audit-11 false alarm (G2, G4) or of one its fix unmasked;
each was run under torch 2.13 (on the CPU and under pt-lsp's fake-cuda) and its docstring says what
torch did. Taught here:

- an index by a Python integer (a counter of ``range``/``enumerate``, arithmetic of one) is a view
  like a slice: ``self.primes[i].to(q.device)`` moves what it reads (G2). An index by a tensor
  still meets the CPU table: indexing a CPU tensor with CUDA indices raises "indices should be
  either on cpu or on the same device as the indexed tensor (cpu)" (modelscope#220,
  latent-diffusion#282 report it for ``tensor[t].view(shape).to(x)``);
- ``torch.tensor(arg).view(...)`` of an ``__init__`` argument that an instantiation in the file
  gives as a placed tensor (also through a parameter of a function of the file), or hands in
  through a parameter of a function no code of the file names, may be a copy on that tensor's
  device, not a CPU tensor (G4, the neural-transfer tutorial's ``Normalization``);
- ``super(Generator, self).__init__()`` is no instantiation (it hid every instantiation of an
  old-style class), and a tensor unpacked into ``view``'s sizes gives numbers.
"""

from __future__ import annotations

from rules_helpers import lines

# G2 (audit-11 finding 6, a NeRF hash encoding): ran on the CPU and under fake-cuda (model on
# cuda:0, the attribute left on the CPU, the output on cuda:0): each read moves the row it takes.
G2_INT_INDEX = """
import torch
import torch.nn as nn


class Hashing(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.mults = torch.tensor([1, 31, 97])

    def forward(self, q):
        h = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
        for k in range(3):
            h = h + q[:, k].long() * self.mults[k].to(q.device)
        for j, w in enumerate([1, 2]):
            h = h + self.mults[j + 1].to(q.device) * w
        return self.lin(q) + h.unsqueeze(1)


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = Hashing().to(dev)
print(m(torch.rand(4, 3, device=dev)).device)
"""


def test_an_integer_index_moved_where_it_is_used_is_silent():
    assert lines("PTL302", G2_INT_INDEX) == []


def test_an_index_by_a_tensor_or_a_rebound_integer_still_meets_the_table():
    """The neighbour: ``t`` made on the input's device indexes the CPU table. On a GPU this raises
    "indices should be either on cpu or on the same device as the indexed tensor (cpu)" (the
    failure of the issues above; fake-cuda lets indexing cross devices, so it runs there)."""
    tensor_index = G2_INT_INDEX.replace(
        "for k in range(3):\n            h = h + q[:, k].long() * self.mults[k].to(q.device)",
        "k = torch.randint(0, 3, (q.shape[0],), device=q.device)\n        h = h + self.mults[k].to(q.device)",
    )
    assert lines("PTL302", tensor_index) == [9]
    # `j` is also bound to a tensor: not a counter on every binding
    rebound = G2_INT_INDEX.replace("return self.lin(q)", "j = q.argmax()\n        return self.lin(q)")
    assert lines("PTL302", rebound) == [9]


# G4 (audit-11 findings 38-39): ran under fake-cuda with both attributes on cuda:0 (torch.tensor of
# a CUDA tensor copies it there, with a UserWarning), output on cuda:0.
G4_PLACED_ARGUMENT = """
import torch
import torch.nn as nn

dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Rescale(nn.Module):
    def __init__(self, centre, spread):
        super().__init__()
        self.centre = torch.tensor(centre).reshape(-1, 1, 1)
        self.spread = torch.tensor(spread).reshape(-1, 1, 1)

    def forward(self, img):
        return (img - self.centre) / self.spread


def build(features, centre, spread):
    return nn.Sequential(Rescale(centre, spread), features).to(dev)


c = torch.tensor([0.4, 0.5, 0.6]).to(dev)
s = torch.tensor([0.25, 0.25, 0.25], device=dev)
net = build(nn.Conv2d(3, 2, 1), c, s)
print(net(torch.rand(1, 3, 4, 4, device=dev)).device)
"""


def test_a_conversion_of_an_argument_given_on_the_device_is_silent():
    assert lines("PTL302", G4_PLACED_ARGUMENT) == []
    direct = G4_PLACED_ARGUMENT.replace("net = build(nn.Conv2d(3, 2, 1), c, s)", "net = Rescale(c, s).to(dev)")
    assert lines("PTL302", direct) == []


def test_a_conversion_of_a_cpu_tensor_or_a_list_is_still_reported():
    """The neighbour: a CPU tensor and a list. Under fake-cuda it raises "Expected all tensors to be
    on the same device, but found at least two devices, cuda:0 and cpu!" in ``forward``."""
    cpu = G4_PLACED_ARGUMENT.replace("c = torch.tensor([0.4, 0.5, 0.6]).to(dev)", "c = torch.tensor([0.4, 0.5, 0.6])")
    cpu = cpu.replace("net = build(nn.Conv2d(3, 2, 1), c, s)", "net = build(nn.Conv2d(3, 2, 1), c, [0.25, 0.25, 0.25])")
    assert lines("PTL302", cpu) == [10, 11]


# Unmasked by following instantiations past `super(Generator, self).__init__()` (which made every
# old-style class "used another way"): a shape kept as a tensor and unpacked into `view` gives
# numbers. Ran under fake-cuda (model on cuda:0, `out_shape` on the CPU): the output is (2, 1, 4, 4).
OLD_STYLE_SHAPE = """
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, out_shape, width=8):
        super(Generator, self).__init__()
        self.out_shape = torch.tensor(out_shape)
        self.sizes = torch.tensor(out_shape).float()
        self.dense = nn.Linear(width, int(self.out_shape.prod()))

    def forward(self, z):
        img = self.dense(z)
        return img.view(img.size(0), *self.out_shape)


dev = "cuda" if torch.cuda.is_available() else "cpu"
g = Generator([1, 4, 4]).to(dev)
print(g(torch.randn(2, 8, device=dev)).shape)
"""


def test_an_old_style_super_call_is_no_instantiation_and_a_shape_unpacked_into_view_is_numbers():
    assert lines("PTL302", OLD_STYLE_SHAPE) == []


def test_a_list_converted_in_an_old_style_class_and_used_with_the_input_is_reported():
    """The neighbour: ``forward`` scales the output by the sizes. Under fake-cuda it raises
    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and
    cpu!"; the instantiation's list reaches ``torch.tensor(out_shape)`` past the old-style super."""
    used = OLD_STYLE_SHAPE.replace("*self.out_shape)", "*self.out_shape) * self.sizes.view(-1, 1, 1)")
    assert lines("PTL302", used) == [9]


# Recall (our programs, in the shape of causal masks built by a helper method in GPT-style
# attention blocks): each raises "Expected all tensors to be on the same device, but found at
# least two devices, cuda:0 and cpu!" under fake-cuda at `masked_fill`.
MASK_BUILT_BY_A_METHOD = """
import torch
import torch.nn as nn


class Attn(nn.Module):
    def __init__(self, n=6, d=4):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.build(n)

    def build(self, n):
        self.mask = torch.triu(torch.ones(n, n), diagonal=1).bool()

    def forward(self, x):
        s = self.q(x) @ x.transpose(1, 2)
        n = x.shape[1]
        return s.masked_fill(self.mask[:n, :n], float("-inf")).softmax(-1)


dev = "cuda" if torch.cuda.is_available() else "cpu"
m = Attn().to(dev)
print(m(torch.rand(2, 6, 4, device=dev)).device)
"""


def test_a_bool_mask_set_by_a_method_init_calls_with_arguments_is_reported():
    assert lines("PTL302", MASK_BUILT_BY_A_METHOD) == [12]
    inline = MASK_BUILT_BY_A_METHOD.replace("self.build(n)\n\n    def build(self, n):\n        self.mask", "self.mask")
    assert lines("PTL302", inline) == [9]
    byte = MASK_BUILT_BY_A_METHOD.replace(".bool()", ".byte()")
    assert lines("PTL302", byte) == [12]


def test_a_registered_mask_is_silent():
    """The fixed neighbour registers the mask: it runs under fake-cuda."""
    registered = MASK_BUILT_BY_A_METHOD.replace("self.mask = torch", 'self.register_buffer("mask", torch').replace(
        ".bool()\n", ".bool())\n"
    )
    assert lines("PTL302", registered) == []
