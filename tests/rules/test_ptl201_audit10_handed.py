"""PTL201's miss M1 of the tenth audit (benchmarks/ecosystem/audit-10.md, R3 BiGAN): the nets and
their optimizers handed to a trainer class's constructor, the retained graph backwarded after the
discriminator's optimizer stepped. Our programs: reported where a construction in view (this file
or another file of the project) builds the optimizer from the parameters of the net it hands over
too, and torch raises "modified by an inplace operation"; the fix (the step after the last
backward) is silent and runs."""

from __future__ import annotations

import os
import runpy
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.findings import Severity
from pt_lsp.core.selection import Selection

IN_PLACE = "modified by an inplace operation"


def findings(source: str, path: str = "<audit10>") -> list[tuple[int, Severity]]:
    result = lint_source(textwrap.dedent(source), path, selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [(f.line, f.severity) for f in result.findings if f.code == "PTL201"]


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit10"}
    exec(compile(textwrap.dedent(source), "<audit10>", "exec"), namespace)
    return namespace


# -- M1: nets and optimizers handed to a trainer's constructor (BiGAN) ----------------------------
TRAINER = """
    import torch
    import torch.nn as nn


    class PairTrainer:
        def __init__(self, critic, maker, critic_steps, maker_steps):
            self.critic, self.maker = critic, maker
            self.opt_c = critic_steps
            self.opt_m = maker_steps

        def step(self, x):
            fake = self.maker(torch.randn(x.size(0), 3))
            real_score, fake_score = self.critic(x), self.critic(fake)
            c_loss = -torch.mean(torch.log(real_score) + torch.log(1 - fake_score))
            m_loss = -torch.mean(torch.log(fake_score))
            c_loss.backward(retain_graph=True)
            self.opt_c.step()
            m_loss.backward()  # second
            self.opt_m.step()
    """
BUILD = """
    critic = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    maker = nn.Linear(3, 4)
    trainer = PairTrainer(critic, maker, torch.optim.Adam(critic.parameters()), torch.optim.Adam(maker.parameters()))
    trainer.step(torch.randn(5, 4))
    """
TRAINER_FIXED = TRAINER.replace(
    """            self.opt_c.step()
            m_loss.backward()  # second
""",
    """            m_loss.backward()
            self.opt_c.step()
""",
)


def test_m1_step_of_an_optimizer_handed_to_the_constructor_reported() -> None:
    """Torch raises "modified by an inplace operation": the critic's optimizer was built from
    the critic's parameters, and both were handed to the trainer."""
    program = textwrap.dedent(TRAINER) + textwrap.dedent(BUILD)
    assert findings(program) == [(line_of(program, "# second"), Severity.ERROR)]
    with pytest.raises(RuntimeError, match=IN_PLACE):
        run(program)


def test_m1_step_after_the_last_backward_silent() -> None:
    program = textwrap.dedent(TRAINER_FIXED) + textwrap.dedent(BUILD)
    assert findings(program) == []
    run(program)


def test_m1_without_a_construction_in_view_nothing_is_tied() -> None:
    """The class alone: `opt_c` names no module, nothing builds it; no finding (as before)."""
    assert findings(TRAINER) == []


NETS = """
    import torch.nn as nn


    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())

        def forward(self, x):
            return self.body(x)


    class Maker(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 4)

        def forward(self, z):
            return self.body(z)
    """
MAIN = """
    import torch

    from nets import Critic, Maker
    from trainer import PairTrainer

    critic = Critic()
    maker = Maker()
    trainer = PairTrainer(critic, maker, torch.optim.Adam(critic.parameters()), torch.optim.Adam(maker.parameters()))
    trainer.step(torch.randn(5, 4))
    """


@pytest.mark.parametrize("fixed", [False, True])
def test_m1_the_trainer_built_in_another_file(tmp_path: Path, fixed: bool) -> None:
    """The construction in `main.py`, the trainer in `trainer.py`: reported there, and torch
    raises running `main.py`; with the step after the last backward, silent and it runs."""
    trainer = textwrap.dedent(TRAINER_FIXED if fixed else TRAINER).replace("import torch.nn as nn\n", "")
    (tmp_path / "nets.py").write_text(textwrap.dedent(NETS))
    (tmp_path / "trainer.py").write_text(trainer)
    (tmp_path / "main.py").write_text(textwrap.dedent(MAIN))
    found = findings(trainer, str(tmp_path / "trainer.py"))
    assert found == ([] if fixed else [(line_of(trainer, "# second"), Severity.ERROR)])
    sys.path.insert(0, str(tmp_path))
    try:
        for name in ("nets", "trainer"):
            sys.modules.pop(name, None)
        if fixed:
            runpy.run_path(os.fspath(tmp_path / "main.py"))
        else:
            with pytest.raises(RuntimeError, match=IN_PLACE):
                runpy.run_path(os.fspath(tmp_path / "main.py"))
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("nets", "trainer"):
            sys.modules.pop(name, None)
