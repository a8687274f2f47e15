"""Session 10, H-401: PTL401 through the instance a plain class's `__init__` builds where no
construction is in view (audit-11 M3), class-body attributes and dataclass fields. Every program is
ours, written for these tests; the comment above each says what torch 2.13 did with it (the device
ones also under pt-lsp's fake-cuda proxy, ``pt-lsp run --device fake-cuda``; methods called by a
driver that is not part of the linted file)."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import lines, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

# -- PTL401: methods of a plain class nothing in view constructs (M3) ---------------------------

# fake-cuda (a driver calling remember() five times): TypeError "can't convert cuda:0 device type
# tensor to numpy" at the `.numpy()` line; on the CPU: prints (4, 1).
AGENT = """
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Replay:
    def __init__(self, capacity):
        self.rows = []
        self.capacity = capacity

    def push(self, obs, reward):
        self.rows.append((obs, reward))

    def sample(self, n):
        picked = self.rows[-n:]
        obs = torch.tensor(np.stack([r[0] for r in picked]), dtype=torch.float32).to(device)
        rewards = torch.tensor([r[1] for r in picked], dtype=torch.float32).unsqueeze(1).to(device)
        return obs, rewards


class Agent:
    def __init__(self, n_obs, n_act):
        self.qnet = nn.Linear(n_obs, n_act).to(device)
        self.replay = Replay(1000)

    def remember(self, obs, reward):
        self.replay.push(obs, reward)
        if len(self.replay.rows) >= 4:
            return self.update(self.replay.sample(4))

    def update(self, batch):
        obs, rewards = batch
        values = self.qnet(obs).max(1, keepdim=True)[0]
        priorities = (rewards - values).abs().detach().numpy()
        return priorities
"""


def test_batch_of_the_instances_replay_memory_is_on_the_device() -> None:
    assert lines("PTL401", AGENT) == [36]


def test_the_same_agent_moving_the_priorities_to_the_cpu_is_silent() -> None:
    # fake-cuda: prints (4, 1).
    fixed = AGENT.replace(".detach().numpy()", ".detach().cpu().numpy()")
    assert lines("PTL401", fixed) == []


NETS = """
import torch.nn as nn


class ValueNet(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.body = nn.Linear(n_in, n_out)

    def forward(self, obs):
        return self.body(obs)
"""

# fake-cuda (a driver calling scores() once): TypeError "can't convert cuda:0 device type tensor
# to numpy"; on the CPU: prints (3, 2).
SCORER = """
import torch
from nets import ValueNet


class Scorer:
    def __init__(self, lr):
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.model = ValueNet(4, 2).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)

    def scores(self, rows):
        x = torch.as_tensor(rows, dtype=torch.float32).to(self.device)
        return self.model(x).detach().numpy()
"""


def _scorer(tmp_path: Path, text: str) -> list[int]:
    (tmp_path / "nets.py").write_text(source(NETS))
    program = tmp_path / "scorer.py"
    program.write_text(source(text))
    result = lint_source(program.read_text(), path=str(program), selection=Selection.of(["PTL401"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL401"]


def test_device_kept_by_the_instance_and_a_network_class_of_another_file(tmp_path: Path) -> None:
    assert _scorer(tmp_path, SCORER) == [13]


def test_device_given_to_the_constructor_stays_unknown(tmp_path: Path) -> None:
    # torch, given torch.device("cpu"): prints (3, 2). Nothing in view says where the caller puts it.
    given = SCORER.replace("def __init__(self, lr):", "def __init__(self, lr, device):").replace(
        'torch.device("cuda:0" if torch.cuda.is_available() else "cpu")', "device"
    )
    assert _scorer(tmp_path, given) == []


def test_the_scorer_moving_its_output_to_the_cpu_is_silent(tmp_path: Path) -> None:
    # fake-cuda: prints (3, 2).
    assert _scorer(tmp_path, SCORER.replace(".detach().numpy()", ".detach().cpu().numpy()")) == []


# -- PTL401: a device bound by a class body, or by a dataclass field's default (recall) ----------

# fake-cuda: TypeError "can't convert cuda:0 device type tensor to numpy" at line 13; CPU: (4, 8).
CFG_CLASS = """
import torch
import torch.nn as nn


class Cfg:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    hidden = 8


model = nn.Linear(3, Cfg.hidden).to(Cfg.device)
x = torch.randn(4, 3).to(Cfg.device)
with torch.no_grad():
    features = model(x).numpy()
print(features.shape)
"""

# fake-cuda: the same TypeError at line 17; CPU: (4, 2).
CFG_DATACLASS = """
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class Settings:
    lr: float = 0.1
    device: str = "cuda" if torch.cuda.is_available() else "cpu"


cfg = Settings()
model = nn.Linear(3, 2).to(cfg.device)
x = torch.randn(4, 3).to(cfg.device)
with torch.no_grad():
    out = model(x).numpy()
print(out.shape)
"""


def test_device_bound_by_a_class_body_is_read_through_the_class() -> None:
    assert lines("PTL401", CFG_CLASS) == [13]


def test_the_class_body_device_moved_back_is_silent() -> None:
    # fake-cuda: prints (4, 8).
    assert lines("PTL401", CFG_CLASS.replace("model(x).numpy()", "model(x).cpu().numpy()")) == []


def test_a_class_attribute_the_file_also_assigns_elsewhere_is_left_unknown() -> None:
    # torch: prints (4, 8) on any machine (the module is placed on the CPU first).
    reassigned = CFG_CLASS.replace("model = nn.Linear", 'Cfg.device = torch.device("cpu")\nmodel = nn.Linear')
    assert lines("PTL401", reassigned) == []


def test_dataclass_field_default_is_the_instances_value() -> None:
    assert lines("PTL401", CFG_DATACLASS) == [17]


def test_dataclass_field_given_by_the_call_is_that_value() -> None:
    # fake-cuda: prints (4, 2): the call puts everything on the CPU.
    assert lines("PTL401", CFG_DATACLASS.replace("cfg = Settings()", 'cfg = Settings(0.1, "cpu")')) == []
    assert lines("PTL401", CFG_DATACLASS.replace("cfg = Settings()", 'cfg = Settings(device="cpu")')) == []


# -- a base out of view: no instance is assumed (the ecosystem check's botorch PairwiseGP) ---------

# A library class whose base comes from another package: the base may be a module or set
# attributes, and framework code (scipy's fsolve, under torch.no_grad()) may be the method's only
# caller; torch runs the conversion without error there.
LIBRARY_BASE = """
import torch
import torch.nn as nn
from somewhere import Model


class Scorer(Model):
    def __init__(self):
        super().__init__()
        self.mean_module = nn.Linear(3, 1)

    def _grad(self, x, ret_np=False):
        g = self.mean_module(x)
        if ret_np:
            return g.cpu().numpy()
        return g
"""


def test_a_class_with_a_base_out_of_view_gets_no_assumed_instance() -> None:
    assert lines("PTL402", LIBRARY_BASE) == []


def test_the_agent_with_a_base_out_of_view_is_not_followed_either() -> None:
    # The plain Agent above is (test_batch_of_the_instances_replay_memory_is_on_the_device); given a
    # base class of another package, what its instance holds is not known.
    based = AGENT.replace("class Agent:", "class Agent(BaseAgent):").replace(
        "import torch.nn as nn\n", "import torch.nn as nn\nfrom agents import BaseAgent\n"
    )
    assert "class Agent(BaseAgent):" in based and "from agents import BaseAgent" in based
    assert lines("PTL401", based) == []
