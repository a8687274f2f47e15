"""PTL201 on audit-14's G2 and G3 false alarms (benchmarks/ecosystem/audit-14.md): a loss built in
`isinstance(model, ...)` branches of a model the loop never rebinds, and a critic loop of
`range(N)` whose count the outer loop never changes. Every program is ours; each silent one runs
under torch 2.13, each reported neighbour raises. The tests run both."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

FREED = "backward through the graph a second time"


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit14>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit14"}
    exec(compile(textwrap.dedent(source), "<audit14>", "exec"), namespace)
    return namespace


# -- G2: the same isinstance branch in every iteration ----------------------------------------------
BRANCHES = """
    import torch
    import torch.nn as nn

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def forward(self, x):
            return self.lin(x)

    class Variational(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def elbo(self, x):
            return self.lin(x).pow(2).mean() + self.lin.weight.abs().sum()

    def fit(net, batches):
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        done = 0
        for i, x in enumerate(batches):
            opt.zero_grad()
            if isinstance(net, Plain):
                scores = net(x)
                objective = scores.pow(2).mean()
            elif isinstance(net, (Variational,)):
                objective = net.elbo(x)
            objective.backward()
            opt.step()
            done += 1
        return done

    batches = [torch.randn(4, 3) for _ in range(3)]
    {calls}
    """


def test_a_loss_in_isinstance_branches_of_an_unchanged_model_is_silent() -> None:
    """`net` is never rebound in the loop: every iteration takes the branch the first took, so no
    iteration backwards the previous one's `objective`. torch runs both models."""
    source = BRANCHES.replace("{calls}", "done = [fit(Plain(), batches), fit(Variational(), batches)]")
    assert lines(source) == []
    assert run(source)["done"] == [3, 3]


def test_an_isinstance_test_of_what_the_loop_binds_is_still_reported() -> None:
    """The neighbour: the test reads the loop's own item (`item` changes every iteration): the
    second iteration (a None item) takes no branch and backwards the first one's freed graph
    (torch raises)."""
    source = """
        import torch
        import torch.nn as nn

        net = nn.Linear(3, 2)
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        items = [torch.randn(4, 3), None, torch.randn(4, 3)]
        for i, item in enumerate(items):
            opt.zero_grad()
            if isinstance(item, torch.Tensor):
                objective = net(item).pow(2).mean()
            objective.backward()
            opt.step()
        """
    assert lines(source) == [line_of(source, "objective.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- G3: a critic loop whose count the outer loop never changes ---------------------------------------
CRITIC = """
    import torch
    import torch.nn as nn

    SETTINGS = {"critic_steps": 2}
    STEPS = SETTINGS["critic_steps"]
    gen, critic = nn.Linear(3, 4), nn.Linear(4, 1)
    opt_g = torch.optim.Adam(gen.parameters(), 1e-3)
    opt_c = torch.optim.Adam(critic.parameters(), 1e-3)
    for batch in range(3):
        real = torch.randn(6, 4){change}
        for _ in range(STEPS):
            fake = gen(torch.randn(6, 3))
            loss_c = critic(fake).mean() - critic(real).mean()
            opt_c.zero_grad()
            loss_c.backward(retain_graph=True)
            opt_c.step()
        loss_g = -critic(fake).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    """


def test_a_critic_loop_of_an_unchanged_count_is_silent() -> None:
    """`STEPS` is read from a dict (unknown here) and never changes: the generator step always
    follows a critic loop that made this batch's `fake`. torch runs the three batches."""
    source = CRITIC.replace("{change}", "")
    assert lines(source) == []
    run(source)


def test_a_count_changed_by_the_outer_loop_is_still_reported() -> None:
    """The neighbour: the outer loop sets `STEPS = 0` after the first batch, so the second
    generator step backwards the first batch's `fake` (freed): torch raises."""
    source = CRITIC.replace("{change}", "\n        STEPS = STEPS if batch == 0 else 0")
    assert lines(source) == [line_of(source, "loss_g.backward()")]
    with pytest.raises(RuntimeError, match=FREED):
        run(source)


# -- G1: the backward() method of a callable object is no tensor's -----------------------------------
NUMPY_MODEL = """
    import numpy as np
    {source}

    net = TinyNet(5, 2)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(3, 2))
    err = net{call}(x, y)
    net.backward()
    net.w -= 0.1 * net.dw
    x, y = rng.normal(size=(3, 5)), rng.normal(size=(3, 2))
    err = net{call}(x, y)
    net.backward()
    net.w -= 0.1 * net.dw
    """
TINY_NET = """
    class TinyNet:
        def __init__(self, n_in, n_out):
            self.w = np.zeros((n_in, n_out))

        def forward(self, x, y):
            self.x, self.diff = x, x @ self.w - y
            return float((self.diff ** 2).mean())

        __call__ = forward

        def backward(self):
            self.dw = self.x.T @ self.diff
    """


@pytest.mark.parametrize("call", ["", ".forward"])
def test_the_backward_method_of_an_object_of_unresolved_class_is_silent(call: str) -> None:
    """`net = TinyNet(...)` of a class out of view (imported from a package that pt-lsp does not
    resolve), called (`net(x, y)` or `net.forward(x, y)`), then `net.backward()`, twice (a course's
    SGD test): a NumPy model's method, no autograd graph. Run with the class in the file, it finishes."""
    unresolved = NUMPY_MODEL.replace("{source}", "from numpy_models import TinyNet").replace("{call}", call)
    assert lines(unresolved) == []
    defined = NUMPY_MODEL.replace("{source}", textwrap.indent(textwrap.dedent(TINY_NET), "    ").strip())
    namespace = run(defined.replace("{call}", call))
    assert namespace["net"].dw.shape == (5, 2)


def test_a_loss_of_unknown_origin_backwarded_twice_is_still_reported() -> None:
    """The neighbour: `loss` is never called, so its second backward is the same tensor's (torch
    raises for a loss with a graph)."""
    source = """
        import torch
        from losses import make_loss

        loss = make_loss()
        loss.backward()
        loss.backward()
        """
    assert lines(source) == [line_of(source, "loss.backward()") + 1]
    w = torch.ones(2, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=FREED):
        loss.backward()
