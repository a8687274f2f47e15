"""PTL201 on two situations rebuilt (our own programs) from real questions about "Trying to
backward through the graph a second time": a GAN that trains its generator several times per
discriminator step and then feeds the last generator batch, undetached, to the discriminator;
and two losses returned together by a helper that share the generator's output. Both raise
under torch 2.13 at the marked line and are reported there; their fixed neighbours run silent."""

from __future__ import annotations

import pytest
from program_helpers import FREED, line_of, lines, run

GENERATOR_STEPS = """
import torch
import torch.nn as nn

netG = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 784), nn.Tanh())
netD = nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1), nn.Sigmoid())
optG = torch.optim.Adam(netG.parameters(), lr=2e-4)
optD = torch.optim.Adam(netD.parameters(), lr=2e-4)
bce = nn.BCELoss()
batches = [torch.rand(8, 1, 28, 28) for _ in range(3)]
for epoch in range(2):
    for real in batches:
        real = real.view(-1, 784)
        for _ in range(2):  # two generator updates per discriminator update
            fake = netG(torch.randn(real.shape[0], 16))
            scores = netD(fake).view(-1)
            g_loss = bce(scores, torch.ones_like(scores))
            netG.zero_grad()
            g_loss.backward()
            optG.step()
        real_scores = netD(real).view(-1)
        fake_scores = netD({fake}).view(-1)
        d_loss = bce(real_scores, torch.ones_like(real_scores)) + bce(fake_scores, torch.zeros_like(fake_scores))
        netD.zero_grad()
        d_loss.backward()  # fails
        optD.step()
"""

SHARED_LOSSES = """
import torch
import torch.nn as nn

G = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 5))
D = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 1))
optim_g = torch.optim.Adam(G.parameters(), lr=1e-3)
optim_d = torch.optim.Adam(D.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()


def compute_losses(real, noise):
    fake = G(noise)
    loss_g = criterion(D(fake), torch.ones(real.size(0), 1))
    loss_d = criterion(D(real), torch.ones(real.size(0), 1)) + criterion(D({fake}), torch.zeros(real.size(0), 1))
    return loss_g, loss_d


for step in range(3):
    real = torch.randn(16, 5)
    loss_g, loss_d = compute_losses(real, torch.randn(16, 10))
    optim_g.zero_grad()
    loss_g.backward()
    optim_g.step()
    optim_d.zero_grad()
    loss_d.backward()  # fails
    optim_d.step()
"""

PROGRAMS = {"generator_steps": GENERATOR_STEPS, "shared_losses": SHARED_LOSSES}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_raises_and_reported_at_the_failing_backward(name: str) -> None:
    program = PROGRAMS[name].format(fake="fake")
    with pytest.raises(RuntimeError, match=FREED):
        run(program)
    assert lines(program, "PTL201") == [line_of(program, "# fails")]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_detached_neighbour_runs_and_is_silent(name: str) -> None:
    program = PROGRAMS[name].format(fake="fake.detach()")
    run(program)
    assert lines(program, "PTL201") == []


def test_the_message_names_no_loss_as_the_shared_part() -> None:
    """Both losses come out of one helper; only the generator output inside it is shared, so the
    message must not say the losses depend on `loss_g` (the loss the first backward freed)."""
    from pt_lsp.core.engine import lint_source
    from pt_lsp.core.selection import Selection

    program = SHARED_LOSSES.format(fake="fake")
    (finding,) = [f for f in lint_source(program, selection=Selection.of(["PTL201"])).findings]
    assert "loss_g`" not in finding.message
    assert "shared subgraph" in finding.message
