"""PTL201 audit-15 G2 (benchmarks/ecosystem/audit-15.md, finding 10): a flag the program never
changes, read through a config dict, a nested options object or a namespace handed on, tested in
a loop and in what it calls (flow/splits.py). Every program is ours: losses appended to a list
under the flag in one place and summed, then reset, under the same flag before the one backward of
each iteration. Each runs under torch 2.13 for every value of the flag and is silent; its
neighbour without the reset (the `# RESET` line dropped) raises "Trying to backward through the
graph a second time" under torch and is still reported. The tests run both."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.splits import flag_path, split_ranges
from pt_lsp.core.selection import Selection
from pt_lsp.core.walk import NodeIndex


def reported(source: str) -> list[int]:
    result = lint_source(source, "<audit15>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def run(source: str) -> None:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit15"}
    exec(compile(source, "<audit15>", "exec"), namespace)


def without_reset(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if "# RESET" not in line) + "\n"


PROGRAMS = {
    "config_dict": '''\
"""A2C with curiosity, flag in a config dict on self (audit-15 G2's shape)."""
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, config):
        self.config = config
        self.policy = nn.Linear(4, 2)
        self.icm = nn.Linear(4, 4)
        self.optim = torch.optim.Adam(list(self.policy.parameters()) + list(self.icm.parameters()))
        self.icm_fwd_loss = []

    def run_episode(self):
        logps = []
        for _ in range(3):
            obs = torch.randn(1, 4)
            logps.append(torch.log_softmax(self.policy(obs), -1)[0, 0])
            if self.config["use_icm"]:
                self.icm_fwd_loss.append((self.icm(obs) - obs).pow(2).mean())
        return torch.stack(logps)

    def train(self, updates):
        for _ in range(updates):
            logps = self.run_episode()
            loss = -logps.mean()
            if self.config["use_icm"]:
                fwd_loss = sum(self.icm_fwd_loss) / len(self.icm_fwd_loss)
                self.icm_fwd_loss = []  # RESET
                loss = loss + fwd_loss
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()


Trainer({"use_icm": True}).train(3)
Trainer({"use_icm": False}).train(3)
print("trained")
''',
    "args_on_self": '''\
"""Curiosity losses kept on the agent, flag in an argparse namespace held as self.args."""
import argparse

import torch
import torch.nn as nn


class Agent:
    def __init__(self, args):
        self.args = args
        self.actor = nn.Linear(6, 3)
        self.forward_model = nn.Linear(6, 6)
        self.opt = torch.optim.SGD([*self.actor.parameters(), *self.forward_model.parameters()], lr=0.01)
        self.intrinsic = []

    def collect(self, steps):
        values = []
        for _ in range(steps):
            s = torch.randn(2, 6)
            values.append(self.actor(s).logsumexp(-1).mean())
            if self.args.curiosity:
                self.intrinsic.append(nn.functional.mse_loss(self.forward_model(s), s))
        return sum(values)

    def learn(self, iterations):
        for it in range(iterations):
            objective = -self.collect(4)
            if self.args.curiosity:
                objective = objective + torch.stack(self.intrinsic).mean()
                self.intrinsic = []  # RESET
            self.opt.zero_grad()
            objective.backward()
            self.opt.step()


parser = argparse.ArgumentParser()
parser.add_argument("--curiosity", action="store_true")
Agent(parser.parse_args(["--curiosity"])).learn(3)
Agent(parser.parse_args([])).learn(3)
print("ok")
''',
    "global_dict_functions": '''\
"""Plain functions, a module-level config dict: rollout() appends auxiliary losses to a global list
under CONFIG["aux"], main() sums and clears it under the same test."""
import torch
import torch.nn as nn

CONFIG = {"aux": True, "steps": 3}
policy = nn.Linear(5, 2)
aux_head = nn.Linear(5, 1)
optimizer = torch.optim.Adam([*policy.parameters(), *aux_head.parameters()])
aux_losses = []


def rollout():
    total = 0
    for _ in range(CONFIG["steps"]):
        x = torch.randn(1, 5)
        total = total + policy(x).softmax(-1)[0, 1]
        if CONFIG["aux"]:
            aux_losses.append(aux_head(x).pow(2).sum())
    return total


def main():
    for episode in range(4):
        loss = -rollout()
        if CONFIG["aux"]:
            loss = loss + sum(aux_losses)
            del aux_losses[:]  # RESET
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


main()
CONFIG["aux"] = False
main()
print("done")
''',
    "args_param_functions": '''\
"""Functions handed the options: rollout(env_model, args) appends predicted-state losses under
args.use_model, train(args) adds them and rebinds the list under the same option."""
import argparse

import torch
import torch.nn as nn


class Nets(nn.Module):
    def __init__(self):
        super().__init__()
        self.pi = nn.Linear(3, 2)
        self.model = nn.Linear(3, 3)
        self.model_losses = []


def rollout(nets, args):
    out = []
    for t in range(2):
        s = torch.randn(4, 3)
        out.append(nets.pi(s).log_softmax(-1)[:, 0].mean())
        if args.use_model:
            nets.model_losses.append((nets.model(s) - s).abs().mean())
    return torch.stack(out).sum()


def train(args):
    nets = Nets()
    opt = torch.optim.Adam(nets.parameters(), lr=1e-3)
    for update in range(3):
        loss = -rollout(nets, args)
        if args.use_model:
            loss = loss + sum(nets.model_losses)
            nets.model_losses = []  # RESET
        opt.zero_grad()
        loss.backward()
        opt.step()


train(argparse.Namespace(use_model=True))
train(argparse.Namespace(use_model=False))
print("ok")
''',
    "two_helpers": '''\
"""The loop tests nothing itself: self.gather() appends under self.cfg["recon"], self.objective()
sums and resets under the same key."""
import torch
import torch.nn as nn


class Learner:
    def __init__(self, cfg):
        self.cfg = cfg
        self.enc = nn.Linear(8, 4)
        self.dec = nn.Linear(4, 8)
        self.opt = torch.optim.Adam([*self.enc.parameters(), *self.dec.parameters()])
        self.recon = []

    def gather(self):
        codes = []
        for _ in range(2):
            x = torch.randn(3, 8)
            z = self.enc(x)
            codes.append(z.pow(2).mean())
            if self.cfg["recon"]:
                self.recon.append((self.dec(z) - x).pow(2).mean())
        return codes

    def objective(self, codes):
        loss = torch.stack(codes).sum()
        if self.cfg["recon"]:
            loss = loss + torch.stack(self.recon).mean()
            self.recon = []  # RESET
        return loss

    def fit(self, n):
        for i in range(n):
            codes = self.gather()
            loss = self.objective(codes)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


Learner({"recon": True}).fit(3)
Learner({"recon": False}).fit(3)
print("fitted")
''',
    "mode_string": '''\
"""A loss mode compared with strings: self.opts["loss"] == "icm" appends in the rollout, and the
update's chain of modes sums and resets under the same comparison."""
import torch
import torch.nn as nn


class PPO:
    def __init__(self, opts):
        self.opts = opts
        self.net = nn.Linear(4, 2)
        self.icm = nn.Linear(4, 4)
        self.optim = torch.optim.Adam([*self.net.parameters(), *self.icm.parameters()])
        self.extra = []

    def rollout(self):
        logps = []
        for _ in range(3):
            obs = torch.randn(1, 4)
            logps.append(self.net(obs).log_softmax(-1)[0, 1])
            if self.opts["loss"] == "icm":
                self.extra.append((self.icm(obs) - obs).pow(2).mean())
        return torch.stack(logps)

    def update(self, n):
        for _ in range(n):
            loss = -self.rollout().mean()
            if self.opts["loss"] == "icm":
                loss = loss + torch.stack(self.extra).mean()
                self.extra = []  # RESET
            elif self.opts["loss"] == "entropy":
                loss = loss - 0.01
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()


for mode in ("icm", "entropy", "plain"):
    PPO({"loss": mode}).update(3)
print("ok")
''',
    "nested_cfg": '''\
"""A nested options object: self.cfg.icm.enabled."""
from types import SimpleNamespace

import torch
import torch.nn as nn


class Runner:
    def __init__(self, cfg):
        self.cfg = cfg
        self.pi = nn.Linear(4, 2)
        self.fwd = nn.Linear(4, 4)
        self.opt = torch.optim.Adam([*self.pi.parameters(), *self.fwd.parameters()])
        self.fwd_losses = []

    def episode(self):
        lp = []
        for _ in range(3):
            o = torch.randn(1, 4)
            lp.append(self.pi(o).log_softmax(-1)[0, 0])
            if self.cfg.icm.enabled:
                self.fwd_losses.append((self.fwd(o) - o).pow(2).mean())
        return torch.stack(lp)

    def run(self, n):
        for _ in range(n):
            loss = -self.episode().mean()
            if self.cfg.icm.enabled:
                loss = loss + sum(self.fwd_losses) / len(self.fwd_losses)
                self.fwd_losses = []  # RESET
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()


Runner(SimpleNamespace(icm=SimpleNamespace(enabled=True))).run(3)
Runner(SimpleNamespace(icm=SimpleNamespace(enabled=False))).run(3)
print("ok")
''',
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_flag_the_program_never_changes_takes_one_side_everywhere(name: str) -> None:
    source = PROGRAMS[name]
    run(source)  # torch: trains for every value of the flag
    assert reported(source) == []


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_without_the_reset_still_reported(name: str) -> None:
    source = without_reset(PROGRAMS[name])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        run(source)
    assert len(reported(source)) == 1


# -- which flags are split ---------------------------------------------------------------------------
FLAGGED = """
class Trainer:
    def __init__(self, config):
        self.config = config

    def train(self, x, model):
        for step in range(3):
            if {flag}:
                out = model(x)
            {between}
            if {flag}:
                out.sum().backward()
{more}
"""


@pytest.mark.parametrize(
    ("flag", "between", "more", "split"),
    [
        ('self.config["aux"]', "pass", "", True),
        ('self.config["mode"] == "a"', "pass", "", True),
        ("self.config.aux.on", "pass", "", True),
        ('self.config["aux"]', 'self.config["aux"] = False', "", False),  # stored in the loop
        ('self.config["aux"]', "pass", "    def flip(self):\n        self.config['aux'] = 0", False),  # by a method
        ('self.config["aux"]', "pass", "    def flip(self):\n        self.config.update(aux=0)", False),
        ('self.config["aux"]', "pass", "    def flip(self):\n        self.config.pop('aux')", False),
        ("self.config.aux.on", "pass", "    def flip(self):\n        self.config.aux.on = 0", False),
        ("self.config.env.done", "self.config.env.step()", "", False),  # a method of the object on the way
        ('self.config["cuda"]', "pass", "", False),  # a CUDA flag: the device rules read both branches
        ("self.config.net.training", "pass", "", False),  # torch's own state
    ],
)
def test_which_flags_are_split(flag: str, between: str, more: str, split: bool) -> None:
    source = FLAGGED.format(flag=flag, between=between, more=more)
    tree = ast.parse(source)
    assert bool(split_ranges(tree, NodeIndex(tree), source)) is split


def test_a_module_dict_set_up_before_the_loop_is_constant_but_not_one_set_in_a_loop() -> None:
    source = PROGRAMS["global_dict_functions"]
    tree = ast.parse(source)
    assert split_ranges(tree, NodeIndex(tree), source)  # CONFIG["aux"] = False between two main() calls
    looped = source.replace(
        'CONFIG["aux"] = False\nmain()', 'for flag in (True, False):\n    CONFIG["aux"] = flag\n    main()'
    )
    assert looped != source
    tree = ast.parse(looped)
    assert not split_ranges(tree, NodeIndex(tree), looped)


def test_a_helper_given_another_object_under_the_flag_name_is_not_split() -> None:
    """``rollout(nets, other)``: the helper's ``args`` is not the caller's, so its test is not decided
    with the caller's (both programs stay reported, reset or not)."""
    source = PROGRAMS["args_param_functions"].replace("rollout(nets, args)", "rollout(nets, other)")
    source = source.replace("def train(args):", "def train(args, other=None):")
    assert reported(without_reset(source)) and reported(source)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('self.config["use_icm"]', "self.config['use_icm']"),
        ("cfg.a.b", "cfg.a.b"),
        ("config[0]", "config[0]"),
        ("config[k]", None),
        ("f().a", None),
        ("x", None),
    ],
)
def test_flag_paths(text: str, path: str | None) -> None:
    assert flag_path(ast.parse(text, mode="eval").body) == path
