"""Audit-9 on the NumPy-interop rules across files (issue 11).

G3: an agent (a plain class) keeps a network of the project in ``self.net``; its method unpacks
``actions, _, _ = self.net(...)`` and converts ``actions``, which the network returns as ``.data``
of an argmax: no grad. The method was analysed with ``self`` unknown and ``self.net`` known only
as a module the file trains (``self.net.parameters()``), whose output was taken to require grad.
Each program is ours; each is run under torch here (the test says what torch did).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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
