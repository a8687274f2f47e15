"""PTL204 on audit-12's M1 miss (benchmarks/ecosystem/audit-12.md: the gradients reset only in
the loop around the one that steps), an optimizer handed to the training function as a
parameter, and closures that never reset (LBFGS evaluates them several times per step). Every
program is ours; each runs under torch 2.13, which shows the summed gradients (or, for LBFGS, the
diverging loss) of the reported ones and the batch's own gradients of the silent ones."""

from __future__ import annotations

import textwrap

import pytest
from program_helpers import line_of, lines, run

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


# -- audit-12 M1: the gradients reset only in the loop around the one that steps ---------------------
def grad_norms(source: str) -> list[float]:
    return run(source)["norms"]


EPOCH_RESET = """
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    norms = []
    for epoch in range(2):
        opt.zero_grad()
        for batch in range(3):
            loss = nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            norms.append(net.weight.grad.norm().item())
    """


def test_a_reset_once_per_epoch_before_a_batch_loop_that_steps_is_reported() -> None:
    """audit-12 M1: one reset per epoch, a step per batch: with lr=0 and one batch repeated, torch's
    gradient at the third step is three times the first (the steps use the sum)."""
    assert lines(EPOCH_RESET, "PTL204") == [line_of(EPOCH_RESET, "opt.step()")]
    norms = grad_norms(EPOCH_RESET)
    assert norms[2] == pytest.approx(3 * norms[0])


def test_the_reset_in_the_batch_loop_is_silent() -> None:
    """The fix: the reset moved into the batch loop; every step's gradient is the batch's own."""
    source = EPOCH_RESET.replace("        opt.zero_grad()\n        for batch in range(3):\n", "")
    source = source.replace("for epoch in range(2):", "for epoch in range(2):\n        for batch in range(3):")
    source = source.replace("            loss = nn", "            opt.zero_grad()\n            loss = nn")
    assert "for batch" in source and source.count("zero_grad") == 1
    assert lines(source, "PTL204") == []
    norms = grad_norms(source)
    assert norms[2] == pytest.approx(norms[0])


EPISODES = """
    import torch
    import torch.nn as nn

    policy = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(policy.parameters(), lr=0.0)
    state = torch.ones(4)
    norms = []
    for episode in range(2):
        optimizer.zero_grad()
        done, t = False, 0
        while not done:
            loss = -torch.log_softmax(policy(state), -1)[0]
            loss.backward()
            optimizer.step()
            t += 1
            done = t >= 3
            norms.append(policy.weight.grad.norm().item())
    """


def test_a_reset_per_episode_and_a_step_per_move_is_reported() -> None:
    """An episode's `while not done:` loop steps at every move after one reset per episode: the
    third step's gradient is three times the first."""
    assert lines(EPISODES, "PTL204") == [line_of(EPISODES, "optimizer.step()")]
    norms = grad_norms(EPISODES)
    assert norms[2] == pytest.approx(3 * norms[0])


ACCUMULATE = """
    import torch
    import torch.nn as nn

    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    norms = []
    for epoch in range(2):
        opt.zero_grad()
        for i in range(4):
            (nn.functional.mse_loss(net(x), y) / 2).backward()
            if (i + 1) % 2 == 0:
                opt.step()
                norms.append(net.weight.grad.norm().item()){reset}
    """


def test_accumulation_that_never_resets_after_its_step_is_reported_without_a_fix() -> None:
    """Accumulating over two batches, stepping, and not resetting: the second step uses four
    batches' gradients (twice the first). The fix belongs after the step: none is offered."""
    source = ACCUMULATE.replace("{reset}", "")
    result = lint_source(textwrap.dedent(source), "<audit13>", selection=Selection.of(["PTL204"]))
    assert [f.line for f in result.findings] == [line_of(source, "opt.step()")]
    assert result.findings[0].fix is None and not result.findings[0].fixes
    norms = grad_norms(source)
    assert norms[1] == pytest.approx(2 * norms[0])


def test_accumulation_that_resets_after_each_step_is_silent() -> None:
    source = ACCUMULATE.replace("{reset}", "\n                opt.zero_grad()")
    assert lines(source, "PTL204") == []
    norms = grad_norms(source)
    assert norms[1] == pytest.approx(norms[0])


def test_a_loop_over_optimizers_each_stepped_once_per_epoch_is_silent() -> None:
    """Every optimizer reset at the start of the epoch, then each (model, optimizer) pair steps once:
    the inner loop is over optimizers, not batches. torch: each gradient is its model's own."""
    source = """
        import torch
        import torch.nn as nn

        models = [nn.Linear(3, 1) for _ in range(2)]
        opts = [torch.optim.SGD(m.parameters(), lr=0.0) for m in models]
        x = torch.ones(2, 3)
        norms = []
        for epoch in range(2):
            for o in opts:
                o.zero_grad()
            for m, o in zip(models, opts):
                m(x).sum().backward()
                o.step()
                norms.append(m.weight.grad.norm().item())
        """
    assert lines(source, "PTL204") == []
    norms = grad_norms(source)
    assert norms[2] == pytest.approx(norms[0])


def test_a_retry_loop_that_breaks_after_its_step_is_silent() -> None:
    source = """
        import torch
        import torch.nn as nn

        net = nn.Linear(3, 1)
        opt = torch.optim.SGD(net.parameters(), lr=0.0)
        norms = []
        for step in range(3):
            opt.zero_grad()
            while True:
                try:
                    net(torch.ones(2, 3)).sum().backward()
                    opt.step()
                    break
                except RuntimeError:
                    continue
            norms.append(net.weight.grad.norm().item())
        """
    assert lines(source, "PTL204") == []
    norms = grad_norms(source)
    assert norms[2] == pytest.approx(norms[0])


# -- PTL204: an optimizer handed to the training function as a parameter -----------------------------
FIT = """
    import torch
    import torch.nn as nn

    def make_opt(model):
        return torch.optim.SGD(model.parameters(), lr=0.0)

    def fit(model, opt, data):
        norms = []
        for x in data:{reset}
            model(x).sum().backward()
            opt.step()
            norms.append(model.weight.grad.norm().item())
        return norms

    net = nn.Linear(3, 1)
    o = torch.optim.SGD(net.parameters(), lr=0.0)
    data = [torch.ones(2, 3)] * 3
    norms = fit({args})
    """


def fit_program(args: str, reset: str = "") -> str:
    return FIT.replace("{args}", args).replace("{reset}", reset)


@pytest.mark.parametrize(
    "args",
    [
        "net, make_opt(net), data",
        "net, torch.optim.Adam(net.parameters(), lr=0.0), data",
        "net, o, data",
        "net, data=data, opt=o",
    ],
)
def test_an_optimizer_every_call_passes_is_known(args: str) -> None:
    """`opt`, a parameter named like an options object, is an optimizer at the only call (made by
    a torch class, a factory of the file, or a variable bound to one): the third step's gradient
    is three times the first in torch."""
    source = fit_program(args)
    assert lines(source, "PTL204") == [line_of(source, "opt.step()")]
    norms = grad_norms(source)
    assert norms[2] == pytest.approx(3 * norms[0])


def test_a_parameter_given_something_else_is_not_an_optimizer() -> None:
    """The call passes a wrapper of the file whose own `step` resets: no report (torch: every
    gradient read after the step is zero)."""
    wrapper = (
        "class Wrapped:\n        def __init__(self, inner):\n            self.inner = inner\n\n"
        "        def step(self):\n            self.inner.step()\n            self.inner.zero_grad(set_to_none=False)\n\n"
        "    net = nn.Linear"
    )
    source = fit_program("net, Wrapped(o), data").replace("net = nn.Linear", wrapper)
    assert lines(source, "PTL204") == []
    assert grad_norms(source) == [0.0, 0.0, 0.0]


def test_the_fit_that_resets_is_silent() -> None:
    source = fit_program("net, make_opt(net), data", reset="\n            opt.zero_grad()")
    assert lines(source, "PTL204") == []
    norms = grad_norms(source)
    assert norms[2] == pytest.approx(norms[0])


# -- PTL204: a closure that never resets -------------------------------------------------------------
CLOSURE = """
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    optimizer = torch.optim.{made}
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    for epoch in range(3):{outer}
        def closure():{inner}
            loss = nn.functional.mse_loss(net(x), y)
            loss.backward()
            return loss
        optimizer.step(closure)
    final = nn.functional.mse_loss(net(x), y).item()
    """
OUTER = "\n        optimizer.zero_grad()"
INNER = "\n            optimizer.zero_grad()"


def closure_program(made: str, outer: str = "", inner: str = "") -> str:
    return CLOSURE.replace("{made}", made).replace("{outer}", outer).replace("{inner}", inner)


def test_an_lbfgs_closure_reset_only_outside_is_reported() -> None:
    """LBFGS evaluates the closure up to max_iter times per step: a reset before `step()` does not
    clear the evaluations' sum (the Lightning LBFGS bug). torch: the loss ends far above the
    loss of the closure that resets (0.54 here)."""
    source = closure_program("LBFGS(net.parameters(), max_iter=5)", outer=OUTER)
    result = lint_source(textwrap.dedent(source), "<audit13>", selection=Selection.of(["PTL204"]))
    assert [f.line for f in result.findings] == [line_of(source, "optimizer.step(closure)")]
    fixed = closure_program("LBFGS(net.parameters(), max_iter=5)", inner=INNER)
    assert run(source)["final"] > 10 * run(fixed)["final"]
    assert lines(fixed, "PTL204") == []


def test_an_sgd_closure_without_any_reset_is_reported_and_one_reset_in_the_loop_is_enough() -> None:
    """SGD calls the closure once per step: a reset in the loop is enough, none at all adds up."""
    made = "SGD(net.parameters(), lr=0.0)"
    assert lines(closure_program(made), "PTL204") == [line_of(closure_program(made), "optimizer.step(closure)")]
    assert lines(closure_program(made, outer=OUTER), "PTL204") == []
    assert lines(closure_program(made, inner=INNER), "PTL204") == []
    run(closure_program(made, outer=OUTER))
