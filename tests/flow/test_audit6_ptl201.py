"""PTL201 false alarms of the sixth audit (benchmarks/ecosystem/audit-6.md, causes G1-G6): training
code nobody here had read. Each program is ours and has the shape of the real code; it runs under
torch and must draw no PTL201. Beside each, a nearby program with a real freed-graph bug keeps its
finding, and torch shows which of the two raises."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
import torch

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def lines(source: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit6>", selection=Selection.of(["PTL201"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL201"]


def run(source: str) -> dict[str, Any]:
    torch.manual_seed(0)
    namespace: dict[str, Any] = {"__name__": "audit6"}
    exec(compile(textwrap.dedent(source), "<audit6>", "exec"), namespace)
    return namespace


def raises_freed(source: str) -> None:
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        run(source)


# G1: two outputs of one call to a module handed in as a parameter: two heads of one input.
HEADS = """
    import torch
    import torch.nn as nn


    class ActorCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.actor = nn.Linear(4, 2)
            self.critic = nn.Linear(4, 1)

        def forward(self, x):
            return self.actor(x), self.critic(x)


    def train_step(policy, opt):
        logits, values = policy(torch.randn(5, 4))
        policy_loss = -logits.log_softmax(-1)[:, 0].sum()
        value_loss = values.pow(2).sum()
        opt.zero_grad()
        policy_loss.backward()
        value_loss.backward()  # separate heads, disjoint graphs: fine
        opt.step()


    policy = ActorCritic()
    train_step(policy, torch.optim.Adam(policy.parameters()))
    """

# The input comes from an encoder in view: both heads hang on its graph, freed by the first backward.
HEADS_ON_ENCODER = HEADS.replace(
    "def train_step", "encoder = nn.Sequential(nn.Linear(4, 4), nn.Tanh())\n\n\n    def train_step"
).replace("policy(torch.randn(5, 4))", "policy(encoder(torch.randn(5, 4)))")

# One head backwarded twice: its own graph is freed by the first backward.
SAME_HEAD_TWICE = HEADS.replace("value_loss = values.pow(2).sum()", "value_loss = logits.pow(2).sum()")

THREE_HEADS_IN_A_LOOP = """
    import torch
    import torch.nn as nn


    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 1)
            self.b = nn.Linear(3, 1)
            self.c = nn.Linear(3, 1)

        def forward(self, x):
            return self.a(x), self.b(x), self.c(x)


    def update(net, batches, opt):
        for x in batches:
            first, second, third = net(x)
            opt.zero_grad()
            first.pow(2).mean().backward()
            second.abs().mean().backward()
            third.exp().mean().backward()
            opt.step()


    net = Heads()
    update(net, [torch.randn(6, 3) for _ in range(2)], torch.optim.SGD(net.parameters(), lr=0.1))
    """


def test_g1_heads_of_a_module_parameter() -> None:
    assert lines(HEADS) == []
    assert lines(THREE_HEADS_IN_A_LOOP) == []
    run(HEADS)
    run(THREE_HEADS_IN_A_LOOP)


def test_g1_heads_on_a_shared_encoder_stay_reported() -> None:
    assert lines(HEADS_ON_ENCODER) == [25]
    raises_freed(HEADS_ON_ENCODER)
    assert lines(SAME_HEAD_TWICE) == [22]
    raises_freed(SAME_HEAD_TWICE)


# G2: a loop of one iteration has no previous iteration and no graph freed by an earlier one.
ONE_ITERATION = """
    import torch
    import torch.nn as nn

    gen = nn.Linear(4, 4)
    disc = nn.Linear(4, 1)
    x = torch.randn(8, 4)
    for _ in range(1):
        fake = gen(x)
        disc(fake.detach()).sum().backward()
    for _ in range(1):
        disc(fake).sum().backward(retain_graph=True)
        fake.pow(2).sum().backward()
    """

BUILT_BEFORE_ONE_ITERATION = """
    import torch
    import torch.nn as nn

    net = nn.Linear(3, 3)
    out = net(torch.randn(5, 3))
    for step in range(0, 1):
        out.pow(2).sum().backward()
    again = net(torch.randn(5, 3))
    for item in [again]:
        item.pow(2).sum().backward()
    """


def test_g2_loop_of_one_iteration() -> None:
    assert lines(ONE_ITERATION) == []
    assert lines(BUILT_BEFORE_ONE_ITERATION) == []
    run(ONE_ITERATION)
    run(BUILT_BEFORE_ONE_ITERATION)


def test_g2_loops_of_two_iterations_stay_reported() -> None:
    twice = ONE_ITERATION.replace("for _ in range(1):\n        disc(fake)", "for _ in range(2):\n        disc(fake)")
    assert lines(twice) == [12, 13]
    raises_freed(twice)
    three = BUILT_BEFORE_ONE_ITERATION.replace("range(0, 1)", "range(0, 3)")
    assert lines(three) == [8]
    raises_freed(three)
    # once is enough when the graph was freed before the loop
    after = BUILT_BEFORE_ONE_ITERATION.replace("for step in", "out.pow(3).sum().backward()\n    for step in")
    assert lines(after) == [9]
    raises_freed(after)


# G3: `out` bound under an if/elif chain without else on a test the loop never changes; another
# statement rebinds it only from itself (`out, y = f(out, y)`). Unbound before the loop, `out` is
# unbound on the path through neither branch in every iteration: nothing is carried over.
CHAIN_WITHOUT_ELSE = """
    import types

    import torch
    import torch.nn as nn


    class Scaler:
        def inverse(self, pred, target):
            return pred * 2.0, target * 2.0


    def train_epoch(model, loader, optimizer, opt, scaler):
        for x, y in loader:
            optimizer.zero_grad()
            if opt.decoder == "attention":
                out = model(x)
            elif opt.decoder == "fc":
                out = model(x + 1)
            if opt.inverse:
                out, y = scaler.inverse(out, y)
            loss = (out - y).pow(2).mean()
            loss.backward()
            optimizer.step()


    model = nn.Linear(4, 1)
    opt = types.SimpleNamespace(decoder="fc", inverse=True)
    loader = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]
    train_epoch(model, loader, torch.optim.SGD(model.parameters(), lr=0.1), opt, Scaler())
    """

# A test the loop changes: the second iteration takes neither branch and reuses the first's `out`.
CHAIN_ON_THE_STEP = (
    CHAIN_WITHOUT_ELSE.replace('if opt.decoder == "attention":', "if step % 2 == 0:")
    .replace("for x, y in loader:", "for step, (x, y) in enumerate(loader):")
    .replace('decoder="fc"', 'decoder="none"')
)

# `out` bound before the loop: the path through neither branch reuses it in every iteration.
CHAIN_BOUND_BEFORE = CHAIN_WITHOUT_ELSE.replace(
    "    for x, y in loader:", "    out = model(loader[0][0])\n        for x, y in loader:"
).replace('decoder="fc"', 'decoder="none"')


def test_g3_chain_without_else_on_an_invariant_test() -> None:
    assert lines(CHAIN_WITHOUT_ELSE) == []
    run(CHAIN_WITHOUT_ELSE)


def test_g3_variant_test_or_name_bound_before_stays_reported() -> None:
    assert lines(CHAIN_ON_THE_STEP) == [23]
    raises_freed(CHAIN_ON_THE_STEP)
    assert lines(CHAIN_BOUND_BEFORE) == [24]
    raises_freed(CHAIN_BOUND_BEFORE)


# G5: `memory` reset under `if model.recurrent:` and read and rebound only under the same test:
# unbound before the loop, it is unbound wherever the test is false, in every iteration.
SAME_TEST_TWICE = """
    import torch
    import torch.nn as nn


    class Recurrent(nn.Module):
        recurrent = True
        truncate = False

        def __init__(self):
            super().__init__()
            self.cell = nn.GRUCell(4, 4)

        def forward(self, x, memory):
            memory = self.cell(x, memory)
            return memory.sum(-1), memory


    def update(model, opt, batches, start_memory):
        for batch in batches:
            if model.recurrent:
                memory = start_memory  # reset at each batch when recurrent
            total = 0
            for x in batch:
                if model.recurrent:
                    value, memory = model(x, memory)
                else:
                    value = model(x)
                total = total + value.pow(2).mean()
            opt.zero_grad()
            total.backward()
            opt.step()


    model = Recurrent()
    batches = [torch.randn(2, 8, 4) for _ in range(3)]
    update(model, torch.optim.SGD(model.parameters(), lr=0.1), batches, torch.zeros(8, 4))
    """

# Bound before the loop and reset under a test that is false: the memory's graph crosses batches.
RESET_NEVER_TAKEN = SAME_TEST_TWICE.replace(
    "    for batch in batches:\n            if model.recurrent:\n                memory = start_memory",
    "    memory = start_memory\n        for batch in batches:\n            if model.truncate:\n"
    "                memory = start_memory",
)


def test_g5_same_test_twice() -> None:
    assert lines(SAME_TEST_TWICE) == []
    run(SAME_TEST_TWICE)


def test_g5_reset_never_taken_stays_reported() -> None:
    assert RESET_NEVER_TAKEN != SAME_TEST_TWICE
    assert lines(RESET_NEVER_TAKEN) == [32]
    raises_freed(RESET_NEVER_TAKEN)


# G4: a leaf cast once before the loop (`torch.tensor(X, requires_grad=True).float()`): a dtype or
# device cast and a view save no tensors, so backwards through them again and again run.
CAST_BEFORE_THE_LOOP = """
    import numpy as np
    import torch
    import torch.nn as nn

    X = np.random.rand(16, 1)  # float64
    x = torch.tensor(X, requires_grad=True).float()  # a cast, built once, outside the loop
    net = nn.Linear(1, 1)
    opt = torch.optim.Adam(net.parameters())
    for _ in range(3):
        u = net(x)
        (du,) = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)
        loss = (u ** 2).mean() + (du ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """

CASTS_AND_VIEWS = """
    import torch
    import torch.nn as nn

    leaf = torch.rand(10, 2, dtype=torch.float64, requires_grad=True)
    t = leaf.double().to(torch.float32)[:, 0:1].unsqueeze(0).reshape(10, 1).half().float().cpu().type_as(leaf)
    net = nn.Linear(1, 1).double()
    for _ in range(3):
        net(t).pow(2).mean().backward()
    """

# `sin` saves its input: the part built before the loop is freed by the first iteration.
SIN_BEFORE_THE_LOOP = CAST_BEFORE_THE_LOOP.replace("requires_grad=True).float()", "requires_grad=True).float().sin()")


def test_g4_cast_before_the_loop() -> None:
    assert lines(CAST_BEFORE_THE_LOOP) == []
    assert lines(CASTS_AND_VIEWS) == []
    run(CAST_BEFORE_THE_LOOP)
    run(CASTS_AND_VIEWS)


def test_g4_an_op_that_saves_stays_reported() -> None:
    assert lines(SIN_BEFORE_THE_LOOP) == [15]
    raises_freed(SIN_BEFORE_THE_LOOP)


# G6: `create_graph=create_graph`, a flag true exactly where the later backward runs: a flag of
# unknown value may keep the graph, so the backward is not known to free it.
FLAG_OF_UNKNOWN_VALUE = """
    import torch
    import torch.nn as nn


    def meta_step(model, tasks, opt, order, train):
        create_graph = (True if order == 2 else False) and train
        losses = []
        for x in tasks:
            loss = model(x).pow(2).mean()
            loss.backward(retain_graph=True)
            losses.append(loss)
            grads = torch.autograd.grad(loss, list(model.parameters()), create_graph=create_graph)
        if order == 2:
            opt.zero_grad()
            meta_loss = torch.stack(losses).mean()
            if train:
                meta_loss.backward()
                opt.step()
        return grads


    model = nn.Linear(4, 1)
    tasks = [torch.randn(8, 4) for _ in range(3)]
    meta_step(model, tasks, torch.optim.SGD(model.parameters(), lr=0.1), 2, True)
    """

# Flags whose value is known: True keeps the graph, False frees it.
KNOWN_FLAGS = """
    import torch
    import torch.nn as nn

    net = nn.Linear(3, 1)
    keep = True
    loss = net(torch.randn(4, 3)).pow(2).mean()
    loss.backward(retain_graph=keep)
    loss.backward()
    """

FLAG_KNOWN_FALSE = FLAG_OF_UNKNOWN_VALUE.replace(
    "create_graph = (True if order == 2 else False) and train", "create_graph = False"
)


def test_g6_flag_of_unknown_value() -> None:
    assert lines(FLAG_OF_UNKNOWN_VALUE) == []
    assert lines(KNOWN_FLAGS) == []
    run(FLAG_OF_UNKNOWN_VALUE)
    run(KNOWN_FLAGS)


def test_g6_flag_known_false_stays_reported() -> None:
    assert lines(FLAG_KNOWN_FALSE) == [18]
    raises_freed(FLAG_KNOWN_FALSE)
    dropped = KNOWN_FLAGS.replace("keep = True", "keep = False")
    assert lines(dropped) == [9]
    raises_freed(dropped)


# G5 inside an epoch loop: the test does not change there either, so `memory` is unbound on the
# path where it is false in every epoch too, not carried from the last one.
SAME_TEST_TWICE_PER_EPOCH = SAME_TEST_TWICE.replace(
    "def update(model, opt, batches, start_memory):\n        for batch in batches:",
    "def update(model, opt, batches, start_memory):\n      for _ in range(2):\n        for batch in batches:",
)


def test_g5_same_test_twice_in_every_epoch() -> None:
    assert SAME_TEST_TWICE_PER_EPOCH != SAME_TEST_TWICE
    assert lines(SAME_TEST_TWICE_PER_EPOCH) == []
    run(SAME_TEST_TWICE_PER_EPOCH)


# G1's neighbour: a hidden state handed back by a model out of view (no call in the file shows its
# class) shares that forward's graph in fact. Kept by `retain_graph=True`, that graph saved the
# weights `step()` then changes: the next batch's backward raises, as before the G1 change.
HIDDEN_STATE_KEPT_AND_STEPPED = """
    import torch
    import torch.nn as nn


    def train(model, epochs, data):
        loss = nn.CrossEntropyLoss()
        optm = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(epochs):
            state = model.begin_state()
            for X, Y in data(3):
                (output, state) = model(X, state)
                y = Y.t().reshape((-1,))
                l = loss(output, y.long()).mean()
                optm.zero_grad()
                l.backward(retain_graph=True)
                optm.step()
    """

RNN_MODEL = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(3, 4)
            self.out = nn.Linear(4, 5)

        def begin_state(self):
            return torch.zeros(1, 1, 4)

        def forward(self, x, h):
            y, h = self.rnn(x, h)
            return self.out(y).reshape(-1, 5), h


    def batches(n):
        return [(torch.randn(2, 1, 3), torch.randint(0, 5, (1, 2))) for _ in range(n)]


    train(Net(), 2, batches)
    """


def test_g1_hidden_state_of_a_model_out_of_view_stays_reported() -> None:
    assert lines(HIDDEN_STATE_KEPT_AND_STEPPED) == [16]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        run(HIDDEN_STATE_KEPT_AND_STEPPED + RNN_MODEL)


# The flag is `(order == 2) and train`, the backward runs under `order == 2` only: with
# `train=False` the flag is false and the backward raises.
FLAG_NOT_IMPLIED = FLAG_OF_UNKNOWN_VALUE.replace(
    "            if train:\n                meta_loss.backward()",
    "            if True:\n                meta_loss.backward()",
).replace("model.parameters(), lr=0.1), 2, True)", "model.parameters(), lr=0.1), 2, False)")


def test_g6_flag_not_implied_by_the_later_backwards_tests_stays_reported() -> None:
    assert FLAG_NOT_IMPLIED.count("if True:") == 1 and FLAG_NOT_IMPLIED.count(", 2, False)") == 1
    assert lines(FLAG_NOT_IMPLIED) == [18]
    raises_freed(FLAG_NOT_IMPLIED)
