"""Flow facts: devices, requires-grad, graph histories and the backward events they imply."""

import ast
import textwrap

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.flow.values import Kind
from pt_lsp.rules.autograd._freed_graph_cases import freed_graph_events


def facts_of(source: str):
    source = textwrap.dedent(source)
    ctx = FileContext("f.py", Document(source), ast.parse(source))
    return ctx, ctx.flow


def value_at(source: str, expr: str):
    """The value of the last ``.numpy()`` receiver in ``source`` (a probe)."""
    source = textwrap.dedent(source) + f"\nprobe = {expr}.numpy()\n"
    ctx, facts = facts_of(source)
    call = [n for n in ctx.index.of(ast.Call) if isinstance(n.func, ast.Attribute) and n.func.attr == "numpy"][-1]
    return facts.value(call.func.value)


@pytest.mark.parametrize(
    "setup, device",
    [
        ("x = torch.zeros(3)", Device.CPU),
        ("x = torch.zeros(3).cuda()", Device.CUDA),
        ("x = torch.zeros(3, device='cuda:1')", Device.CUDA),
        ("x = torch.zeros(3).to('cuda')", Device.CUDA),
        ("x = torch.zeros(3).cuda().cpu()", Device.CPU),
        ("x = torch.zeros(3).to(torch.device('cuda'))", Device.CUDA),
        (
            "d = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\nx = torch.ones(2).to(d)",
            Device.MAYBE_CUDA,
        ),
        ("x = torch.zeros(3)\nx.to('cuda')", Device.CPU),  # the result of .to() is thrown away
        ("x = torch.zeros(3)\nif flag:\n    x = x.cuda()", Device.MAYBE_CUDA),
        ("torch.set_default_device('cuda')\nx = torch.ones(2)", Device.CUDA),
        ("x = torch.from_numpy(arr)", Device.CPU),
        ("x = torch.zeros(3).cuda().to(torch.float16)", Device.CUDA),  # a dtype move keeps the device
        ("y = torch.ones(2).cuda()\nx = torch.zeros(2).to(y.device)", Device.CUDA),
        ("m = torch.nn.Linear(2, 2).cuda()\nx = m(torch.ones(1, 2).cuda())", Device.CUDA),
        # a CUDA layer given a CPU tensor raises the device mismatch: no CUDA output is ever made
        # (audit-7 G5; until 4e70a6d this row read CUDA, the module's device)
        ("m = torch.nn.Linear(2, 2).cuda()\nx = m(torch.ones(1, 2))", Device.CPU),
        ("m = torch.nn.Linear(2, 2)\nm.to('cuda')\nx = m(inp)", Device.CUDA),  # modules move in place
        ("x = batch.to(device)", Device.UNKNOWN),  # unknown device: no evidence
    ],
)
def test_devices(setup, device):
    value = value_at("import torch\n" + setup, "x")
    assert value.device is device


def test_requires_grad_and_detach():
    source = """
    import torch
    w = torch.randn(3, requires_grad=True)
    y = (w * 2).sum()
    """
    assert value_at(source, "y").requires_grad is True
    assert value_at(source, "y").history
    assert value_at(source, "w").history == frozenset()  # a leaf has no graph to free
    assert value_at(source, "y.detach()").requires_grad is False
    assert not value_at(source, "y.detach()").history


def test_no_grad_block_builds_no_graph():
    source = """
    import torch
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        out = model(torch.ones(1, 2))
    """
    value = value_at(source, "out")
    assert value.kind is Kind.TENSOR and value.requires_grad is False and not value.history


def events(source: str):
    return [(e.call.lineno, e.earlier.lineno, e.case) for e in freed_graph_events(facts_of(source)[1])]


def test_same_loss_twice():
    assert events("""
    import torch
    w = torch.ones(2, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    loss.backward()
    """) == [(6, 5, "same-tensor")]


def test_retain_graph_keeps_the_graph():
    assert (
        events("""
    import torch
    w = torch.ones(2, requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    """)
        == []
    )


def test_hidden_state_carried_through_a_loop_and_detached():
    carried = """
    import torch
    rnn = torch.nn.GRU(4, 4)
    h = torch.zeros(1, 1, 4)
    for x in batches:
        out, h = rnn(x, h)
        out.sum().backward()
    """
    ctx, facts = facts_of(carried)
    (event,) = freed_graph_events(facts)
    assert event.case == "carried-state" and event.carried == (("h", "tensor"),)
    assert events(carried.replace("    out, h = rnn", "    h = h.detach()\n        out, h = rnn")) == []


def test_backward_on_one_branch_does_not_meet_the_value_kept_on_the_other():
    assert (
        events("""
    import torch
    cell = torch.nn.RNNCell(4, 4)
    h = torch.zeros(1, 4)
    loss = 0
    for t, x in enumerate(xs):
        h = cell(x, h)
        loss = loss + h.sum()
        if t % 10 == 0:
            loss.backward()
            h = h.detach()
            loss = 0
    """)
        == []
    )


def test_a_new_graph_every_iteration_is_clean():
    assert (
        events("""
    import torch
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """)
        == []
    )


def test_calls_into_local_functions_and_forward_are_followed():
    ctx, facts = facts_of("""
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(4, 4)

        def forward(self, x, state):
            out, state = self.rnn(x, state)
            return out, state

        def init_hidden(self):
            return (torch.zeros(1, 1, 4), torch.zeros(1, 1, 4))

    def step(net, x, state):
        out, state = net(x, state)
        return out.sum(), state

    net = Net()
    state = net.init_hidden()
    for x in data:
        loss, state = step(net, x, state)
        loss.backward()
    """)
    (event,) = freed_graph_events(facts)
    assert event.case == "carried-state" and event.carried == (("state", "tuple"),)


def test_unknown_callables_give_no_evidence():
    assert (
        events("""
    def train(loader, compute_loss):
        for batch in loader:
            loss = compute_loss(batch)
            loss.backward()
    """)
        == []
    )


def test_the_analysis_does_not_crash_on_odd_code():
    facts_of("""
    async def f(x):
        async with lock:
            async for y in x:
                yield [z async for z in y]
        match x:
            case [a, *rest]:
                return a
    lambda: (yield)
    del x[:], y
    global q
    print(*args, **kwargs)
    x = y = z = {**d}
    x @= y
    (a := 1)
    """)
