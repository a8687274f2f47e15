"""PTL201/PTL203 facts taught from audit-7 (benchmarks/ecosystem/audit-7.md, G1, G2, G7, G8) and
two recall-4 misses. Our own programs, each run under torch 2.13: the silent ones run as written
(they print); each reported neighbour raises the error the message names."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import findings, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

# -- G1: a layer frozen in the expression that builds it ----------------------------------------
# Under torch: runs (YOLOX's fused conv: the copies into frozen parameters are allowed) and prints
# `True`, the copy having recorded `conv.weight`'s graph.
_G1_CHAINED = """
import torch
import torch.nn as nn


def fuse(conv: nn.Conv2d) -> nn.Conv2d:
    fused = nn.Conv2d(3, 3, 1, bias=True).requires_grad_(False).to(conv.weight.device)
    fused.weight.copy_(conv.weight.clone())
    fused.bias.copy_(torch.zeros(3))
    return fused


print(fuse(nn.Conv2d(3, 3, 1)).weight.requires_grad)
"""

# Raises "a leaf Variable that requires grad is being used in an in-place operation": the layer
# is enabled again before the copy.
_G1_ENABLED_AGAIN = """
import torch
import torch.nn as nn


def fuse(conv: nn.Conv2d) -> nn.Conv2d:
    fused = nn.Conv2d(3, 3, 1, bias=True).requires_grad_(False).to(conv.weight.device)
    fused.requires_grad_(True)
    fused.weight.copy_(conv.weight.clone())
    return fused


print(fuse(nn.Conv2d(3, 3, 1)).weight.requires_grad)
"""

# Raises the same on line 9: only the other layer was frozen.
_G1_OTHER_LAYER = """
import torch
import torch.nn as nn


def fuse(conv: nn.Conv2d) -> nn.Conv2d:
    frozen = nn.Conv2d(3, 3, 1).requires_grad_(False).to(conv.weight.device)
    fused = nn.Conv2d(3, 3, 1, bias=True).to(conv.weight.device)
    frozen.weight.copy_(conv.weight.clone())
    fused.weight.copy_(conv.weight.clone())
    return fused


print(fuse(nn.Conv2d(3, 3, 1)).weight.requires_grad)
"""


def test_g1_layer_frozen_where_it_is_built_is_silent() -> None:
    assert findings("PTL203", _G1_CHAINED) == []


def test_g1_layer_enabled_again_is_reported() -> None:
    assert [f.line for f in findings("PTL203", _G1_ENABLED_AGAIN)] == [8]


def test_g1_only_the_frozen_layer_is_excused() -> None:
    assert [f.line for f in findings("PTL203", _G1_OTHER_LAYER)] == [9]


# -- G2: a homework's own `Module` base class ---------------------------------------------------
_G2_OWN_BASE = """
import torch


class Module:
    def __init__(self):
        self._parameters = []

    def parameters(self):
        return [getattr(self, n) for n in self._parameters]
"""

_G2_TORCH_BASE = """
import torch.nn as nn


class Module(nn.Module):
    \"\"\"A course's base class on top of torch's: parameters() is nn.Module's.\"\"\"
"""

# With the own base: prints `False` (plain tensors initialised in place). With the torch base:
# raises "a leaf Variable that requires grad is being used in an in-place operation" on line 13.
_G2_LAYERS = """
import torch
import torch.nn as nn

from mini_nn import Module


class Linear(Module):
    def __init__(self, n, m):
        super().__init__()
        self.weight = {weight}
        {register}
        for p in self.parameters():
            p.uniform_(-0.1, 0.1)


print(Linear(3, 2).weight.requires_grad)
"""


def _ptl203_in_project(tmp_path: Path, base: str, weight: str, register: str) -> list[int]:
    (tmp_path / "mini_nn.py").write_text(source(base))
    layers = tmp_path / "layers.py"
    layers.write_text(source(_G2_LAYERS.format(weight=weight, register=register)))
    result = lint_source(layers.read_text(), path=str(layers), selection=Selection.of(["PTL203"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL203"]


def test_g2_own_module_base_from_another_file_is_silent(tmp_path: Path) -> None:
    assert _ptl203_in_project(tmp_path, _G2_OWN_BASE, "torch.zeros(m, n)", 'self._parameters = ["weight"]') == []


def test_g2_project_base_deriving_from_nn_module_is_reported(tmp_path: Path) -> None:
    lines = _ptl203_in_project(tmp_path, _G2_TORCH_BASE, "nn.Parameter(torch.zeros(m, n))", "self.bias = None")
    assert lines == [13]


# -- G7: a name bound in the if/elif branches of a loop body ------------------------------------
# Under torch: prints `ok`. RCAN's adversarial loss: the chain's tests read a setting the loop
# never changes (through `str.find`), so the path on which no branch binds `loss_d` would raise
# NameError in the first iteration; it never hands an earlier iteration's loss to a later one.
_G7_CHAIN = """
import torch
import torch.nn as nn

D = nn.Linear(4, 1)
opt = torch.optim.SGD(D.parameters(), lr=0.1)
gan_type = "WGAN-GP"
fake, real = torch.randn(8, 4), torch.randn(8, 4)
for _ in range(3):
    opt.zero_grad()
    d_fake, d_real = D(fake), D(real)
    if gan_type == "GAN":
        loss_d = d_fake.mean() + d_real.mean()
    elif gan_type.find("WGAN") >= 0:
        loss_d = (d_fake - d_real).mean()
        if gan_type.find("GP") >= 0:
            hat = fake.clone().requires_grad_()
            d_hat = D(hat)
            g = torch.autograd.grad(d_hat.sum(), hat, retain_graph=True, create_graph=True)[0]
            penalty = 10 * (g.norm(2, dim=1) - 1).pow(2).mean()
            loss_d += penalty
    loss_d.backward()
    opt.step()
print("ok")
"""

# Raises "Trying to backward through the graph a second time" on line 16 in the second
# iteration: the setting changes from one iteration to the next, and "GAN-X" takes no branch.
_G7_SETTING_CHANGES = """
import torch
import torch.nn as nn

D = nn.Linear(4, 1)
opt = torch.optim.SGD(D.parameters(), lr=0.1)
gan_types = ["WGAN-GP", "GAN-X"]
fake, real = torch.randn(8, 4), torch.randn(8, 4)
for i in range(3):
    opt.zero_grad()
    gan_type = gan_types[i % 2]
    d_fake, d_real = D(fake), D(real)
    if gan_type == "GAN":
        loss_d = d_fake.mean() + d_real.mean()
    elif gan_type.find("WGAN") >= 0:
        loss_d = (d_fake - d_real).mean()
    loss_d.backward()
    opt.step()
print("ok")
"""


def test_g7_loss_bound_in_an_invariant_string_test_chain_is_silent() -> None:
    assert findings("PTL201", _G7_CHAIN) == []


def test_g7_chain_on_a_setting_the_loop_changes_is_reported() -> None:
    assert [f.line for f in findings("PTL201", _G7_SETTING_CHANGES)] == [16]


# -- G8: state reset at the first step of every forward -----------------------------------------
# Under torch: prints `ok`. The first `t` of `range(0, steps, 2)` is 0, so each forward replaces
# the attention's cumulative state before reading it (Real-Time-Voice-Cloning's decoder).
_G8_RESET_AT_ZERO = """
import torch
import torch.nn as nn


class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.cumulative = {initial}

    def reset(self, x):
        self.cumulative = torch.zeros_like(x)

    def forward(self, x, t):
        if {test}:
            self.reset(x)
        s = torch.softmax(self.lin(x) + self.cumulative, dim=1)
        self.cumulative = self.cumulative + s
        return s


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attn()

    def forward(self, x, steps=6):
        outs = []
        for t in {steps}:
            outs.append(self.attn(x, t))
        return torch.stack(outs).sum()


model = Model()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = model(torch.randn(2, 4))
    opt.zero_grad()
    loss.backward()
    opt.step()
print("ok")
"""


def _g8(initial: str = "None", test: str = "t == 0", steps: str = "range(0, steps, 2)") -> str:
    return _G8_RESET_AT_ZERO.format(initial=initial, test=test, steps=steps)


def test_g8_state_reset_when_the_counter_starts_at_zero_is_silent() -> None:
    assert findings("PTL201", _g8()) == []
    assert findings("PTL201", _g8(steps="range(steps)")) == []


# Each raises "Trying to backward through the graph a second time" on line 39 in the second
# iteration: the reset never runs in the first step (the counter starts at 1, the test wants 1
# of 0, 2, 4, or the reset is skipped exactly at 0), so the state of the previous forward is read.
def test_g8_reset_the_first_step_skips_is_reported() -> None:
    zeros = "torch.zeros(2, 4)"
    assert [f.line for f in findings("PTL201", _g8(zeros, steps="range(1, steps, 2)"))] == [39]
    assert [f.line for f in findings("PTL201", _g8(zeros, test="t == 1"))] == [39]
    assert [f.line for f in findings("PTL201", _g8(zeros, test="t != 0"))] == [39]


# -- recall-4 PTL201: a backward per element of a comprehension over one generated batch ---------
# Raises "Trying to backward through the graph a second time" on line 17 at the second element:
# each call backwards the critic's score through `fake` into the generator's graph, which the
# first call freed. With `fake` detached (or the generator run under no_grad) it prints 4.
_COMPREHENSION_BACKWARD = """
import torch
import torch.nn as nn

gen = nn.Sequential(nn.Linear(8, 12), nn.Tanh())
critic = nn.Linear(12, 1)


class Saliency:
    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        x = x.requires_grad_() if not x.requires_grad else x
        x.retain_grad()
        score = self.model(x).sum()
        self.model.zero_grad()
        score.backward()
        return x.grad.abs()


fake = gen(torch.randn(4, 8)){detach}
saliency = Saliency(critic)
maps = [saliency(fake[i : i + 1]) for i in range(fake.size(0))]
print(len(maps))
"""


def test_backward_in_each_element_of_a_comprehension_is_reported() -> None:
    assert [f.line for f in findings("PTL201", _COMPREHENSION_BACKWARD.format(detach=""))] == [17]


def test_backward_in_a_comprehension_over_a_detached_batch_is_silent() -> None:
    assert findings("PTL201", _COMPREHENSION_BACKWARD.format(detach=".detach()")) == []


# -- recall-4 PTL203: an in-place change of a view of a parameter --------------------------------
# Raises "a view of a leaf Variable that requires grad is being used in an in-place operation" on
# line 15 (YOLOv5's `_initialize_biases`); under `torch.no_grad()` it prints `torch.Size([24])`.
_BIAS_VIEW = """
import math

import torch
from torch import nn


class Head(nn.Module):
    def __init__(self, na=3, no=8):
        super().__init__()
        self.na = na
        self.convs = nn.ModuleList(nn.Conv2d(c, na * no, 1) for c in (8, 16))
        {guard}
            for conv in self.convs:
                b = conv.bias.view(self.na, -1)
                b[:, 4] += math.log(8 / 640)

    def forward(self, xs):
        return [conv(x) for conv, x in zip(self.convs, xs)]


print(Head().convs[0].bias.shape)
"""


def test_in_place_change_of_a_view_of_a_parameter_is_reported() -> None:
    found = findings("PTL203", _BIAS_VIEW.format(guard="if True:"))
    assert [f.line for f in found] == [15]
    assert "a view of a parameter" in found[0].message
    assert "a view of a leaf Variable" in found[0].message


def test_view_of_a_parameter_changed_under_no_grad_is_silent() -> None:
    assert findings("PTL203", _BIAS_VIEW.format(guard="with torch.no_grad():")) == []


def _g8_deeper(text: str) -> str:
    """The attention one module further down (Tacotron's decoder holds it, as in the real code):
    the reset helper then runs four calls deep."""
    return text.replace(
        """
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attn()
""",
        """
class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attn()

    def forward(self, x, t):
        return self.attn(x, t)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Decoder()
""",
    )


def test_g8_state_reset_by_a_helper_four_calls_deep_is_silent() -> None:
    assert "Decoder" in _g8_deeper(_g8())
    assert findings("PTL201", _g8_deeper(_g8())) == []


# Raises "Trying to backward through the graph a second time" on line 48 in the second iteration.
def test_g8_reset_skipped_four_calls_deep_is_reported() -> None:
    assert [f.line for f in findings("PTL201", _g8_deeper(_g8("torch.zeros(2, 4)", test="t != 0")))] == [48]
