"""Session 10, H-401: audit-11 M2 for PTL204: optimizers bound by one tuple assignment, and an update
method that resets other optimizers but never one it steps. Every program is ours, written for these
tests; the comment above each says what torch 2.13 did with it (the device ones also under pt-lsp's
fake-cuda proxy, ``pt-lsp run --device fake-cuda``; methods called by a driver that is not part of
the linted file)."""

from __future__ import annotations

from rules_helpers import lines

# -- PTL204: optimizers bound by one tuple assignment (M2, our first program of the shape) ------

# torch: the critic's gradient norm grows 0.64, 1.27, 1.91 (lr=0 so the weights stay put).
PAIR = """
import torch
import torch.nn as nn

actor, critic = nn.Linear(3, 2), nn.Linear(3, 1)
opt_actor, opt_critic = torch.optim.SGD(actor.parameters(), lr=0.0), torch.optim.SGD(critic.parameters(), lr=0.0)
obs = torch.ones(4, 3)
for step in range(3):
    opt_actor.zero_grad()
    loss = actor(obs).pow(2).mean() + critic(obs).pow(2).mean()
    loss.backward()
    opt_actor.step()
    opt_critic.step()
    print(step, float(critic.weight.grad.norm()))
"""


def test_optimizers_bound_by_one_tuple_assignment_are_known() -> None:
    assert lines("PTL204", PAIR) == [12]


def test_the_pair_with_both_resets_is_silent() -> None:
    # torch: the critic's gradient norm stays 0.60 at every step.
    fixed = PAIR.replace("    opt_actor.zero_grad()\n", "    opt_actor.zero_grad()\n    opt_critic.zero_grad()\n")
    assert lines("PTL204", fixed) == []


# -- PTL204: an update method that resets other optimizers, called from elsewhere (M2) ----------

# torch (a driver calling update() three times, lr=0): the second critic's gradient norm grows
# 0.58, 1.15, 1.73; with `self.c2_opt.zero_grad()` added it stays 0.58.
TWIN = """
import torch
import torch.nn as nn


class TwinUpdate:
    def __init__(self):
        self.c1, self.c2, self.actor = nn.Linear(3, 1), nn.Linear(3, 1), nn.Linear(3, 3)
        self.c1_opt = torch.optim.SGD(self.c1.parameters(), lr=0.0)
        self.c2_opt = torch.optim.SGD(self.c2.parameters(), lr=0.0)
        self.actor_opt = torch.optim.SGD(self.actor.parameters(), lr=0.0)

    def update(self, obs, target):
        self.c1_opt.zero_grad()
        critic_loss = ((self.c1(obs) - target) ** 2).mean() + ((self.c2(obs) - target) ** 2).mean()
        critic_loss.backward()
        self.c1_opt.step()
        self.c2_opt.step()
        self.actor_opt.zero_grad()
        actor_loss = -self.c1(self.actor(obs)).mean()
        actor_loss.backward()
        self.actor_opt.step()
        return float(self.c2.weight.grad.norm())
"""

# torch (the same driver, train_step three times): the generator's gradient norm grows 0.84,
# 1.68, 2.52; with `self.opt_g.zero_grad()` before the generator's backward it stays constant.
GAN_STEP = """
import torch
import torch.nn as nn


class GanStep:
    def __init__(self):
        self.gen, self.disc = nn.Linear(2, 3), nn.Linear(3, 1)
        self.opt_g = torch.optim.SGD(self.gen.parameters(), lr=0.0)
        self.opt_d = torch.optim.SGD(self.disc.parameters(), lr=0.0)

    def train_step(self, real):
        self.opt_d.zero_grad()
        fake = self.gen(torch.ones(4, 2))
        d_loss = (self.disc(fake.detach()) - self.disc(real)).mean()
        d_loss.backward()
        self.opt_d.step()
        g_loss = -self.disc(fake).mean()
        g_loss.backward()
        self.opt_g.step()
        return float(self.gen.weight.grad.norm())
"""


def test_update_method_that_never_resets_one_of_its_optimizers_is_reported() -> None:
    found = lines("PTL204", TWIN)
    assert found == [17]
    assert lines("PTL204", GAN_STEP) == [19]


def test_update_method_resetting_every_optimizer_it_steps_is_silent() -> None:
    fixed = TWIN.replace(
        "        self.c1_opt.zero_grad()\n", "        self.c1_opt.zero_grad()\n        self.c2_opt.zero_grad()\n"
    )
    assert lines("PTL204", fixed) == []
    gan_fixed = GAN_STEP.replace("        g_loss = -", "        self.opt_g.zero_grad()\n        g_loss = -")
    assert lines("PTL204", gan_fixed) == []


def test_an_optimizer_reset_by_another_method_of_the_file_is_left_alone() -> None:
    # which of the two the caller runs first is not in view: no proof either way
    reset_elsewhere = TWIN + "\n    def clear(self):\n        self.c2_opt.zero_grad()\n"
    assert lines("PTL204", reset_elsewhere) == []


def test_the_fix_resets_the_optimizer_before_the_backward() -> None:
    from rules_helpers import fixed

    out = fixed("PTL204", TWIN)
    assert "        self.c2_opt.zero_grad()\n        critic_loss.backward()" in out
