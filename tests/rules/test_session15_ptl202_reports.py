"""PTL202 facts taught from real reports' shapes (issue 11, session 15, H-202).

Our own programs, rebuilt from the structure of real reports (online hard example mining's
`losses.topk(k)`, an A2C agent whose `get_losses` returns a `torch.zeros(T, n_envs)`-shaped critic
loss handed to its own `update_parameters`, Grad-CAM's `__call__` running `self.forward(x)`, a
training loop of engine.py given its criterion by main.py), plus variants that were in no report.
Every reported single-file program is run under torch here: it raises "grad can be implicitly
created only for scalar outputs" at its `# fails` line; every silent neighbour runs to its end.
Before this change none of the reported programs was reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

NON_SCALAR = "grad can be implicitly created only for scalar outputs"

# -- PTL202 ----------------------------------------------------------------------------------------
REPORTED_202 = {
    # bentrevett/pytorch-rl#2's shape: discounted returns built backwards with `insert(0, R)` over
    # the rewards of an episode loop, normalised, handed with the log-probabilities to a helper
    "returns_inserted_then_policy_loss": """\
import torch
import torch.nn as nn


def calculate_returns(rewards, gamma):
    returns, R = [], 0
    for r in reversed(rewards):
        R = r + R * gamma
        returns.insert(0, R)
    returns = torch.tensor(returns)
    return (returns - returns.mean()) / (returns.std() + 1e-8)


def update_policy(returns, log_prob_actions, optimizer):
    policy_loss = -(returns.detach() * log_prob_actions)
    optimizer.zero_grad()
    policy_loss.backward()  # fails
    optimizer.step()


policy = nn.Linear(4, 2)
log_probs, rewards = [], []
for step in range(6):
    logits = policy(torch.randn(1, 4))
    log_probs.append(torch.log_softmax(logits, -1)[0, 0])
    rewards.append(1.0)
update_policy(calculate_returns(rewards, 0.99), torch.stack(log_probs), torch.optim.SGD(policy.parameters(), lr=0.1))
""",
    # variant: per-step advantages appended in a loop, made a tensor, minus a scalar baseline
    "appended_advantages_minus_baseline": """\
import torch

critic = torch.zeros(1, requires_grad=True)
advantages, values = [], []
for t in range(5):
    advantages.append(float(t))
adv = torch.tensor(advantages) - critic.sum()
adv.backward()  # fails
""",
    # pytorch/pytorch#2147's shape: the k hardest per-sample losses, a vector of k values
    "ohem_topk_values_unpacked": """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def ohem_loss(logits, target, keep=8):
    losses = F.cross_entropy(logits, target, reduction="none")
    hard, _ = losses.topk(keep)
    return hard


model = nn.Linear(20, 5)
loss = ohem_loss(model(torch.randn(32, 20)), torch.randint(0, 5, (32,)))
loss.backward()  # fails
""",
    # variant: the `.values` of `torch.topk` with k by keyword
    "topk_values_attribute": """\
import torch
import torch.nn as nn

net = nn.Linear(6, 1)
scores = net(torch.randn(20, 6)).squeeze(1)
top = torch.topk(scores, k=5).values
top.backward()  # fails
""",
    # variant: sorted per-pixel losses of a segmentation map, the hardest columns kept
    "sorted_hardest_pixels": """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def hardest(per_pixel, ratio_k=16):
    flat = per_pixel.view(per_pixel.size(0), -1)
    vals, _ = flat.sort(dim=1, descending=True)
    return vals[:, :ratio_k]


conv = nn.Conv2d(3, 4, 3, padding=1)
loss_map = F.cross_entropy(conv(torch.randn(2, 3, 8, 8)), torch.randint(0, 4, (2, 8, 8)), reduction="none")
loss = hardest(loss_map)
loss.backward()  # fails
""",
    # Gymnasium#1494's shape: advantages of shape (T, n_envs) squared, returned by a method of the
    # agent (an nn.Module) and handed to another of its methods
    "a2c_critic_loss_to_update_method": """\
import torch
import torch.nn as nn


class A2C(nn.Module):
    def __init__(self, n_envs=3):
        super().__init__()
        self.n_envs = n_envs
        self.critic = nn.Linear(4, 1)
        self.critic_optim = torch.optim.RMSprop(self.critic.parameters(), lr=5e-3)

    def get_losses(self, rewards, value_preds, gamma):
        T = len(rewards)
        advantages = torch.zeros(T, 3)
        for t in reversed(range(T - 1)):
            advantages[t] = rewards[t] + gamma * value_preds[t + 1] - value_preds[t]
        return advantages.pow(2)

    def update_parameters(self, critic_loss):
        self.critic_optim.zero_grad()
        critic_loss.backward()  # fails
        self.critic_optim.step()


agent = A2C()
values = agent.critic(torch.randn(5, 3, 4)).squeeze(-1)
agent.update_parameters(agent.get_losses(torch.ones(5, 3), values, 0.99))
""",
    # variant: per-step weights of shape (steps, actions), the step count unknown, the action count stated
    "step_weights_rows_unknown": """\
import torch

N_ACTIONS = 4


def step_weights(observations):
    return torch.ones(len(observations), N_ACTIONS, requires_grad=True)


w = step_weights([torch.randn(8) for _ in range(6)])
(w * 2).backward()  # fails
""",
    # 1Konny/gradcam_plus_plus-pytorch#7's shape: `__call__` runs `self.forward(x)`; the class
    # score per image of a batch is a matrix
    "gradcam_call_runs_forward": """\
import torch
import torch.nn as nn


class GradCAM:
    def __init__(self, model):
        self.model = model

    def forward(self, x, class_idx=None):
        logit = self.model(x)
        score = logit[:, logit.max(1)[-1]].squeeze()
        self.model.zero_grad()
        score.backward()  # fails
        return score

    def __call__(self, x, class_idx=None):
        return self.forward(x, class_idx)


cam = GradCAM(nn.Linear(6, 5))
cam(torch.randn(4, 6))
""",
    # variant: a module's own method called on its instance, the loss computed in another method
    "module_method_gets_per_sample_loss": """\
import torch
import torch.nn as nn


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.opt = torch.optim.SGD(self.parameters(), lr=0.1)

    def forward(self, x):
        return self.fc(x)

    def learn(self, loss):
        self.opt.zero_grad()
        loss.backward()  # fails
        self.opt.step()


model = Regressor()
x, y = torch.randn(8, 3), torch.randn(8, 2)
model.learn(nn.functional.mse_loss(model(x), y, reduction="none"))
""",
}

SILENT_202 = {
    "returns_inserted_reduced": """\
import torch


def calculate_returns(rewards, gamma):
    returns, R = [], 0
    for r in reversed(rewards):
        R = r + R * gamma
        returns.insert(0, R)
    return torch.tensor(returns)


logp = torch.zeros(6, requires_grad=True)
rewards = []
for step in range(6):
    rewards.append(1.0)
(-(calculate_returns(rewards, 0.99) * logp).sum()).backward()
""",
    "one_reward_one_return": """\
import torch


def calculate_returns(rewards, gamma):
    returns, R = [], 0
    for r in reversed(rewards):
        R = r + R * gamma
        returns.insert(0, R)
    return torch.tensor(returns)


logp = torch.zeros(1, requires_grad=True)
rewards = []
for step in range(1):
    rewards.append(1.0)
(-(calculate_returns(rewards, 0.99) * logp)).backward()
""",
    "topk_of_one": """\
import torch
import torch.nn as nn

net = nn.Linear(6, 1)
scores = net(torch.randn(20, 6)).squeeze(1)
best, idx = torch.topk(scores, k=1)
best.backward()
""",
    "ohem_reduced": """\
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Linear(20, 5)
losses = F.cross_entropy(model(torch.randn(32, 20)), torch.randint(0, 5, (32,)), reduction="none")
hard, _ = losses.topk(8)
hard.mean().backward()
""",
    "one_unknown_size_alone": """\
import torch


def step_weights(observations):
    return torch.ones(len(observations), requires_grad=True)


w = step_weights([torch.randn(8)])
(w * 2).backward()
""",
    "a2c_critic_loss_mean": """\
import torch
import torch.nn as nn


class A2C(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic = nn.Linear(4, 1)

    def get_losses(self, rewards, value_preds):
        advantages = torch.zeros(len(rewards), 3)
        for t in range(len(rewards)):
            advantages[t] = rewards[t] - value_preds[t]
        return advantages.pow(2).mean()

    def update_parameters(self, critic_loss):
        critic_loss.backward()


agent = A2C()
values = agent.critic(torch.randn(5, 3, 4)).squeeze(-1)
agent.update_parameters(agent.get_losses(torch.ones(5, 3), values))
""",
    "gradcam_one_image": """\
import torch
import torch.nn as nn


class GradCAM:
    def __init__(self, model):
        self.model = model

    def forward(self, x):
        logit = self.model(x)
        score = logit[:, logit.max(1)[-1]].squeeze()
        score.backward()
        return score

    def __call__(self, x):
        return self.forward(x)


cam = GradCAM(nn.Linear(6, 5))
cam(torch.randn(1, 6))
""",
}


@pytest.mark.parametrize("name", sorted(REPORTED_202))
def test_ptl202_reported_where_torch_raises(name: str) -> None:
    program = REPORTED_202[name]
    assert failing_line(program, RuntimeError, NON_SCALAR) == marked(program)
    assert found(program, "PTL202") == {marked(program): ["PTL202"]}


@pytest.mark.parametrize("name", sorted(SILENT_202))
def test_ptl202_neighbours_run_and_stay_silent(name: str) -> None:
    run_strictly(SILENT_202[name])
    assert found(SILENT_202[name], "PTL202") == {}


# -- PTL202 through the callers in the project's other files ----------------------------------------
# A training function of one file (engine.py) gets the model and the criterion from a call in
# another (main.py). Each case is our own package: under torch 2.13 the main file, run from the
# package's folder, raises "grad can be implicitly created only for scalar outputs" at the marked
# line of the training file; the neighbour's main file runs to its end.
ENGINE = """\
def train_one_epoch(model, criterion, optimizer, loader):
    model.train()
    for images, targets in loader:
        loss = criterion(model(images), targets)
        optimizer.zero_grad()
        loss.backward()  # fails
        optimizer.step()
"""
MAIN = """\
import torch
import torch.nn as nn
from {module} import {name}

model = nn.Sequential(nn.Flatten(), nn.Linear(12, 4))
criterion = nn.CrossEntropyLoss({reduction})
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(8, 3, 2, 2), torch.randint(0, 4, (8,))) for _ in range(2)]
{call}(model, criterion, optimizer, loader)
"""
CALLERS: dict[str, tuple[str, dict[str, str]]] = {
    # (s14's leftover r11pkg, the shape of many training scripts) engine.py's loop, main.py's criterion
    "criterion_of_main_file": (
        "engine.py",
        {
            "engine.py": ENGINE,
            "main.py": MAIN.format(
                module="engine", name="train_one_epoch", reduction='reduction="none"', call="train_one_epoch"
            ),
        },
    ),
    # variant: a package module called by attribute (`engine.train_one_epoch(...)`)
    "package_module_called_by_attribute": (
        "training/engine.py",
        {
            "training/__init__.py": "",
            "training/engine.py": ENGINE,
            "main.py": MAIN.format(
                module="training", name="engine", reduction='reduction="none"', call="engine.train_one_epoch"
            ),
        },
    ),
    # variant: a fit helper backwarding the output of the model it was given
    "model_output_of_caller_model": (
        "fit.py",
        {
            "fit.py": "def fit(net, batches):\n    for x in batches:\n        out = net(x)\n        out.backward()  # fails\n",
            "run.py": "import torch\nimport torch.nn as nn\nfrom fit import fit\n\nnet = nn.Linear(5, 3)\nfit(net, [torch.randn(4, 5)])\n",
        },
    ),
}
SILENT_CALLERS: dict[str, tuple[str, dict[str, str]]] = {
    "criterion_mean_in_main_file": (
        "engine.py",
        {
            "engine.py": ENGINE.replace("  # fails", ""),
            "main.py": MAIN.format(module="engine", name="train_one_epoch", reduction="", call="train_one_epoch"),
        },
    ),
    # one caller's criterion keeps a value per sample, the other's does not: not every call proves it
    "callers_disagree": (
        "engine.py",
        {
            "engine.py": ENGINE.replace("  # fails", ""),
            "main.py": MAIN.format(module="engine", name="train_one_epoch", reduction="", call="train_one_epoch"),
            "finetune.py": MAIN.format(
                module="engine", name="train_one_epoch", reduction='reduction="sum"', call="train_one_epoch"
            ),
        },
    ),
    # the function's own file calls it too: only that file's calls count, as before
    "called_in_its_own_file": (
        "engine.py",
        {
            "engine.py": ENGINE.replace("  # fails", "")
            + "\n\nif __name__ == '__main__':\n    import torch\n    import torch.nn as nn\n\n"
            + "    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 4))\n"
            + "    train_one_epoch(net, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1),"
            + " [(torch.randn(8, 3, 2, 2), torch.randint(0, 4, (8,)))])\n",
            "main.py": MAIN.format(module="engine", name="train_one_epoch", reduction="", call="train_one_epoch"),
        },
    ),
}


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    (tmp_path / ".git").mkdir()  # the project root
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _reported(path: Path) -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


@pytest.mark.parametrize("name", sorted(CALLERS))
def test_ptl202_reported_through_callers_of_other_files(name: str, tmp_path: Path) -> None:
    target, files = CALLERS[name]
    _write(tmp_path, files)
    expected = [i for i, row in enumerate(files[target].splitlines(), 1) if row.endswith("# fails")]
    assert expected and _reported(tmp_path / target) == expected


@pytest.mark.parametrize("name", sorted(SILENT_CALLERS))
def test_ptl202_silent_where_a_caller_does_not_prove_it(name: str, tmp_path: Path) -> None:
    target, files = SILENT_CALLERS[name]
    _write(tmp_path, files)
    assert _reported(tmp_path / target) == []


def test_ptl202_nothing_read_without_the_calling_file(tmp_path: Path) -> None:
    target, files = CALLERS["criterion_of_main_file"]
    _write(tmp_path, {target: files[target]})
    assert _reported(tmp_path / target) == []
