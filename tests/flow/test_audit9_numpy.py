"""Audit-9 on the NumPy-interop rules across files (issue 11).

G3: an agent (a plain class) keeps a network of the project in ``self.net``; its method unpacks
``actions, _, _ = self.net(...)`` and converts ``actions``, which the network returns as ``.data``
of an argmax: no grad. The method was analysed with ``self`` unknown and ``self.net`` known only
as a module the file trains (``self.net.parameters()``), whose output was taken to require grad.
Each program is ours; each is run under torch here (the test says what torch did).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from pt_lsp.cli import main
from pt_lsp.commands import check as check_module
from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

QNET = """\
import torch.nn as nn


def greedy_actions(q):
    values, actions = q.max(dim=1)
    return actions.data, values.data


class QNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def forward(self, states, greedy_acts=False):
        q = self.lin(states)
        actions = None
        if greedy_acts:
            actions, _ = greedy_actions(q)
        return actions, q


class NStepQNet(nn.Module):
    def __init__(self, steps):
        super().__init__()
        self.list_mod = nn.ModuleList([QNet() for _ in range(steps)])

    def forward(self, t, states, greedy_acts=False):
        actions, q = self.list_mod[t](states, greedy_acts)
        return actions, q, None
"""

AGENT = """\
import torch
from {module} import {cls}


class Agent:
    def __init__(self):
        self.net = {cls}({args})
        self.optimizer = torch.optim.Adam(self.net.parameters())

    def make_actions(self, t, states):
        {unpacked} = self.net({call})
        return list({converted}.cpu().numpy())

    def train(self, states, target):
        _, q, _ = self.net({call_q})
        loss = ((q - target) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


agent = Agent()
s = torch.randn(3, 4)
agent.train(s, torch.zeros(3, 2))
print(agent.make_actions(0, s))
"""

N_STEP = {
    "module": "qnet",
    "cls": "NStepQNet",
    "args": "2",
    "call": "t, states, greedy_acts=True",
    "call_q": "0, states",
}
ACTIONS = {"unpacked": "actions, _, _", "converted": "actions"}
Q_VALUES = {"unpacked": "_, q, _", "converted": "q"}


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def findings(path: Path, code: str = "PTL402") -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL401", "PTL402"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, name], cwd=folder, capture_output=True, text=True, timeout=120, check=False)


def test_g3_actions_of_a_project_network_are_silent_and_run(tmp_path):
    """``actions`` is ``.data`` of the argmax in qnet.py: torch converts it (the program prints
    the actions); before, PTL402 reported line 12."""
    write(tmp_path, {"qnet.py": QNET, "agent.py": AGENT.format(**N_STEP, **ACTIONS)})
    assert findings(tmp_path / "agent.py") == []
    ran = run(tmp_path, "agent.py")
    assert ran.returncode == 0, ran.stderr


def test_g3_the_q_values_of_the_same_network_are_reported_and_raise(tmp_path):
    """The true neighbour: ``q`` is the linear layer's output, which requires grad; torch
    raises "Can't call numpy() on Tensor that requires grad"."""
    write(tmp_path, {"qnet.py": QNET, "agent.py": AGENT.format(**N_STEP, **Q_VALUES)})
    assert findings(tmp_path / "agent.py") == [12]
    ran = run(tmp_path, "agent.py")
    assert ran.returncode != 0 and "requires grad" in ran.stderr


def test_g3_a_network_of_the_same_file_is_read_the_same_way(tmp_path):
    """The class in the agent's own file: the same facts (torch: actions convert, q raises)."""
    same = {"module": "qnet", "cls": "QNet", "args": "", "call": "states, greedy_acts=True", "call_q": "states"}
    for unpacked, converted, raises in (("actions, _", "actions", False), ("_, q", "q", True)):
        agent = AGENT.format(**same, unpacked=unpacked, converted=converted).replace("_, q, _ =", "_, q =")
        program = QNET + agent.replace("from qnet import QNet\n", "")
        line = program.splitlines().index(f"        return list({converted}.cpu().numpy())") + 1
        expected = [line] if raises else []
        write(tmp_path, {"one.py": program})
        assert findings(tmp_path / "one.py") == expected
        ran = run(tmp_path, "one.py")
        assert (ran.returncode == 0) is (expected == []), ran.stderr


def test_g3_a_module_output_used_whole_is_still_reported(tmp_path):
    """``self.critic(s).numpy()`` of a module the agent trains (the project's class): the
    output requires grad; torch raises."""
    critic = "import torch.nn as nn\n\n\nclass Critic(nn.Module):\n    def __init__(self):\n"
    critic += "        super().__init__()\n        self.lin = nn.Linear(4, 2)\n\n"
    critic += "    def forward(self, states):\n        return self.lin(states)\n"
    agent = textwrap.dedent(
        """\
        import torch
        from critic import Critic


        class Agent:
            def __init__(self):
                self.critic = Critic().to("cpu")
                self.optimizer = torch.optim.Adam(self.critic.parameters())

            def values(self, states):
                loss = self.critic(states).pow(2).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                return self.critic(states).numpy()


        print(Agent().values(torch.randn(3, 4)))
        """
    )
    write(tmp_path, {"critic.py": critic, "agent.py": agent})
    assert findings(tmp_path / "agent.py") == [15]
    ran = run(tmp_path, "agent.py")
    assert ran.returncode != 0 and "requires grad" in ran.stderr


# M3 (R11, R12): the agent and the trainer are in different files, and the file that runs them
# constructs both (the trainer gets the agent; the agent gets `use_cuda`). A method of a plain
# class of the analysed file runs on the instance the project's other files construct.
DDPG = """\
import torch
import torch.nn as nn


class DDPG:
    def __init__(self):
        self.actor = nn.Linear(3, 1)
        self.critic = nn.Linear(4, 1)
        self.actor_optim = torch.optim.Adam(self.actor.parameters())
        self.critic_optim = torch.optim.Adam(self.critic.parameters())

    def fit_batch(self):
        states = torch.randn(8, 3)
        actions = torch.randn(8, 1)
        self.critic_optim.zero_grad()
        critic_loss = self.critic(torch.cat([states, actions], 1)).pow(2).mean()
        critic_loss.backward()
        self.critic_optim.step()
        self.actor_optim.zero_grad()
        actor_loss = -self.critic(torch.cat([states, self.actor(states)], 1)).mean()
        actor_loss.backward()
        self.actor_optim.step()
        return critic_loss, actor_loss
"""

TRAINER = """\
import numpy as np


class Trainer:
    def __init__(self, agent, num_epochs):
        self.agent = agent
        self.num_epochs = num_epochs

    def train(self):
        for epoch in range(self.num_epochs):
            epoch_actor_losses = []
            for step in range(3):
                critic_loss, actor_loss = self.agent.fit_batch()
                epoch_actor_losses.append({kept})
            print(np.mean(epoch_actor_losses))
"""

MAIN = """\
from ddpg import DDPG
from trainer import Trainer


def main():
    agent = DDPG()
    trainer = Trainer(agent=agent, num_epochs=2)
    trainer.train()


if __name__ == "__main__":
    main()
"""


def test_r12_losses_of_an_agent_another_file_builds_are_reported_and_raise(tmp_path):
    """main.py builds the DDPG agent and hands it to the trainer; ``fit_batch`` returns losses
    it backwarded, which require grad: torch raises "Can't call numpy() on Tensor that requires
    grad" at ``np.mean``. Before, the trainer's ``self.agent`` was unknown."""
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    assert findings(tmp_path / "trainer.py") == [15]
    ran = run(tmp_path, "main.py")
    assert ran.returncode != 0 and "requires grad" in ran.stderr


def test_r12_the_same_trainer_keeping_numbers_is_silent_and_runs(tmp_path):
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss.item()"), "main.py": MAIN})
    assert findings(tmp_path / "trainer.py") == []
    ran = run(tmp_path, "main.py")
    assert ran.returncode == 0, ran.stderr


def test_r12_without_the_file_that_builds_the_trainer_nothing_is_known(tmp_path):
    """No construction of ``Trainer`` in the project: its agent is unknown, as before."""
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss")})
    assert findings(tmp_path / "trainer.py") == []


def test_r12_an_agent_passed_on_from_elsewhere_stays_unknown(tmp_path):
    """main.py hands the trainer an agent it was given: nothing proves what it is."""
    passed = MAIN.replace("def main():\n    agent = DDPG()\n", "def main(agent):\n").replace(
        "main()\n", "main(DDPG())\n"
    )
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": passed})
    assert findings(tmp_path / "trainer.py") == []


SAC = """\
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 1)

    def forward(self, states):
        return self.lin(states)


class SAC:
    def __init__(self, critic, use_cuda):
        self.critic = critic
        self.use_cuda = use_cuda
        if self.use_cuda:
            self.critic = self.critic.cuda()
        self.critic_optim = torch.optim.Adam(self.critic.parameters())

    def fit_batch(self):
        states = torch.randn(8, 4)
        if self.use_cuda:
            states = states.cuda()
        critic_loss = self.critic(states).pow(2).mean()
        self.critic_optim.zero_grad()
        critic_loss.backward()
        self.critic_optim.step()
        return critic_loss

    def train(self, steps):
        epoch_critic_losses = []
        for step in range(steps):
            critic_loss = self.fit_batch()
            epoch_critic_losses.append(critic_loss.data{move}.numpy())
        return epoch_critic_losses
"""

TRAINER_SAC = """\
import torch
from sac import SAC, Critic

use_cuda = torch.cuda.is_available()


def main():
    critic = Critic()
    sac = SAC(critic=critic, use_cuda=use_cuda)
    print(len(sac.train(3)))


if __name__ == "__main__":
    main()
"""


def run_fake_cuda(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pt_lsp", "run", "--device", "fake-cuda", name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_r11_a_device_flag_another_file_passes_reaches_the_losses(tmp_path):
    """trainer_sac.py passes ``use_cuda = torch.cuda.is_available()``: on a CUDA machine the
    losses are on the GPU and ``.data.numpy()`` raises (under fake-cuda: "can't convert cuda:0
    device type tensor to numpy"). Before, SAC's ``self.use_cuda`` was unknown."""
    write(tmp_path, {"sac.py": SAC.format(move=""), "trainer_sac.py": TRAINER_SAC})
    assert findings(tmp_path / "sac.py", "PTL401") == [36]
    ran = run_fake_cuda(tmp_path, "trainer_sac.py")
    assert "can't convert cuda:0 device type tensor to numpy" in ran.stdout + ran.stderr


def test_r11_moved_to_the_cpu_is_silent_and_runs(tmp_path):
    write(tmp_path, {"sac.py": SAC.format(move=".cpu()"), "trainer_sac.py": TRAINER_SAC})
    assert findings(tmp_path / "sac.py", "PTL401") == []
    ran = run_fake_cuda(tmp_path, "trainer_sac.py")
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_r11_without_the_constructing_file_the_flag_is_unknown(tmp_path):
    write(tmp_path, {"sac.py": SAC.format(move="")})
    assert findings(tmp_path / "sac.py", "PTL401") == []


def test_the_cache_reanalyses_a_class_file_when_the_file_constructing_it_changes(tmp_path, monkeypatch, capsys):
    """The findings of trainer.py depend on main.py (which builds the trainer) and ddpg.py:
    editing main.py to build the trainer without an agent of known class re-analyses trainer.py
    instead of answering from the cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path, {"ddpg.py": DDPG, "trainer.py": TRAINER.format(kept="actor_loss"), "main.py": MAIN})
    seen: list[str] = []
    real = check_module.run_tasks

    def spy(tasks, jobs):
        seen.extend(task.path for task in tasks)
        return real(tasks, jobs)

    monkeypatch.setattr(check_module, "run_tasks", spy)

    def check() -> list[int]:
        capsys.readouterr()
        main(["check", "trainer.py", "--select", "PTL402", "--output-format", "json", "--exit-zero"])
        return [f["location"]["row"] for f in json.loads(capsys.readouterr().out)]

    assert check() == [15] and seen == ["trainer.py"]
    seen.clear()
    assert check() == [15] and seen == []  # answered from the cache
    write(tmp_path, {"main.py": MAIN.replace("agent = DDPG()", "agent = None")})
    assert check() == [] and seen == ["trainer.py"]  # main.py changed: analysed again
    seen.clear()
    write(tmp_path, {"main.py": MAIN})
    assert check() == [15] and seen == ["trainer.py"]


def test_the_cache_reanalyses_a_class_file_when_a_file_that_constructs_it_appears(tmp_path, monkeypatch, capsys):
    """sac.py alone: SAC's ``self.use_cuda`` is unknown, nothing is reported, and the entry is
    cached. A new trainer_sac.py that builds SAC with ``use_cuda = torch.cuda.is_available()``
    (under fake-cuda its ``.numpy()`` raises) was never read by that analysis, yet it changes the
    answer: the next run analyses sac.py again; an unrelated new file does not."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path, {"sac.py": SAC.format(move="")})
    seen: list[str] = []
    real = check_module.run_tasks

    def spy(tasks, jobs):
        seen.extend(task.path for task in tasks)
        return real(tasks, jobs)

    monkeypatch.setattr(check_module, "run_tasks", spy)

    def check() -> list[int]:
        capsys.readouterr()
        main(["check", "sac.py", "--select", "PTL401", "--output-format", "json", "--exit-zero"])
        return [f["location"]["row"] for f in json.loads(capsys.readouterr().out)]

    assert check() == [] and seen == ["sac.py"]
    seen.clear()
    write(tmp_path, {"notes.py": "import sac\nprint(sac.__name__)\n"})  # names the module, builds nothing
    assert check() == [] and seen == []
    write(tmp_path, {"trainer_sac.py": TRAINER_SAC})
    assert check() == [36] and seen == ["sac.py"]  # a new constructing file: analysed again
    seen.clear()
    assert check() == [36] and seen == []
    write(tmp_path, {"notes.py": "from sac import SAC, Critic\nSAC(critic=Critic(), use_cuda=False)\n"})
    assert check() == [36] and seen == ["sac.py"]  # an existing file now constructs it too: analysed again


STEPS = """\
import numpy as np
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def step(x):
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def evaluate(x):
    return model(x).pow(2).mean()


def log_training(xs):
    losses = []
    for x in xs:
        losses.append(step(x))
    print(np.mean(losses))


def log_evaluation(xs):
    losses = []
    for x in xs:
        losses.append(evaluate(x))
    print(np.mean(losses))
"""

DRIVER = """\
import torch
from steps import log_evaluation, log_training

with torch.no_grad():
    log_evaluation([torch.randn(3, 4)])
log_training([torch.randn(3, 4)])
"""


def test_losses_a_training_step_returns_require_grad_wherever_they_are_converted(tmp_path):
    """``step`` calls backward(), so it runs with gradients and the losses it returns require
    grad whatever ``log_training`` is called under: torch raises at its ``np.mean`` (line 25).
    ``evaluate`` may run under ``no_grad`` (the driver does so: it prints the mean): silent."""
    write(tmp_path, {"steps.py": STEPS, "driver.py": DRIVER})
    assert findings(tmp_path / "steps.py") == [25]
    ran = run(tmp_path, "driver.py")
    assert ran.returncode != 0 and "requires grad" in ran.stderr
    assert "line 25" in ran.stderr and "line 32" not in ran.stderr


SET_UP_LATER = """\
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, lr):
        self.lr = lr

    def setup(self):
        self.model = nn.Linear(4, 1)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=self.lr)

    def train(self, x):
        loss = self.model(x).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.{convert}
"""

BUILDS_TRAINER = """\
import torch
from trainer import Trainer

t = Trainer(0.1)
t.setup()
print(t.train(torch.randn(3, 4)))
"""


def test_a_model_a_constructed_instance_does_not_hold_is_still_proven_by_its_use(tmp_path):
    """main.py constructs the trainer; ``self.model`` is set by ``setup()``, not ``__init__``:
    on the constructed instance it is read as where ``self`` is unknown (a module whose
    ``.parameters()`` the file optimises): torch raises at ``loss.numpy()``; ``loss.item()`` runs."""
    write(tmp_path, {"trainer.py": SET_UP_LATER.format(convert="numpy()"), "main.py": BUILDS_TRAINER})
    assert findings(tmp_path / "trainer.py") == [18]
    ran = run(tmp_path, "main.py")
    assert ran.returncode != 0 and "requires grad" in ran.stderr
    write(tmp_path, {"trainer.py": SET_UP_LATER.format(convert="item()")})
    assert findings(tmp_path / "trainer.py") == []
    ran = run(tmp_path, "main.py")
    assert ran.returncode == 0, ran.stderr


def test_g3_a_forward_the_analysis_cannot_read_proves_no_item(tmp_path):
    """NStepQNet's forward returns ``self.list_mod[t](...)`` as it is (the audited network's
    shape): the analysis sees the forward but cannot read its result, so no item of the
    unpacked tuple is proven to require grad (torch: the actions convert). Before, every item
    got the module output's facts. ``self.net = self.net.cuda()`` keeps the class."""
    direct = QNET.replace(
        "        actions, q = self.list_mod[t](states, greedy_acts)\n        return actions, q, None\n",
        "        return self.list_mod[t](states, greedy_acts)\n",
    )
    agent = AGENT.format(**N_STEP, unpacked="actions, _", converted="actions").replace("_, q, _ =", "_, q =")
    moved = "        if torch.cuda.is_available():\n            self.net = self.net.cuda()\n"
    agent = agent.replace("        self.optimizer =", moved + "        self.optimizer =")  # a move of itself
    write(tmp_path, {"qnet.py": direct, "agent.py": agent})
    assert findings(tmp_path / "agent.py") == []
    ran = run(tmp_path, "agent.py")
    assert ran.returncode == 0, ran.stderr
