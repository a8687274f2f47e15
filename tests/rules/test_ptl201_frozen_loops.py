"""PTL201: a module frozen by a loop over its parameters (``for p in vgg.parameters():
p.requires_grad_(False)``, ``p.requires_grad = False``, ``for name, p in vgg.named_parameters()``)
computes no graph of its own, as ``vgg.requires_grad_(False)`` does (flow/loop_effects.py
loop_freezing). Our style-transfer programs build the style target (a Gram matrix of the frozen
features of a style image that requires no grad) once before the loop; each runs under torch 2.13
and is silent. Without the freezing loop (the ``# FREEZE`` line and its ``for`` dropped) torch
raises "Trying to backward through the graph a second time" in the second step, and it is still
reported. The tests run both."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.loop_effects import loop_freezing
from pt_lsp.core.selection import Selection


def reported(source: str) -> list[int]:
    result = lint_source(source, "<frozen>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def run(source: str) -> None:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "frozen"}
    exec(compile(source, "<frozen>", "exec"), namespace)


def unfrozen(source: str) -> str:
    lines = source.splitlines()
    keep = [
        line
        for i, line in enumerate(lines)
        if "# FREEZE" not in line and not (i + 1 < len(lines) and "# FREEZE" in lines[i + 1])
    ]
    return "\n".join(keep) + "\n"


PROGRAMS = {
    "loop_requires_grad_": """\
import torch
import torch.nn as nn

features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
features.eval()
for p in features.parameters():
    p.requires_grad_(False)  # FREEZE


def gram(f):
    b, c, h, w = f.shape
    f = f.view(c, h * w)
    return f @ f.t() / (c * h * w)


content = torch.rand(1, 3, 8, 8)
style = torch.rand(1, 3, 8, 8)
content_target = features(content)
style_target = gram(features(style))
image = content.clone().requires_grad_(True)
opt = torch.optim.Adam([image], lr=0.05)
for step in range(3):
    out = features(image)
    loss = (out - content_target).pow(2).mean() + 10 * (gram(out) - style_target).pow(2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("ok")
""",
    "named_parameters_attr": """\
import torch
import torch.nn as nn

features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
features.eval()
for name, p in features.named_parameters():
    p.requires_grad = False  # FREEZE


def gram(f):
    b, c, h, w = f.shape
    f = f.view(c, h * w)
    return f @ f.t() / (c * h * w)


content = torch.rand(1, 3, 8, 8)
style = torch.rand(1, 3, 8, 8)
content_target = features(content)
style_target = gram(features(style))
image = content.clone().requires_grad_(True)
opt = torch.optim.Adam([image], lr=0.05)
for step in range(3):
    out = features(image)
    loss = (out - content_target).pow(2).mean() + 10 * (gram(out) - style_target).pow(2).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("ok")
""",
    "attribute_module_in_init": """\
import torch
import torch.nn as nn


class StyleLoss(nn.Module):
    def __init__(self):
        super().__init__()
        self.vgg = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU())
        for p in self.vgg.parameters():
            p.requires_grad = False  # FREEZE
        self.weight = 5.0

    def gram(self, x):
        b, c, h, w = x.shape
        f = x.reshape(b, c, h * w)
        return f @ f.transpose(1, 2) / (h * w)


class Stylizer:
    def __init__(self):
        self.crit = StyleLoss()
        self.net = nn.Conv2d(3, 3, 3, padding=1)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def fit(self, style, photos, steps):
        target = self.crit.gram(self.crit.vgg(style))
        for _ in range(steps):
            out = self.net(photos)
            loss = self.crit.weight * (self.crit.gram(self.crit.vgg(out)) - target).pow(2).sum()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


Stylizer().fit(torch.rand(1, 3, 8, 8), torch.rand(2, 3, 8, 8), 3)
print("ok")
""",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_module_frozen_by_a_loop_builds_no_graph(name: str) -> None:
    source = PROGRAMS[name]
    run(source)  # torch: trains the image (or the net) for every step
    assert reported(source) == []


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_without_the_freezing_loop_still_reported(name: str) -> None:
    source = unfrozen(PROGRAMS[name])
    assert "requires_grad = False" not in source and "requires_grad_(False)" not in source
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        run(source)
    assert len(reported(source)) == 1


@pytest.mark.parametrize(
    ("loop", "frozen"),
    [
        ("for p in vgg.parameters():\n    p.requires_grad_(False)", "vgg"),
        ("for p in self.enc.parameters():\n    p.requires_grad = False", "self.enc"),
        ("for n, p in vgg.named_parameters():\n    p.requires_grad = False", "vgg"),
        ("for p in vgg.parameters():\n    p.requires_grad_(True)", None),
        ("for p in vgg.parameters():\n    p.detach_()", None),
        ("for n, p in vgg.named_parameters():\n    if 'fc' not in n:\n        p.requires_grad = False", None),
        ("for p in vgg.parameters():\n    if p.dim() > 1:\n        break\n    p.requires_grad = False", None),
        ("for p in vgg.parameters():\n    p = p.clone()\n    p.requires_grad = False", None),
        ("for p in params:\n    p.requires_grad = False", None),
    ],
)
def test_which_loops_freeze_a_module(loop: str, frozen: str | None) -> None:
    stmt = ast.parse(loop).body[0]
    assert isinstance(stmt, ast.For)
    assert loop_freezing(stmt) == frozen
