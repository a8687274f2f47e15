"""PTL201 on audit-13's G1 false alarm (benchmarks/ecosystem/audit-13.md: a hidden state that
`forward` resets whenever the caller gives a batch size) and on a false alarm found in a fresh
repository (a method of a model whose class is out of view detaching the states). Every program
is ours. Each silent program runs under torch 2.13; each reported neighbour raises. The tests run
both."""

from __future__ import annotations

import pytest
from program_helpers import FREED, line_of, lines, run

# -- audit-13 G1: forward resets the state when the caller gives a batch size ------------------------
RESET_MODEL = """
    import torch
    import torch.nn as nn

    class CharModel(nn.Module):
        def __init__(self, width=6):
            super().__init__()
            self.width = width
            self.rnn = nn.GRU(2, width)
            self.out = nn.Linear(width, 3)

        def forward(self, x, batch=None):
            if batch{test}:
                self.state = torch.zeros(1, batch, self.width)
            y, self.state = self.rnn(x, self.state)
            return self.out(y)
    """

CONSTANT = (
    RESET_MODEL
    + """
    net = CharModel()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    n = 5
    losses = []
    for it in range(3):
        x = torch.randn(4, n, 2)
        opt.zero_grad()
        loss = net({call}).pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    """
)


@pytest.mark.parametrize("test", ["", " is not None"])
@pytest.mark.parametrize("call", ["x, n", "x, batch=n"])
def test_a_reset_under_a_size_every_call_passes_is_taken(test: str, call: str) -> None:
    """`if batch:` / `if batch is not None:` in forward, and the loop passes `n = 5` each time:
    every batch starts from zeros; torch runs the three steps."""
    source = CONSTANT.format(test=test, call=call)
    assert lines(source, "PTL201") == []
    assert len(run(source)["losses"]) == 3


@pytest.mark.parametrize("test", ["", " is not None"])
def test_the_size_passed_in_the_first_step_only_is_still_reported(test: str) -> None:
    """The neighbour: the size only at `it == 0`, then `net(x)`: the second backward reaches the
    first batch's freed graph through `self.state`; torch raises."""
    source = CONSTANT.format(test=test, call="x, n if it == 0 else None")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


def test_a_zero_size_skips_the_reset_and_is_reported() -> None:
    """`n = 0` is falsy: the reset never runs and the state is carried (torch raises on the GRU's
    empty batch already, so only the report is checked)."""
    source = CONSTANT.format(test="", call="x, n").replace("n = 5", "n = 0")
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]


OPTION = (
    RESET_MODEL
    + """
    import argparse

    def train(opts):
        net = CharModel()
        opt = torch.optim.Adam(net.parameters())
        done = 0
        for it in range(opts.steps):
            x = torch.randn(4, opts.batch_size, 2)
            opt.zero_grad()
            loss = net(x, opts.batch_size).pow(2).mean()
            loss.backward()
            opt.step()
            done += 1
        return done

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--batch_size", type=int, default={default})
        parser.add_argument("--steps", type=int, default=3)
        opts = parser.parse_args()
        finished = train(opts)
    """
)


def test_a_size_option_with_a_non_zero_default_takes_the_reset() -> None:
    """`--batch_size` an int option defaulting to 16 (as audit-13's finding 2): forward resets the
    state at every call; torch runs three steps."""
    source = OPTION.format(test="", default="16")
    assert lines(source, "PTL201") == []
    assert run(source)["finished"] == 3


def test_the_option_passed_in_the_first_step_only_is_still_reported() -> None:
    """The neighbour: the option is passed in the first step only (`net(x)` after it): the state
    is carried; torch raises in the second step."""
    call = "net(x, opts.batch_size if it == 0 else None)"
    source = OPTION.format(test="", default="16").replace("net(x, opts.batch_size)", call)
    assert lines(source, "PTL201") == [line_of(source, "loss.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


def test_a_countdown_int_is_not_taken_as_always_true() -> None:
    """`left = 1; left -= 1`: the result's truth is unknown (here zero), so `if left:` keeps both
    sides: the carried state of the `else` side is reported (torch raises there)."""
    source = """
        import torch
        w = torch.ones(2, requires_grad=True)
        h = torch.zeros(2)
        left = 1
        left -= 1
        for i in range(2):
            if left:
                h = torch.zeros(2)
            h = h * w
            h.sum().backward()
        """
    assert lines(source, "PTL201") == [line_of(source, "h.sum().backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- PTL201: a method of a model whose class is out of view may detach what it gets ----------------
TRAIN_HANDED_MODEL = """
    import torch
    import torch.nn as nn

    def train(model: nn.Module, steps: int):
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        states = model.init_state(3)
        for step in range(steps):
            model.zero_grad(){detach}
            scores, states = model.forward(torch.randn(5, 3, 4), states)
            scores.pow(2).mean().backward()
            opt.step()
        return step

    class Stacked(nn.Module):
        def __init__(self, width=4, depth=2):
            super().__init__()
            self.layers = nn.ModuleList([nn.LSTM(width, width) for _ in range(depth)])
            self.out = nn.Linear(width, 3)

        def init_state(self, batch):
            return [(torch.zeros(1, batch, 4), torch.zeros(1, batch, 4)) for _ in self.layers]

        def detach_states(self, states):
            return [(h.detach(), c.detach()) for (h, c) in states]

        def forward(self, x, states):
            for i, layer in enumerate(self.layers):
                x, states[i] = layer(x, states[i])
            return self.out(x), states
    """
DETACH = "\n            states = model.detach_states(states)"


def handed_model_program(detach: str) -> str:
    return TRAIN_HANDED_MODEL.replace("{detach}", detach)


def lint_train_only(source: str) -> list[int]:
    """The training function alone, as in its own file: the model's class is out of view."""
    return lines(source[: source.index("    class Stacked")], "PTL201")


def test_a_method_of_a_handed_in_model_may_detach_the_state() -> None:
    """`states = model.detach_states(states)` of a `model: nn.Module` whose class is in another
    file (a fresh repository's LSTM language model trainer): the method may detach (here it does);
    torch runs the three steps."""
    source = handed_model_program(DETACH)
    assert lint_train_only(source) == []
    assert lines(source, "PTL201") == []
    namespace = run(source + "\n    finished = train(Stacked(), 3)\n")
    assert namespace["finished"] == 2


def test_the_state_carried_without_the_method_is_still_reported() -> None:
    """The neighbour: no `detach_states` call: the states from `model.forward` are carried and the
    second backward raises."""
    source = handed_model_program("")
    assert lint_train_only(source) == [line_of(source, ".backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source + "\n    train(Stacked(), 3)\n")
