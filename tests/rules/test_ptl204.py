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


def test_a_reset_before_the_loop_only_is_reported_and_one_in_an_outer_loop_only_too():
    # The second loop's reset runs once per epoch, its step once per batch: from the second batch
    # on each step uses the epoch's summed gradients (audit-12 M1, a true bug in real code; this
    # test asserted silence there before).
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
    ) == [7, 12]


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


GAN_STEP = """
import torch
from torch import nn
class GAN:
    def __init__(self):
        self.gen = nn.Sequential(nn.Linear(2, 4)).to("cpu")
        self.critic = Critic()
        self.opt_c = torch.optim.Adam(self.critic.parameters())
        self.opt_g = torch.optim.Adam(self.gen.parameters())
    def train_step(self, real, z):
        {reset}
        self.critic(real).mean().backward()
        self.opt_c.step()
        self.gen.zero_grad()
        self.critic(self.gen(z)).mean().backward()
        self.opt_g.step()
class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
    def forward(self, x):
        return self.fc(x)
gan = GAN()
for real, z in [(torch.randn(3, 4), torch.randn(3, 2))] * 2:
    gan.train_step(real, z)
"""


def test_a_module_s_zero_grad_resets_only_the_optimizer_over_that_module():
    found = findings(CODE, GAN_STEP.format(reset="pass"))
    assert [f.line for f in found] == [12]
    assert "this resets `self.gen`'s own gradients, another module's, not these" in [
        r.message for r in found[0].related
    ]
    assert lines(CODE, GAN_STEP.format(reset="self.critic.zero_grad()")) == []
    assert lines(CODE, GAN_STEP.format(reset="self.opt_c.zero_grad()")) == []


def test_a_module_reset_counts_where_it_may_hold_the_optimizer_s_parameters():
    # the same module, a module around it, or one this file does not build: the reset may cover them
    body = """
import torch
from torch import nn
model = nn.Sequential(nn.Linear(2, 2))
net = model
external = load_model()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
opt_head = torch.optim.SGD(model.head.parameters(), lr=0.1)
for x in [torch.randn(1, 2)] * 2:
    {reset}.zero_grad()
    model(x).sum().backward()
    opt.step()
    opt_head.step()
"""
    for reset in ("model", "net", "external"):
        assert lines(CODE, body.format(reset=reset)) == [], reset


def test_a_loop_resetting_the_other_network_only():
    found = findings(
        CODE,
        """
        import torch
        from torch import nn
        G = nn.Linear(2, 4)
        D = nn.Sequential(nn.Linear(4, 1))
        opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
        opt_g = torch.optim.SGD(G.parameters(), lr=0.1)
        for z, real in [(torch.randn(3, 2), torch.randn(3, 4))] * 2:
            G.zero_grad()
            (D(real).mean() - D(G(z).detach()).mean()).backward()
            opt_d.step()
            D(G(z)).mean().backward()
            opt_g.step()
    """,
    )
    assert [f.line for f in found] == [10]
    assert "(only other modules')" in found[0].message
    assert (8, "this resets `G`'s own gradients, another module's, not these") in [
        (r.span.start.line, r.message) for r in found[0].related
    ]
