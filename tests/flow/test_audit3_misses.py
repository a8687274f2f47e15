"""Misses of the third audit (benchmarks/ecosystem/audit-3.md): real bugs read in training scripts
pt-lsp was not tuned on, which no rule reports today. Each program has the shape of the real code and
fails under torch (a test here runs it); the test that wants the finding is xfail(strict=True) until
the rule reports it. The programs are ours."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

IN_PLACE = "modified by an inplace operation"


def codes(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<audit3>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


# znxlwm/pytorch-generative-model-collections infoGAN.py: the generator's loss and the information
# loss share one forward through G and D; G_optimizer.step() between their two backward passes
# updates, in place, a weight of G that the shared graph saved (G's second layer sees an input that
# requires grad). audit.md's M1 (the stepped module is D) is reported; here the stepped module is G.
STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS = """
    import torch
    from torch import nn

    G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    D = nn.Linear(4, 3)
    opt_g = torch.optim.Adam(G.parameters())
    z = torch.rand(5, 3)
    out = D(G(z))
    g_loss = out[:, 0].mean()
    info_loss = out[:, 1:].pow(2).mean()
    g_loss.backward(retain_graph=True)
    opt_g.step()
    info_loss.backward()
    """

# The same inside a trainer class, as written there (three optimizers, one of them over G and D).
INFOGAN_TRAINER = """
    import itertools

    import torch
    from torch import nn


    class Trainer:
        def __init__(self):
            self.G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
            self.D = nn.Linear(4, 3)
            self.G_optimizer = torch.optim.Adam(self.G.parameters())
            self.D_optimizer = torch.optim.Adam(self.D.parameters())
            self.info_optimizer = torch.optim.Adam(itertools.chain(self.G.parameters(), self.D.parameters()))

        def train(self):
            for it in range(2):
                z = torch.rand(5, 3)
                self.D_optimizer.zero_grad()
                d_loss = self.D(self.G(z))[:, 0].mean()
                d_loss.backward(retain_graph=True)
                self.D_optimizer.step()

                self.G_optimizer.zero_grad()
                out = self.D(self.G(z))
                g_loss = -out[:, 0].mean()
                g_loss.backward(retain_graph=True)
                self.G_optimizer.step()

                info_loss = out[:, 1:].pow(2).mean()
                info_loss.backward()
                self.info_optimizer.step()


    Trainer().train()
    """

MISSES = {
    "PTL201 step of a two-layer generator between two backward passes": (
        STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS,
        [14],
    ),
    "PTL201 the same in an infoGAN trainer": (INFOGAN_TRAINER, [31]),
}


@pytest.mark.xfail(strict=True, reason="audit-3 miss: PTL201 optimizer.step() of G between backwards sharing G's graph")
def test_ptl201_step_of_the_generator_between_two_backwards() -> None:
    source, lines = MISSES["PTL201 step of a two-layer generator between two backward passes"]
    assert codes(source, "PTL201") == [(line, "PTL201") for line in lines]


@pytest.mark.xfail(strict=True, reason="audit-3 miss: PTL201 infoGAN trainer steps G before the info loss backward")
def test_ptl201_infogan_trainer() -> None:
    source, lines = MISSES["PTL201 the same in an infoGAN trainer"]
    assert codes(source, "PTL201") == [(line, "PTL201") for line in lines]


@pytest.mark.parametrize("name", sorted(MISSES))
def test_miss_raises_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    source, lines = MISSES[name]
    program = textwrap.dedent(source)
    assert all("backward()" in program.splitlines()[line - 1] for line in lines)
    with pytest.raises(RuntimeError, match=IN_PLACE):
        exec(compile(program, "<audit3>", "exec"), {"__name__": "audit3"})


def test_a_one_layer_generator_runs() -> None:
    # the boundary: a single Linear fed by data saves no weight of its own, so stepping it is harmless
    pytest.importorskip("torch")
    program = textwrap.dedent(STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS).replace(
        "nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))", "nn.Linear(3, 4)"
    )
    namespace: dict[str, object] = {"__name__": "audit3"}
    exec(compile(program, "<audit3>", "exec"), namespace)
    assert "info_loss" in namespace
