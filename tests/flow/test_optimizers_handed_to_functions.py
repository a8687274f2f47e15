"""A GAN's train() given both models and their optimizers (audit-17 M1, our programs of the
shape): the generator step runs first with its graph kept, then the discriminator loss of the
same un-detached fake is backwarded through the stepped generator. The optimizers reach train()
as arguments (built inline in the call, or by the caller), and train() may call the models by a
name `.to(DEVICE)` returned: the generator's optimizer is tied to the generator all the same.
Run under torch 2.13: every such program raises "modified by an inplace operation"; the fixed
neighbour (discriminator step first, on the detached fake) runs."""

from __future__ import annotations

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from tests.flow.programs import run_program

PROGRAM = """\
import torch, torch.nn as nn
DEVICE = torch.device("cpu")
def train(batches, discriminator, generator, optimizer_G, optimizer_D):
    D = {d}
    G = {g}
    bce = nn.BCELoss()
    for real in batches:
        samples = G(torch.randn(real.shape[0], 4))
{steps}
def main():
    generator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6))
    discriminator = nn.Sequential(nn.Linear(6, 1), nn.Sigmoid())
{call}
main()
print("ran")
"""

G_FIRST = """\
        d_real, d_fake = D(real), D(samples)
        g_loss = bce(d_fake, torch.ones_like(d_fake))
        optimizer_G.zero_grad(); g_loss.backward(retain_graph=True); optimizer_G.step()
        d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        optimizer_D.zero_grad(); d_loss.backward(); optimizer_D.step()"""
D_FIRST = """\
        d_loss = bce(D(real), torch.ones(real.shape[0], 1)) + bce(D(samples.detach()), torch.zeros(real.shape[0], 1))
        optimizer_D.zero_grad(); d_loss.backward(); optimizer_D.step()
        g_loss = bce(D(samples), torch.ones(real.shape[0], 1))
        optimizer_G.zero_grad(); g_loss.backward(); optimizer_G.step()"""
INLINE = """\
    batches = [torch.randn(5, 6) for _ in range(2)]
    train(batches, discriminator, generator,
          torch.optim.Adam(generator.parameters()), torch.optim.Adam(discriminator.parameters()))"""
BUILT = """\
    opt_g = torch.optim.Adam(generator.parameters())
    opt_d = torch.optim.Adam(discriminator.parameters())
    train([torch.randn(5, 6) for _ in range(2)], discriminator, generator, optimizer_D=opt_d, optimizer_G=opt_g)"""
ALIAS = ("discriminator.to(DEVICE)", "generator.to(DEVICE).train()")
PLAIN = ("discriminator", "generator")

CASES = {  # names in train(), how the optimizers are passed, the steps, reported line or None
    "aliases, inline optimizers": (ALIAS, INLINE, G_FIRST, 13),
    "plain names, inline optimizers": (PLAIN, INLINE, G_FIRST, 13),
    "aliases, optimizers the caller built": (ALIAS, BUILT, G_FIRST, 13),
    "fixed: discriminator first": (ALIAS, INLINE, D_FIRST, None),
    "fixed: discriminator first, built": (PLAIN, BUILT, D_FIRST, None),
}


def program(case: str) -> str:
    (d, g), call, steps, _ = CASES[case]
    return PROGRAM.format(d=d, g=g, call=call, steps=steps)


@pytest.mark.parametrize("case", CASES)
def test_a_step_between_two_backwards_of_one_graph_is_reported(case):
    result = lint_source(program(case), "gan.py", selection=Selection.of(["PTL201"]))
    line = CASES[case][3]
    assert [(f.line, "optimizer_G.step()" in f.message) for f in result.findings] == ([(line, True)] if line else [])


@pytest.mark.parametrize("case", CASES)
def test_the_programs_behave_as_the_findings_say(tmp_path, case):
    run = run_program(tmp_path, program(case))
    reported = CASES[case][3] is not None
    assert ("modified by an inplace operation" in run.stderr) is reported
    assert (run.stdout.strip() == "ran") is not reported
