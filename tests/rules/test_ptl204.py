"""PTL204 missing-zero-grad: which loops, which optimizers, what counts as a reset, the fix."""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

from pt_lsp.core.findings import Severity

CODE = "PTL204"

LOOP = """
import torch
def train(model, loader, loss_fn):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
{extra}        opt.step()
"""


def loop(extra: str = "") -> str:
    return LOOP.format(extra="".join(f"        {line}\n" for line in extra.splitlines()))


def test_a_torch_optim_optimizer_stepped_without_reset_is_an_error():
    found = findings(CODE, loop())
    assert [f.line for f in found] == [7] and found[0].severity is Severity.ERROR


def test_every_reset_spelling_silences_the_loop():
    for reset in (
        "opt.zero_grad()",
        "model.zero_grad(set_to_none=True)",
        "self.zero_grad()",
        "for p in model.parameters():\n    p.grad = None",
        "for p in model.parameters():\n    p.grad.zero_()",
        "for p in model.parameters():\n    p.grad.data.mul_(0)",
        "for p in model.parameters():\n    del p.grad",
    ):
        assert lines(CODE, loop(reset)) == [], reset


def test_accumulation_with_a_periodic_reset_is_silent():
    assert lines(CODE, loop("if step % 4 == 0:\n    opt.zero_grad()")) == []


def test_a_reset_before_the_loop_only_is_reported_and_one_in_an_outer_loop_is_not():
    assert lines(
        CODE,
        """
        import torch
        def train(model, loader, loss_fn, epochs):
            opt = torch.optim.Adam(model.parameters())
            opt.zero_grad()
            for x, y in loader:
                loss_fn(model(x), y).backward()
                opt.step()
            for epoch in range(epochs):
                opt.zero_grad()
                for x, y in loader:
                    loss_fn(model(x), y).backward()
                    opt.step()
    """,
    ) == [7]


def test_schedulers_environments_closures_and_unknown_steppers_are_not_optimizers():
    assert (
        lines(
            CODE,
            """
        import torch
        def run(model, env, loss_fn, x, y, engine, stepper):
            opt = torch.optim.LBFGS(model.parameters())
            sched = torch.optim.lr_scheduler.StepLR(opt, 5)
            for _ in range(3):
                loss_fn(model(x), y).backward()
                sched.step()
                env.step(0)
                engine.step()
                stepper.step()
                opt.step(lambda: loss_fn(model(x), y))
    """,
        )
        == []
    )


def test_a_name_is_weaker_evidence_and_a_local_wrapper_class_with_step_removes_it():
    found = findings(
        CODE,
        """
        def train(model, optimizer, loader):
            for batch in loader:
                model(batch).backward()
                optimizer.step()
    """,
    )
    assert [f.severity for f in found] == [Severity.WARNING]
    assert (
        lines(
            CODE,
            """
        class ScheduledOptim:
            def step(self):
                pass
        def train(model, optimizer, loader):
            for batch in loader:
                model(batch).backward()
                optimizer.step()
    """,
        )
        == []
    )


def test_resets_in_local_helpers_and_optimizers_handed_to_unknown_code_are_trusted():
    assert (
        lines(CODE, loop("clear(opt)").replace("import torch", "import torch\ndef clear(o):\n    o.zero_grad()")) == []
    )
    assert lines(CODE, loop("utils.maintain(opt)")) == []
    assert lines(CODE, loop("torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)")) == [8]


def test_an_optimizer_rebuilt_every_iteration_is_silent():
    assert (
        lines(
            CODE,
            """
        import torch
        for lr in (0.1, 0.01):
            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            model(torch.randn(3, 2)).sum().backward()
            opt.step()
    """,
        )
        == []
    )


def test_the_fix_inserts_zero_grad_before_the_first_backward():
    assert fixed(CODE, loop()).splitlines()[5:8] == [
        "        opt.zero_grad()",
        "        loss.backward()",
        "        opt.step()",
    ]


STEP_FUNCTION = """
import torch
import torch.nn.functional as F
def train_step(model, optimizer, x, y):
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
def fit(model, loader):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
{body}
"""


def test_a_step_function_called_in_a_loop_without_reset():
    found = findings(CODE, STEP_FUNCTION.format(body="        train_step(model, opt, x, y)"))
    assert [f.line for f in found] == [6] and found[0].related[0].span.start.line == 11
    text = fixed(CODE, STEP_FUNCTION.format(body="        train_step(model, opt, x, y)"))
    assert text.splitlines()[4:6] == ["    optimizer.zero_grad()", "    loss.backward()"]


def test_a_step_function_whose_caller_resets_or_that_no_loop_calls_is_silent():
    assert lines(CODE, STEP_FUNCTION.format(body="        opt.zero_grad()\n        train_step(model, opt, x, y)")) == []
    assert lines(CODE, STEP_FUNCTION.format(body="        pass\n    train_step(model, opt, x, y)")) == []
