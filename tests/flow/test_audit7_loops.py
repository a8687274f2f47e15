"""Audit-7's G4: a `for` loop over a constant `range` (a literal, or a module constant bound once)
runs at least once, so no path leaves it without its body; a loop that may run zero times keeps
that path. Each program is ours, run under torch here."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

ALTERNATING = """
import torch
import torch.nn as nn

N = 3
P, Q, D = nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 1)
opt = torch.optim.SGD([*P.parameters(), *Q.parameters(), *D.parameters()], lr=0.1)
for it in range(4):
    z = torch.randn(8, 2)
    for _ in range(TRIPS):
        z_n = z.clone()
        x_hat = P(z_n)
        z = Q(x_hat)
    loss = D(x_hat).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


def codes(text: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(text), "prog.py", Selection.of([code]))
    return [f.span.start.line for f in result.findings if f.code == code]


def run(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(text)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("trips", ["N", "3", "1, 4"])
def test_a_loop_over_a_constant_range_always_runs(trips):
    program = ALTERNATING.replace("TRIPS", trips)
    assert codes(program, "PTL201") == []
    assert run(program).returncode == 0


ZERO_TRIPS = """
import torch
import torch.nn as nn


def fit(n):
    P, Q, D = nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 1)
    opt = torch.optim.SGD([*P.parameters(), *Q.parameters(), *D.parameters()], lr=0.1)
    for it in range(4):
        z = torch.randn(8, 2)
        for _ in range(n if it == 0 else 0):
            z_n = z.clone()
            x_hat = P(z_n)
            z = Q(x_hat)
        loss = D(x_hat).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


fit(2)
"""


def test_a_loop_that_may_run_zero_times_keeps_the_carried_graph():
    # the inner loop runs only in the first outer iteration: the second backs through x_hat again
    assert codes(ZERO_TRIPS, "PTL201") == [17]
    assert "Trying to backward through the graph a second time" in run(ZERO_TRIPS).stderr


def test_a_name_rebound_twice_is_no_constant():
    # N rebound inside the outer loop: the inner loop runs 3 times, then never (torch raises in the
    # second pass). Rebound only after the loop (N = 0 at the end), the count is the same in every
    # pass (audit-14 G3): a pass that skips the inner loop follows passes that skipped it, where
    # `x_hat` is unbound, so no freed graph is carried (torch runs it).
    inside = ALTERNATING.replace("TRIPS", "N").replace("    opt.step()\n", "    opt.step()\n    N = 0\n")
    assert codes(inside, "PTL201") != []
    assert "Trying to backward through the graph a second time" in run(inside).stderr
    after = ALTERNATING.replace("TRIPS", "N") + "\nN = 0\n"
    assert codes(after, "PTL201") == []
    assert run(after).returncode == 0
