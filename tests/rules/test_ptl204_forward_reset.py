"""PTL204 and a model that resets its own gradients first thing in ``forward`` (audit-10 G6).

Our programs (written for these tests), each run under torch 2.13 (CPU); each prints whether
every optimizer step used its own batch's gradient only.
"""

from __future__ import annotations

from pathlib import Path

from rules_helpers import lines, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

CODE = "PTL204"

# torch: "every step used its own batch only: True": each ``tagger(x, y)`` sets the gradients of
# all the tagger's parameters to None before the loss, the body's and the head's included.
OWN_RESET = """
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, x, y):
        '''Clears the gradients of every parameter, then returns the loss.'''
        for p in self.parameters():
            p.grad = None
        return nn.functional.mse_loss(self.head(torch.relu(self.body(x))), y)


tagger = Tagger()
body_opt = torch.optim.SGD(tagger.body.parameters(), lr=0.05)
head_opt = torch.optim.SGD(tagger.head.parameters(), lr=0.05)
data = [(torch.randn(3, 6), torch.randn(3, 2)) for _ in range(4)]
fresh = []
for x, y in data:
    loss = tagger(x, y)
    loss.backward()
    alone = torch.autograd.grad(nn.functional.mse_loss(tagger.head(torch.relu(tagger.body(x))), y), tagger.head.bias)[0]
    fresh.append(torch.allclose(alone, tagger.head.bias.grad))
    body_opt.step()
    head_opt.step()
print("every step used its own batch only:", all(fresh))
"""

# torch: "... False": the same loop without the reset in ``forward``; the gradients add up.
NO_RESET = """
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, x, y):
        return nn.functional.mse_loss(self.head(torch.relu(self.body(x))), y)


tagger = Tagger()
body_opt = torch.optim.SGD(tagger.body.parameters(), lr=0.05)
head_opt = torch.optim.SGD(tagger.head.parameters(), lr=0.05)
data = [(torch.randn(3, 6), torch.randn(3, 2)) for _ in range(4)]
fresh = []
for x, y in data:
    loss = tagger(x, y)
    loss.backward()
    alone = torch.autograd.grad(nn.functional.mse_loss(tagger.head(torch.relu(tagger.body(x))), y), tagger.head.bias)[0]
    fresh.append(torch.allclose(alone, tagger.head.bias.grad))
    body_opt.step()
    head_opt.step()
print("every step used its own batch only:", all(fresh))
"""

# torch: "... False": the critic resets only its own gradients; the generator's add up.
CRITIC_RESET = """
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(4, 1)

    def forward(self, x):
        self.zero_grad()
        return self.score(x).mean()


gen = nn.Linear(3, 4)
critic = Critic()
gen_opt = torch.optim.SGD(gen.parameters(), lr=0.01)
sums = []
for z in [torch.randn(2, 3) for _ in range(3)]:
    loss = -critic(gen(z))
    loss.backward()
    sums.append(gen.bias.grad.clone())
    gen_opt.step()
alone = torch.autograd.grad(-critic(gen(z)), gen.bias)[0]
print("last step's generator gradient is its batch's alone:", torch.allclose(alone, sums[-1]))
"""

# nets.py and main.py of a project folder. torch (``python main.py``): "... True".
SCORER = """
import torch.nn as nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(4, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        self.zero_grad(set_to_none=True)
        return self.out(self.inner(x)).pow(2).mean()
"""

SCORER_MAIN = """
import torch

from nets import Scorer

scorer = Scorer()
inner_opt = torch.optim.Adam(scorer.inner.parameters(), lr=0.01)
out_opt = torch.optim.Adam(scorer.out.parameters(), lr=0.01)
fresh = []
for x in [torch.randn(5, 4) for _ in range(3)]:
    scorer.forward(x).backward()
    alone = torch.autograd.grad(scorer.out(scorer.inner(x)).pow(2).mean(), scorer.out.bias)[0]
    fresh.append(torch.allclose(alone, scorer.out.bias.grad))
    inner_opt.step()
    out_opt.step()
print("every step used its own batch only:", all(fresh))
"""


def test_a_model_whose_forward_first_resets_its_parameters_resets_the_loop():
    assert lines(CODE, OWN_RESET) == []


def test_the_same_loop_without_the_reset_in_forward_is_reported():
    assert lines(CODE, NO_RESET) == [25, 26]


def test_a_module_resetting_itself_does_not_reset_another_modules_optimizer():
    assert lines(CODE, CRITIC_RESET) == [23]


def _project(tmp_path: Path, nets: str) -> list[int]:
    (tmp_path / "nets.py").write_text(source(nets))
    main = tmp_path / "main.py"
    main.write_text(source(SCORER_MAIN))
    result = lint_source(main.read_text(), path=str(main), selection=Selection.of([CODE]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == CODE]


def test_a_model_class_of_another_project_file_that_resets_in_forward(tmp_path: Path) -> None:
    assert _project(tmp_path, SCORER) == []


def test_the_same_project_without_the_reset_is_reported(tmp_path: Path) -> None:
    # torch (``python main.py`` with nets.py's zero_grad line removed): "... False"
    without = SCORER.replace("        self.zero_grad(set_to_none=True)\n", "")
    assert without != SCORER
    assert _project(tmp_path, without) == [13, 14]


# A project of three files joined by star imports (``nn`` reaches the model's file through
# ``from common import *``). torch (``python run.py``): "every step used its own batch only: True".
STAR_COMMON = """
import torch
import torch.nn as nn
"""

STAR_TAGGER = """
from common import *


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.GRU(3, 6, batch_first=True)
        self.out = nn.Linear(6, 4)

    def forward(self, x, y):
        self.zero_grad()
        h, _ = self.enc(x)
        return nn.functional.cross_entropy(self.out(h[:, -1]), y)
"""

STAR_RUN = """
from common import *
from tagger import *

model = Tagger()
enc_opt = torch.optim.Adam(model.enc.parameters(), lr=0.01)
out_opt = torch.optim.Adam(model.out.parameters(), lr=0.01)
fresh = []
for x, y in [(torch.randn(2, 5, 3), torch.tensor([0, 3])) for _ in range(3)]:
    loss = model(x, y)
    loss.backward()
    h, _ = model.enc(x)
    alone = torch.autograd.grad(nn.functional.cross_entropy(model.out(h[:, -1]), y), model.out.bias)[0]
    fresh.append(torch.allclose(alone, model.out.bias.grad))
    enc_opt.step()
    out_opt.step()
print("every step used its own batch only:", all(fresh))
"""

# the same class overriding ``zero_grad`` with a method that keeps the gradients. torch: "... False"
OWN_ZERO_GRAD = (
    "    def zero_grad(self, set_to_none=True):\n"
    "        pass  # gradients are kept for inspection\n\n"
    "    def forward(self, x, y):\n"
)


def _star_project(tmp_path: Path, tagger: str) -> list[int]:
    (tmp_path / "common.py").write_text(source(STAR_COMMON))
    (tmp_path / "tagger.py").write_text(source(tagger))
    run = tmp_path / "run.py"
    run.write_text(source(STAR_RUN))
    result = lint_source(run.read_text(), path=str(run), selection=Selection.of([CODE]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == CODE]


def test_a_model_class_reached_through_star_imports_resets_the_loop(tmp_path: Path) -> None:
    assert _star_project(tmp_path, STAR_TAGGER) == []


def test_a_class_that_overrides_zero_grad_is_not_trusted(tmp_path: Path) -> None:
    keeps = STAR_TAGGER.replace("    def forward(self, x, y):\n", OWN_ZERO_GRAD)
    assert keeps != STAR_TAGGER
    assert _star_project(tmp_path, keeps) == [14, 15]
