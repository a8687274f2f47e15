"""PTL201 false alarms of the ninth audit (benchmarks/ecosystem/audit-9.md, causes G1, G2 and G4):
training code nobody here had read. Each program is ours and has the shape of the real code; it
runs under torch 2.13 and draws no PTL201. Beside each, a nearby program with a real freed-graph
bug keeps its finding, and torch raises "Trying to backward through the graph a second time" on
it (the test runs both)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

FREED = "backward through the graph a second time"


def lines(source: str, path: str = "<audit9>") -> list[int]:
    result = lint_source(textwrap.dedent(source), path, selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit9"}
    exec(compile(textwrap.dedent(source), "<audit9>", "exec"), namespace)
    return namespace


def raises_freed(source: str) -> None:
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# G1: Fisher estimation: one forward, one backward per class; the graph is kept for every class
# but the last by a computed flag.
FISHER = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    fisher = [torch.zeros_like(p) for p in model.parameters()]
    for x in [torch.randn(1, 4) for _ in range(2)]:
        output = model(x)
        for k in range(output.shape[1]):
            nll = F.cross_entropy(output, torch.tensor([k]))
            model.zero_grad()
            nll.backward(retain_graph=True if (k + 1) < output.shape[1] else False)
            for f, p in zip(fisher, model.parameters()):
                f += p.grad ** 2
    """
FISHER_FLAG = "nll.backward(retain_graph=True if (k + 1) < output.shape[1] else False)"

# The same with autograd.grad in a comprehension: `i < len(lls)` is false only for the last.
GRADS = """
    import torch
    import torch.nn as nn
    from torch import autograd

    model = nn.Linear(4, 3)
    lls = list(model(torch.randn(5, 4)).log_softmax(-1)[:, 0].unbind())
    grads = [autograd.grad(l, model.parameters(), retain_graph=(i < len(lls))) for i, l in enumerate(lls, 1)]
    """


def test_g1_a_flag_true_for_every_backward_but_the_last_keeps_the_graph() -> None:
    """Both run under torch: every backward but the last keeps the graph it shares with the next."""
    assert lines(FISHER) == []
    assert lines(GRADS) == []
    run(FISHER)
    assert len(run(GRADS)["grads"]) == 5


def test_g1_a_flag_computed_in_the_loop_and_passed_by_name_keeps_the_graph() -> None:
    """``keep = k + 1 < n`` in the loop, then ``retain_graph=keep``: it runs under torch."""
    by_name = FISHER.replace(
        FISHER_FLAG, "keep = (k + 1) < output.shape[1]\n            nll.backward(retain_graph=keep)"
    )
    assert lines(by_name) == []
    run(by_name)


@pytest.mark.parametrize(
    "flag",
    ["nll.backward()", "nll.backward(retain_graph=False)", "keep = False\n            nll.backward(retain_graph=keep)"],
)
def test_g1_absent_false_or_proven_false_flags_stay_reported(flag: str) -> None:
    """The graph built before the inner loop is freed by its first backward: torch raises in the
    second iteration, and the finding stays (a name proven False in the loop too)."""
    freeing = FISHER.replace(FISHER_FLAG, flag)
    assert lines(freeing) == [13 + flag.count("\n")]
    raises_freed(freeing)


def test_g1_a_comprehension_of_grads_without_the_flag_stays_reported() -> None:
    freeing = GRADS.replace("retain_graph=(i < len(lls))", "retain_graph=False")
    assert lines(freeing) == [8]
    raises_freed(freeing)


# G2: the discriminator-loss helper detaches the reconstruction inside (after adding noise); the
# generator loss uses only detached discriminator features: the two losses share no node.
VAE_GAN = """
    import torch
    import torch.nn as nn


    class VAEGAN:
        def __init__(self):
            self.generator = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4))
            self.discriminator = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
            self.d_optim = torch.optim.Adam(self.discriminator.parameters())
            self.g_optim = torch.optim.Adam(self.generator.parameters())

        def discriminator_loss(self, x, recon_x):
            recon_x = recon_x + 0.1 * torch.randn_like(recon_x)
            return (self.discriminator(x) - self.discriminator(recon_x.detach())).mean()

        def generator_loss(self, x, recon_x):
            features = self.discriminator(recon_x)
            return (recon_x - x).pow(2).mean() + features.detach().mean()

        def train_step(self, x):
            recon = self.generator(torch.randn(8, 4))
            loss_d = self.discriminator_loss(x, recon)
            loss_g = self.generator_loss(x, recon)
            self.d_optim.zero_grad()
            loss_d.backward()
            self.d_optim.step()
            self.g_optim.zero_grad()
            loss_g.backward()
            self.g_optim.step()


    gan = VAEGAN()
    for _ in range(2):
        gan.train_step(torch.randn(8, 4))
    """


def test_g2_a_helper_that_detaches_the_shared_tensor_inside() -> None:
    """The helpers' bodies are followed in the standalone analysis of ``train_step``: it runs."""
    assert lines(VAE_GAN) == []
    run(VAE_GAN)


def test_g2_a_helper_that_does_not_detach_stays_reported() -> None:
    """Without the detach the discriminator loss backwards through the generator; the generator
    loss meets the freed graph: torch raises."""
    shared = VAE_GAN.replace("self.discriminator(recon_x.detach())", "self.discriminator(recon_x)")
    assert lines(shared) == [29]
    raises_freed(shared)


def test_g2_a_helper_that_does_not_use_the_tensor_with_grad_even_without_noise() -> None:
    quiet = VAE_GAN.replace("            recon_x = recon_x + 0.1 * torch.randn_like(recon_x)\n", "")
    assert lines(quiet) == []
    run(quiet)


# G4: an image pool that returns its argument only when its size is 0; the program's pools have
# size 50, and the other path returns copies of `images.data`, which carry no graph.
POOL = """
    import random

    import torch


    class ImagePool:
        def __init__(self, size):
            self.size = size
            self.images = []

        def query(self, images):
            if self.size == 0:
                return images
            out = []
            for image in images.data:
                image = torch.unsqueeze(image, 0)
                if len(self.images) < self.size:
                    self.images.append(image)
                    out.append(image)
                elif random.random() > 0.5:
                    i = random.randint(0, self.size - 1)
                    out.append(self.images[i].clone())
                    self.images[i] = image
                else:
                    out.append(image)
            return torch.cat(out, 0)
    """

PASS_THROUGH = """
    class ImagePool:
        def __init__(self, size):
            self.size = size

        def query(self, images):
            return images
    """

TRAIN = """
    import torch
    import torch.nn as nn

    import pool

    G = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4))
    D = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    g_opt = torch.optim.Adam(G.parameters())
    d_opt = torch.optim.Adam(D.parameters())
    fake_store = pool.ImagePool(50)
    for _ in range(2):
        fake = G(torch.randn(8, 4))
        g_loss = (D(fake) - 1).pow(2).mean()
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        fake = fake_store.query(fake)
        d_loss = D(fake).pow(2).mean() + (D(torch.randn(8, 4)) - 1).pow(2).mean()
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
    """


def project(folder: Path, pool: str | None) -> Path:
    if pool is not None:
        (folder / "pool.py").write_text(textwrap.dedent(pool))
    train = folder / "train.py"
    train.write_text(textwrap.dedent(TRAIN))
    return train


def run_file(path: Path) -> dict[str, Any]:
    """Run the training file with its folder importable (its own `pool` module)."""
    sys.path.insert(0, str(path.parent))
    sys.modules.pop("pool", None)
    try:
        return run(path.read_text())
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop("pool", None)


def test_g4_a_pool_whose_pass_through_path_is_not_taken(tmp_path: Path) -> None:
    """The result may or may not carry the argument's graph: the sharing is not proven. It runs."""
    train = project(tmp_path, POOL)
    assert lines(train.read_text(), str(train)) == []
    run_file(train)


def test_g4_the_same_pool_class_in_the_training_file(tmp_path: Path) -> None:
    single = textwrap.dedent(POOL) + textwrap.dedent(TRAIN).replace("import pool\n", "").replace(
        "pool.ImagePool", "ImagePool"
    )
    assert lines(single) == []
    run(single)


def test_g4_a_pool_that_returns_its_argument_stays_reported(tmp_path: Path) -> None:
    """A known helper returning the generator output unchanged: the discriminator loss backwards
    through the generator graph that `g_loss.backward()` freed; torch raises."""
    train = project(tmp_path, PASS_THROUGH)
    assert lines(train.read_text(), str(train)) == [21]
    with pytest.raises(RuntimeError, match=FREED):
        run_file(train)


def test_g4_a_pool_of_unknown_class_stays_reported(tmp_path: Path) -> None:
    """Without pool.py the class is unknown, and an unknown callable given the generator output
    is read as extending its graph (as `self.loss(logits, labels)` of a base class in another
    file is): the finding stays, as audit-9 found. The program cannot run without pool.py."""
    train = project(tmp_path, None)
    assert lines(train.read_text(), str(train)) == [21]


STEPPED_BETWEEN = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    output = model(torch.randn(2, 4))
    n = output.shape[1]
    for k in range(n):
        loss = output[:, k].pow(2).mean()
        opt.zero_grad()
        loss.backward(retain_graph=k + 1 < n)
        opt.step()
    """


def test_g1_a_graph_kept_by_a_computed_flag_then_stepped_stays_reported() -> None:
    """The flag keeps the graph in the first iteration; the step updates the parameters it saved
    and the second backward raises torch's "modified by an inplace operation"."""
    result = lint_source(textwrap.dedent(STEPPED_BETWEEN), "<audit9>", selection=Selection.of(["PTL201"]))
    assert [(f.line, "inplace" in f.message) for f in result.findings] == [(12, True)]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(STEPPED_BETWEEN)
