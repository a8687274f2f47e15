"""A VAE-GAN trainer handed its loss function (audit-19 G1, our programs of the shape): the
losses are entries of the dict one call of the function returns; the VAE loss is backwarded and
stepped, then the discriminator loss, computed from detached inputs: it runs under torch 2.13,
and the entries of a callable out of view prove no shared graph. The neighbours backward one
entry's graph twice (raises "Trying to backward through the graph a second time") or read rows
of one output tensor: they stay reported."""

from __future__ import annotations

import pytest

from tests.flow.programs import reported_lines, run_program

TRAINER = """\
import torch


def vaegan_trainer(vae, disc, vi, batches):
    opt_v = torch.optim.Adam(vae.parameters())
    opt_d = torch.optim.Adam(disc.parameters())
    for x in batches:
        losses, outputs = vi(vae, disc, x)
        loss_vae = losses["vae"] + losses["repr"]
        opt_v.zero_grad()
        loss_vae.backward()
        opt_v.step()
        loss_d = {second}
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
"""

MAIN = """\
import torch, torch.nn as nn
from trainer import vaegan_trainer


class VI(nn.Module):
    def forward(self, vae, disc, x):
        x_hat = vae(x)
        real, fake = disc(x.detach()), disc(x_hat.detach())
        losses = {
            "vae": (x_hat - x).pow(2).mean(),
            "repr": (disc(x_hat) - disc(x)).pow(2).mean(),
            "disc": -(real.sigmoid().log() + (1 - fake.sigmoid()).log()).mean(),
        }
        return losses, {"x_hat": x_hat}


vae, disc = nn.Sequential(nn.Linear(6, 3), nn.Linear(3, 6)), nn.Linear(6, 1)
vaegan_trainer(vae, disc, VI(), [torch.rand(5, 6) for _ in range(3)])
print("ran")
"""

ROWS = """\
import torch


def train(net, batches):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for x in batches:
        out = net(x)
        opt.zero_grad()
        out[0].sum().backward()
        out[1].sum().backward()
        opt.step()
"""

CASES = {  # the second loss, reported line or None
    "another entry": ('losses["disc"]', None),
    "the same entry again": ('losses["vae"] * 2', 15),
}


@pytest.mark.parametrize("case", CASES)
def test_entries_of_an_opaque_output_are_their_own_graphs(case: str) -> None:
    second, line = CASES[case]
    assert reported_lines(TRAINER.format(second=second), "PTL201", "trainer.py") == ([line] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_torch_agrees(case: str, tmp_path) -> None:
    second, line = CASES[case]
    run = run_program(tmp_path, MAIN, "main.py", {"trainer.py": TRAINER.format(second=second)})
    if line is None:
        assert run.returncode == 0 and run.stdout.strip() == "ran", run.stderr
    else:
        assert "backward through the graph a second time" in run.stderr


def test_rows_of_one_output_stay_one_graph() -> None:
    """An integer index may take a row of one tensor: still the callable's one graph."""
    assert reported_lines(ROWS, "PTL201") == [10]
