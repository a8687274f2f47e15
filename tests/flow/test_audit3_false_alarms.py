"""False alarms of the third audit (benchmarks/ecosystem/audit-3.md): real training scripts pt-lsp was
not tuned on. Each program has the shape of the real code, runs fine under torch (a test here runs
it), and must draw no finding of the rule. Rules that still report one are marked xfail(strict=True):
the mark goes red once the rule is fixed, so it can be removed then. The programs are ours."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def codes(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<audit3>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "audit3"}
    exec(compile(textwrap.dedent(source), "<audit3>", "exec"), namespace)
    return namespace


# Atcold/pytorch-Deep-Learning 09-echo_data.ipynb: the carried RNN state is detached in place,
# under a None guard (it starts as None).
DETACH_IN_PLACE_UNDER_NONE_GUARD = """
    import torch
    from torch import nn

    rnn = nn.RNN(1, 4, batch_first=True)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    hidden = None
    for step in range(3):
        opt.zero_grad()
        if hidden is not None:
            hidden.detach_()
        out, hidden = rnn(torch.rand(2, 5, 1), hidden)
        out.sum().backward()
        opt.step()
    """

# ShusenTang/Dive-into-DL-PyTorch chapter06 6.5 and d2lzh_pytorch/utils.py: the state is rebuilt
# detached when it is not None (the first iteration passes None to the RNN).
DETACH_UNDER_NONE_GUARD = """
    import torch
    from torch import nn

    rnn = nn.GRU(3, 4)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    state = None
    for step in range(3):
        if state is not None:
            state = state.detach()
        out, state = rnn(torch.rand(5, 2, 3), state)
        opt.zero_grad()
        out.sum().backward()
        opt.step()
    """

# The same, as written there: an LSTM's (h, c) tuple or a GRU's tensor.
DETACH_TUPLE_OR_TENSOR_UNDER_NONE_GUARD = """
    import torch
    from torch import nn

    rnn = nn.GRU(3, 4)
    opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
    state = None
    for step in range(3):
        if state is not None:
            if isinstance(state, tuple):
                state = (state[0].detach(), state[1].detach())
            else:
                state = state.detach()
        out, state = rnn(torch.rand(5, 2, 3), state)
        opt.zero_grad()
        out.sum().backward()
        opt.step()
    """

# Dive-into-DL-PyTorch chapter06 6.4, dsgiitr/d2l-pytorch d2l/train.py: an RNN from scratch whose
# state is a tuple, detached element by element in place.
DETACH_EACH_ELEMENT_IN_PLACE = """
    import torch


    def rnn(inputs, state, params):
        W_xh, W_hh = params
        (H,) = state
        outputs = []
        for X in inputs:
            H = torch.tanh(X @ W_xh + H @ W_hh)
            outputs.append(H)
        return outputs, (H,)


    params = [torch.randn(3, 4, requires_grad=True), torch.randn(4, 4, requires_grad=True)]
    state = (torch.zeros(2, 4),)
    for step in range(3):
        for s in state:
            s.detach_()
        outputs, state = rnn([torch.rand(2, 3) for _ in range(5)], state, params)
        torch.cat(outputs).sum().backward()
    """

# d2lzh_pytorch/utils.py and d2l/train.py as a library function: the model, the parameters and the
# initial state come from callables passed in; the state is re-made or detached element-wise.
TRAINER_OF_CALLABLES = """
    import torch


    def train(rnn, get_params, init_state, batches, is_random_iter):
        params = get_params()
        for epoch in range(2):
            if not is_random_iter:
                state = init_state(2, 4)
            for X in batches:
                if is_random_iter:
                    state = init_state(2, 4)
                else:
                    for s in state:
                        s.detach_()
                outputs, state = rnn(X, state, params)
                loss = torch.cat(outputs).sum()
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= 0.1 * p.grad
                        p.grad.zero_()
    """

TRAINER_CALLS = """

    def rnn(inputs, state, params):
        (H,) = state
        outputs = []
        for X in inputs:
            H = torch.tanh(X @ params[0] + H @ params[1])
            outputs.append(H)
        return outputs, (H,)


    def get_params():
        return [torch.randn(3, 4, requires_grad=True), torch.randn(4, 4, requires_grad=True)]


    def init_state(batch, hidden):
        return (torch.zeros(batch, hidden),)


    batches = [[torch.rand(2, 3) for _ in range(5)] for _ in range(3)]
    train(rnn, get_params, init_state, batches, False)
    train(rnn, get_params, init_state, batches, True)
    """

PTL201_SILENT = {
    "detach_() in place under a None guard": DETACH_IN_PLACE_UNDER_NONE_GUARD,
    "detach() under a None guard": DETACH_UNDER_NONE_GUARD,
    "detach() of a tuple or a tensor under a None guard": DETACH_TUPLE_OR_TENSOR_UNDER_NONE_GUARD,
    "detach_() of each element of a tuple state": DETACH_EACH_ELEMENT_IN_PLACE,
    "a trainer of passed-in callables detaching each element": TRAINER_OF_CALLABLES,
}


def test_ptl201_detach_in_place_under_none_guard() -> None:
    assert codes(DETACH_IN_PLACE_UNDER_NONE_GUARD, "PTL201") == []


def test_ptl201_detach_under_none_guard() -> None:
    assert codes(DETACH_UNDER_NONE_GUARD, "PTL201") == []


def test_ptl201_detach_tuple_or_tensor_under_none_guard() -> None:
    assert codes(DETACH_TUPLE_OR_TENSOR_UNDER_NONE_GUARD, "PTL201") == []


def test_ptl201_detach_each_element_in_place() -> None:
    assert codes(DETACH_EACH_ELEMENT_IN_PLACE, "PTL201") == []


def test_ptl201_trainer_of_passed_in_callables() -> None:
    assert codes(TRAINER_OF_CALLABLES, "PTL201") == []


@pytest.mark.parametrize("name", sorted(PTL201_SILENT))
def test_ptl201_silent_programs_run_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    source = PTL201_SILENT[name]
    if source is TRAINER_OF_CALLABLES:
        source = TRAINER_OF_CALLABLES + TRAINER_CALLS
    run(source)  # raises RuntimeError if a backward went through a freed graph


def test_ptl201_dropping_the_detach_does_fail_under_torch() -> None:
    # the guard is what makes these programs right: without it the second backward fails
    pytest.importorskip("torch")
    broken = DETACH_UNDER_NONE_GUARD.replace("state = state.detach()", "pass")
    assert broken != DETACH_UNDER_NONE_GUARD
    with pytest.raises(RuntimeError, match="second time"):
        run(broken)


# rosinality/stylegan2-pytorch calc_inception.py and fid.py: the features come from a helper
# decorated with @torch.no_grad(), so they do not require grad.
DECORATED_NO_GRAD_HELPER = """
    import torch
    from torch import nn


    @torch.no_grad()
    def extract_features(batches, net):
        features = []
        for x in batches:
            features.append(net(x).to("cpu"))
        return torch.cat(features, 0)


    net = nn.Linear(4, 2).eval()
    features = extract_features([torch.rand(3, 4), torch.rand(3, 4)], net).numpy()
    """


def test_ptl402_output_of_a_decorated_no_grad_helper() -> None:
    assert codes(DECORATED_NO_GRAD_HELPER, "PTL402") == []


def test_ptl402_decorated_no_grad_helper_runs_under_torch() -> None:
    pytest.importorskip("torch")
    namespace = run(DECORATED_NO_GRAD_HELPER)
    assert namespace["features"].shape == (6, 2)
    broken = DECORATED_NO_GRAD_HELPER.replace("@torch.no_grad()", "")
    with pytest.raises(RuntimeError, match="requires grad"):
        run(broken)


# sweetice/Deep-reinforcement-learning-with-pytorch (DQN, DDPG, PPO, SAC, TD3): a tensorboardX
# writer kept in an attribute and never closed. tensorboardX (since 2.1) closes every writer at
# interpreter exit (atexit), so nothing queued is lost.
TENSORBOARDX_WRITER = """
    from tensorboardX import SummaryWriter


    class Agent:
        def __init__(self, logdir):
            self.writer = SummaryWriter(logdir)
            self.steps = 0

        def update(self, loss):
            self.writer.add_scalar("loss", loss, global_step=self.steps)
            self.steps += 1


    def main(logdir):
        agent = Agent(logdir)
        for step in range(3):
            agent.update(float(step))
    """


def test_ptl501_tensorboardx_writer_closed_at_exit() -> None:
    assert codes(TENSORBOARDX_WRITER, "PTL501") == []


def test_ptl501_tensorboardx_keeps_every_event_without_close(tmp_path: Path) -> None:
    pytest.importorskip("tensorboardX")
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    program = textwrap.dedent(TENSORBOARDX_WRITER) + f"\nmain({str(tmp_path)!r})\n"
    # the program ends right after its last write: the case where an unclosed writer would lose it
    subprocess.run([sys.executable, "-c", program], check=True, timeout=120)
    events = accumulator.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    events.Reload()
    assert [s.value for s in events.Scalars("loss")] == [0.0, 1.0, 2.0]
