"""PTL201 and PTL205 on the eleventh audit's shapes (benchmarks/ecosystem/audit-11.md: G1, G5 and
G6 false alarms, M1 and M4 misses). Every program is ours, written for the shape of the code the
audit read. Each silent program runs under torch 2.13; each reported neighbour, where the fact
that makes the first safe is missing, raises. The tests run both."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

FREED = "backward through the graph a second time"
STEPPED = "modified by an inplace operation"
LEAF = "a leaf Variable that requires grad is being used in an in-place operation"


def lines(source: str, code: str = "PTL201") -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit11>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit11"}
    exec(compile(textwrap.dedent(source), "<audit11>", "exec"), namespace)
    return namespace


# -- G1: one graph per entry of a list built per item before the loop ------------------------------
PER_STEP = """
    import torch
    from torch.autograd import grad

    steps = 3
    probs = [torch.softmax(torch.randn(2, 4), 1) for _ in range(steps)]
    leaves = [p.detach().requires_grad_() for p in probs]
    logs = [torch.log(leaves[i]) for i in range(steps)]
    logs = [logs[i].gather(1, torch.zeros(2, 1, dtype=torch.long)) for i in range(steps)]
    for i in reversed(range(steps)):
        loss = -(logs[i] * 0.5).mean(0)
        kl = (leaves[i] * (leaves[i].log() - probs[i].detach().log())).sum()
        k = grad(kl, leaves[i])[0]
        g = grad(loss, leaves[i])[0]  # backward
    """
POLICY = """
    import torch
    import torch.nn as nn

    policy = nn.Linear(4, 3)
    states = [torch.randn(2, 4) for _ in range(3)]
    logps = [torch.log_softmax(policy(s), 1) for s in states]
    for t, s in enumerate(states):
        loss = -logps[t][:, 0].mean()
        loss.backward()  # backward
    """
PER_EPOCH = """
    import torch

    w = torch.randn(3, requires_grad=True)
    for epoch in range(2):
        a = [torch.exp(w * k) for k in range(3)]
        for i in range(3):
            a[i].sum().backward()  # backward
    """


@pytest.mark.parametrize("program", [PER_STEP, POLICY, PER_EPOCH], ids=["grad-per-step", "enumerate", "per-epoch"])
def test_g1_each_pass_backwards_its_own_entry_silent_and_runs(program: str) -> None:
    """Torch runs each: pass i reaches only entry i's graph, which no earlier pass freed."""
    assert lines(program) == []
    run(program)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("loss = -logps[t][:, 0].mean()", "loss = -torch.stack(logps).mean()"),  # every entry
        ("loss = -logps[t][:, 0].mean()", "loss = -(logps[t] + logps[0]).mean()"),  # another entry
    ],
    ids=["every-entry", "entry-0"],
)
def test_g1_reading_other_entries_still_reported(before: str, after: str) -> None:
    """Torch raises in the second pass: it reaches an entry the first pass freed."""
    program = POLICY.replace(before, after)
    assert lines(program) == [line_of(program, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(program)


BEFORE_EPOCHS = """
    import torch

    w = torch.randn(3, requires_grad=True)
    a = [torch.exp(w * k) for k in range(3)]
    for epoch in range(2):
        for i in range(3):
            a[i].sum().backward()  # backward
    """
SHARED_ENTRY = """
    import torch

    w = torch.randn(3, requires_grad=True)
    a = [torch.exp(w * k) for k in range(3)]
    b = [a[0] * k for k in range(3)]
    for i in range(3):
        b[i].sum().backward()  # backward
    """
TWICE = """
    import torch

    w = torch.randn(3, requires_grad=True)
    a = [torch.exp(w * k) for k in range(3)]
    for i in range(3):
        a[i].sum().backward()
        (a[i] * 2).sum().backward()  # backward
    """


@pytest.mark.parametrize(
    "program",
    [BEFORE_EPOCHS, SHARED_ENTRY, TWICE],
    ids=["built-before-the-epochs", "entries-share-entry-0", "twice-in-one-pass"],
)
def test_g1_neighbours_that_reach_a_freed_entry_still_reported(program: str) -> None:
    assert lines(program) == [line_of(program, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(program)


# -- G5: losses returned in one dict, each its own graph --------------------------------------------
MODEL_DICT = """
    import torch
    import torch.nn as nn


    class Opt:
        no_ganloss = False


    class Pix(nn.Module):
        def __init__(self, opt):
            super().__init__()
            self.opt = opt
            self.G, self.D = nn.Linear(3, 3), nn.Linear(6, 1)
            self.optimizer_G = torch.optim.Adam(self.G.parameters())
            self.optimizer_D = torch.optim.Adam(self.D.parameters())

        def forward(self, a, b):
            out = {"g_gan": 0, "g_l1": 0, "d_real": 0, "d_fake": 0}
            fake = torch.tanh(self.G(a))
            if not self.opt.no_ganloss:
                out["d_fake"] = self.D(torch.cat([a, fake.detach()], 1)).mean()
                out["d_real"] = -self.D(torch.cat([a, b], 1)).mean()
                out["g_gan"] = -self.D(torch.cat([a, fake], 1)).mean()
            out["g_l1"] = (fake - b).abs().mean()
            return out


    class Trainer:
        def __init__(self):
            self.opt = Opt()
            self.model = Pix(self.opt)

        def update(self):
            for _ in range(2):
                loss_dict = self.model(torch.randn(4, 3), torch.randn(4, 3))
                loss_D = (loss_dict["d_real"] + loss_dict["d_fake"]) * 0.5
                loss_G = loss_dict["g_gan"] + loss_dict["g_l1"] * 100
                self.model.optimizer_G.zero_grad()
                loss_G.backward()
                self.model.optimizer_G.step()
                if not self.opt.no_ganloss:
                    self.model.optimizer_D.zero_grad()
                    loss_D.backward()  # backward
                    self.model.optimizer_D.step()


    Trainer().update()
    """
DISPLAY_DICT = """
    import torch
    import torch.nn as nn

    net = nn.Linear(3, 1)
    x = torch.randn(4, 3)
    d = {"a": torch.sigmoid(net(x)).mean(), "b": torch.exp(net(x)).mean()}
    d["a"].backward()
    d.get("b").backward()  # backward
    """
FUNCTION_DICT = """
    import torch
    import torch.nn as nn

    G, D = nn.Linear(3, 3), nn.Linear(3, 1)
    oG, oD = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())


    def compute_losses(a, b):
        out = {}
        fake = torch.tanh(G(a))
        out["d_fake"] = D(fake.detach()).mean()
        out["d_real"] = -D(b).mean()
        out["g_gan"] = -D(fake).mean()
        return out


    for _ in range(2):
        losses = compute_losses(torch.randn(4, 3), torch.randn(4, 3))
        loss_D = losses["d_real"] + losses["d_fake"]
        loss_G = losses["g_gan"]
        oG.zero_grad()
        loss_G.backward()
        oG.step()
        oD.zero_grad()
        loss_D.backward()  # backward
        oD.step()
    """


@pytest.mark.parametrize("program", [MODEL_DICT, DISPLAY_DICT, FUNCTION_DICT], ids=["forward", "display", "function"])
def test_g5_entries_of_a_loss_dict_are_separate_graphs_silent_and_runs(program: str) -> None:
    """Torch runs each: the discriminator's entries start at ``fake.detach()`` (or at another pass)."""
    assert lines(program) == []
    run(program)


@pytest.mark.parametrize(
    ("program", "before", "after"),
    [
        (MODEL_DICT, "torch.cat([a, fake.detach()], 1)", "torch.cat([a, fake], 1)"),
        (FUNCTION_DICT, "D(fake.detach())", "D(fake)"),
        (DISPLAY_DICT, 'd["a"].backward()', 'd.update({"b": d["a"] * 2})\n    d["a"].backward()'),
    ],
    ids=["forward-no-detach", "function-no-detach", "updated-entry"],
)
def test_g5_entries_that_share_a_graph_reported(program: str, before: str, after: str) -> None:
    """Torch raises: the discriminator's entry reaches the generator's freed graph (or ``update``
    made entry b a view of entry a). The function's dict was not followed before (a miss)."""
    changed = program.replace(before, after)
    assert changed != program
    assert lines(changed) == [line_of(changed, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(changed)


# -- G6: a penalty helper defined below its caller uses only fake.detach() --------------------------
PENALTY_BELOW = """
    import torch
    import torch.nn as nn

    gen = nn.Sequential(nn.Linear(4, 6), nn.Tanh())
    critic = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1))
    opt_g, opt_c = torch.optim.Adam(gen.parameters()), torch.optim.Adam(critic.parameters())


    def train():
        for _ in range(2):
            real = torch.randn(5, 6)
            fake = gen(torch.randn(5, 4))
            loss_c = critic(fake.detach()).mean() - critic(real).mean() + 10 * penalty(critic, real, fake)
            opt_c.zero_grad()
            loss_c.backward()
            opt_c.step()
            loss_g = -critic(fake).mean()
            opt_g.zero_grad()
            loss_g.backward()  # backward
            opt_g.step()


    def penalty(critic, real, fake):
        mix = (0.5 * real + 0.5 * fake.detach()).requires_grad_(True)
        g = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)[0]
        return ((g.norm(2, dim=1) - 1) ** 2).mean()


    train()
    """


def test_g6_penalty_helper_below_its_caller_detaches_silent_and_runs() -> None:
    assert lines(PENALTY_BELOW) == []
    run(PENALTY_BELOW)


def test_g6_penalty_helper_without_detach_reported() -> None:
    """Torch raises: the penalty reaches the generator's graph, freed by the critic's backward."""
    program = PENALTY_BELOW.replace("0.5 * fake.detach()", "0.5 * fake")
    assert lines(program) == [line_of(program, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(program)


# -- M1 (PTL205): a manual update in a helper given the leaf ------------------------------------------
SGD_HELPER = """
    import torch


    def sgd_update(p, lr):
        p -= lr * p.grad  # update


    p = torch.randn(5, requires_grad=True)
    (p ** 2).sum().backward()
    sgd_update(p, 0.1)
    """


@pytest.mark.parametrize(
    "program",
    [
        SGD_HELPER,
        SGD_HELPER.replace("p = torch.randn(5, requires_grad=True)", "p = torch.nn.Linear(5, 1).weight"),
    ],
    ids=["leaf", "layer-weight"],
)
def test_m1_update_in_a_helper_given_a_leaf_reported(program: str) -> None:
    """Torch raises: ``p -= ...`` is in place on the caller's leaf (the augmented assignment
    rebinds ``p`` to the same tensor)."""
    assert lines(program, "PTL205") == [line_of(program, "# update")]
    with pytest.raises(RuntimeError, match=LEAF):
        run(program)


def test_m1_update_helper_called_under_no_grad_silent_and_runs() -> None:
    program = SGD_HELPER.replace("sgd_update(p, 0.1)", "with torch.no_grad():\n        sgd_update(p, 0.1)")
    assert lines(program, "PTL205") == []
    assert torch.equal(run(program)["p"].grad, run(program)["p"].grad)


# -- M4: a semi-supervised GAN step whose discriminator layers are weight-normed ---------------------
SSGAN = """
    import torch
    import torch.nn as nn


    class D(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.utils.weight_norm(nn.Linear(6, 8))
            self.l2 = nn.utils.weight_norm(nn.Linear(8, 8))
            self.head = nn.Linear(8, 3)

        def forward(self, x):
            f = torch.relu(self.l2(torch.relu(self.l1(x))))
            return self.head(f), f, torch.sigmoid(self.head(f))


    G = nn.Linear(4, 6)
    netD = D()
    optD = torch.optim.Adam(netD.parameters())
    optG = torch.optim.Adam(G.parameters())
    real = torch.randn(5, 6)
    netD.zero_grad()
    logits_real, feat_real, _ = netD(real)
    fake = G(torch.randn(5, 4))
    logits_fake, _, _ = netD(fake.detach())
    loss_d = logits_real.logsumexp(1).mean() - logits_fake.logsumexp(1).mean()
    loss_d.backward(retain_graph=True)
    optD.step()
    G.zero_grad()
    _, feat_fake, prob_fake = netD(fake)
    loss_g = (feat_real.mean(0) - feat_fake.mean(0)).pow(2).sum() - torch.log(prob_fake[:, -1] + 1e-8).mean()
    loss_g.backward()  # backward
    optG.step()
    """


@pytest.mark.parametrize(
    "program",
    [
        SSGAN,
        SSGAN.replace("nn.utils.weight_norm(", "nn.utils.spectral_norm("),
        SSGAN.replace("nn.utils.weight_norm(", "nn.utils.parametrizations.weight_norm("),
    ],
    ids=["weight_norm", "spectral_norm", "parametrizations"],
)
def test_m4_features_of_a_stepped_weight_normed_discriminator_reported(program: str) -> None:
    """Torch raises: ``optD.step()`` updated the weight-normed layers' parameters that the kept
    pass over the real batch saved, and the generator's loss reads its features."""
    assert lines(program) == [line_of(program, "# backward")]
    with pytest.raises(RuntimeError, match=STEPPED):
        run(program)


def test_m4_step_after_the_generator_backward_silent_and_runs() -> None:
    program = SSGAN.replace("    optD.step()\n", "").replace("    optG.step()\n", "    optG.step()\n    optD.step()\n")
    assert lines(program) == []
    run(program)


# -- PTL205 recall: a from-scratch model, a plain class holding its own leaves ----------------------
SCRATCH = """
    import torch


    class LinReg:
        def __init__(self):
            self.W = torch.randn(3, 1, requires_grad=True)

        def forward(self, x):
            return x @ self.W

        def step(self, lr):
            self.W -= lr * self.W.grad  # update


    m = LinReg()
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    (m.forward(x) - y).pow(2).mean().backward()
    m.step(0.1)
    """


def test_plain_class_leaf_updated_by_a_called_method_reported() -> None:
    """Torch raises: ``self.W`` is a leaf that requires grad, changed in place with grad on."""
    assert lines(SCRATCH, "PTL205") == [line_of(SCRATCH, "# update")]
    with pytest.raises(RuntimeError, match=LEAF):
        run(SCRATCH)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("    m.step(0.1)\n", "    with torch.no_grad():\n        m.step(0.1)\n"),  # the caller turns grad off
        ("    m.step(0.1)\n", ""),  # nothing here calls it
    ],
    ids=["called-under-no-grad", "never-called"],
)
def test_plain_class_leaf_update_under_no_grad_or_uncalled_silent(before: str, after: str) -> None:
    program = SCRATCH.replace(before, after)
    assert program != SCRATCH
    assert lines(program, "PTL205") == []
    run(program)


# -- PTL201 recall: optimizer.step(closure) runs the closure; LBFGS runs it again -------------------
STYLE = """
    import torch
    import torch.nn as nn

    vgg = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))
    style_img, content_img = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8)


    def gram(f):
        b, c, h, w = f.shape
        f = f.view(c, h * w)
        return f @ f.t()


    style_target = gram(vgg(style_img))
    input_img = content_img.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([input_img])


    def closure():
        optimizer.zero_grad()
        loss = (gram(vgg(input_img)) - style_target).pow(2).sum()
        loss.backward()  # backward
        return loss


    optimizer.step(closure)
    """


def test_lbfgs_closure_backwards_a_target_built_outside_reported() -> None:
    """Torch raises: LBFGS calls the closure again, and the style target's graph (the network's
    parameters require grad) was freed by the first call's backward."""
    assert lines(STYLE) == [line_of(STYLE, "# backward")]
    with pytest.raises(RuntimeError, match=FREED):
        run(STYLE)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("style_target = gram(vgg(style_img))", "style_target = gram(vgg(style_img)).detach()"),
        ("torch.optim.LBFGS([input_img])", "torch.optim.Adam([input_img])"),  # one call of the closure
    ],
    ids=["detached-target", "adam-calls-it-once"],
)
def test_closure_with_a_detached_target_or_called_once_silent_and_runs(before: str, after: str) -> None:
    program = STYLE.replace(before, after)
    assert program != STYLE
    assert lines(program) == []
    run(program)


# -- G5 limit: a dict attribute that one method fills and another backwards --------------------------
SELF_DICT = """
    import torch
    import torch.nn as nn


    class GAN:
        def __init__(self):
            self.G = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
            self.D = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
            self.oG = torch.optim.Adam(self.G.parameters())
            self.oD = torch.optim.Adam(self.D.parameters())
            self.losses = {}

        def compute(self, z, real):
            fake = self.G(z)
            self.losses["d"] = self.D(fake.detach()).mean() - self.D(real).mean()
            self.losses["g"] = -self.D(fake).mean()

        def step(self):
            self.oD.zero_grad()
            self.losses["d"].backward()  # d backward
            self.oD.step()
            self.oG.zero_grad()
            self.losses["g"].backward()
            self.oG.step()


    gan = GAN()
    for _ in range(2):
        gan.compute(torch.randn(4, 3), torch.randn(4, 3))
        gan.step()
    """


def test_g5_dict_attribute_entries_are_not_carried_across_iterations() -> None:
    """An attribute's dict keeps no keys (other methods may fill it): its entries are joined, as
    before, and nothing is reported; in particular not the discriminator's backward, which torch
    runs in every iteration (torch raises later, at the generator's backward: oD.step() changed
    the parameters its pass saved, a failure this shape does not prove)."""
    assert line_of(SELF_DICT, "# d backward") not in lines(SELF_DICT)
    with pytest.raises(RuntimeError, match=STEPPED):
        run(SELF_DICT)
