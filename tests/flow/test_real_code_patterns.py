"""Patterns from real training scripts (issue 11 and the audit in benchmarks/ecosystem/audit.md):
each false alarm is a program that runs fine under torch and must stay silent; each miss is a
program that fails and must be reported. The programs are ours, written after the real code."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.rules.autograd.examples.backward_through_freed_graph import EXAMPLES as FREED_GRAPH_EXAMPLES

FLOW = Selection.of(["PTL2", "PTL3", "PTL4", "PTL5"])


def codes(source: str, selection: Selection = FLOW) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<real>", selection=selection)
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


SILENT = {
    "unknown callable then a tensor method (style transfer)": """
        def run(model, transform, image, opt):
            content = transform(image).unsqueeze(0)
            for _ in range(3):
                loss = model(content).sum(); opt.zero_grad(); loss.backward(); opt.step()
        """,
    "an unknown class built from a model": """
        import torch
        from agents import Agent
        net = torch.nn.Linear(3, 1)
        agent = Agent(net)
        for x in [torch.randn(2, 3)]:
            agent.evaluate(x).sum().backward()
        """,
    "a helper of another module detaches the hidden state": """
        import torch
        from torch import nn
        from helpers import repackage_hidden
        rnn, head = nn.RNN(4, 8), nn.Linear(8, 2)
        hidden = torch.zeros(1, 3, 8)
        for step in range(3):
            hidden = repackage_hidden(hidden)
            output, hidden = rnn(torch.randn(5, 3, 4), hidden)
            loss = head(output).pow(2).mean()
            loss.backward()
        """,
    "retain_variables=True is the old retain_graph=True": """
        import torch
        x = torch.ones(2, 2, requires_grad=True)
        z = torch.mm(x, x)
        z.backward(torch.ones(2, 2), retain_variables=True)
        z.backward(torch.ones(2, 2))
        """,
    "a second backward through nodes that saved nothing": """
        import torch
        x = torch.ones(2, requires_grad=True)
        y = x.sum()
        y.backward()
        x.grad = None
        y.backward()
        """,
    "a loop over stored outputs, each with its own graph": """
        import torch
        w = torch.ones(3, requires_grad=True)
        probs = [torch.sigmoid(w @ torch.randn(3)) for _ in range(4)]
        for p in probs:
            loss = -torch.log(p)
            loss.backward()
        """,
    "the branch is decided by the availability flag": """
        import torch
        train_on_gpu = torch.cuda.is_available()
        model = torch.nn.Linear(4, 3)
        x = torch.randn(2, 4)
        if train_on_gpu:
            model, x = model.cuda(), x.cuda()
        _, pred = torch.max(model(x), 1)
        correct = pred.numpy() if not train_on_gpu else pred.cpu().numpy()
        if not train_on_gpu:
            print(pred.numpy())
        """,
    "a flag named for CUDA decides the branch": """
        import torch
        def evaluate(model, x, args):
            device = torch.device("cuda" if args.cuda else "cpu")
            out = model.to(device)(x.to(device)).detach()
            if not args.cuda:
                return out.numpy()
            return out.cpu().numpy()
        """,
    "the sample of a distribution has no grad": """
        import torch
        from torch.distributions import Categorical
        net = torch.nn.Linear(4, 2)
        prob = torch.softmax(net(torch.randn(3, 4)), dim=-1)
        a = Categorical(prob).sample().numpy()
        """,
    "the indices of torch.max have no grad": """
        import torch
        model = torch.nn.Linear(4, 3)
        output = model(torch.randn(2, 4))
        _, preds = torch.max(output, 1)
        print(preds.numpy())
        values, idx = output.max(1)
        print(idx.numpy())
        """,
    "numpy(force=True) is the fix itself": """
        import torch
        emb = torch.nn.Embedding(3, 2).cuda()
        print(emb.weight.numpy(force=True))
        """,
}

REPORTED = {
    "the issue's carried state and a tensor moved to CUDA": (
        """
        import torch
        net = torch.nn.Linear(3, 1)
        if torch.cuda.is_available():
            net = net.cuda()
        x = torch.randn(4, 3)
        h = torch.zeros(4, 1)
        for i in range(3):
            h = net(x) + h
            loss = h.sum()
            loss.backward()
        out = net(x.cuda())
        print(out.numpy())
        """,
        [(11, "PTL201"), (13, "PTL401")],
    ),
    "the same loss backwarded twice still fails": (
        """
        import torch
        w = torch.ones(2, requires_grad=True)
        loss = (w * w).sum()
        loss.backward()
        loss.backward()
        """,
        [(6, "PTL201")],
    ),
    "values of torch.max keep their graph": (
        """
        import torch
        model = torch.nn.Linear(4, 3)
        values, _ = torch.max(model(torch.randn(2, 4)), 1)
        print(values.numpy())
        """,
        [(5, "PTL402")],
    ),
    "rsample() is differentiable": (
        """
        import torch
        from torch.distributions import Normal
        net = torch.nn.Linear(4, 2)
        z = Normal(net(torch.randn(3, 4)), 1.0).rsample()
        print(z.numpy())
        """,
        [(6, "PTL402")],
    ),
    "numpy() on the CUDA branch of a flag": (
        """
        import torch
        use_cuda = torch.cuda.is_available()
        x = torch.randn(2)
        if use_cuda:
            x = x.cuda()
            print(x.numpy())
        """,
        [(7, "PTL401")],
    ),
    "tensors of state_dict() of a model on CUDA": (
        """
        import torch
        model = torch.nn.Linear(2, 2).cuda()
        for k, v in model.state_dict().items():
            print(v.numpy())
        """,
        [(5, "PTL401")],
    ),
    "tensors made after set_default_device": (
        """
        import torch
        torch.set_default_device("cuda")
        z = torch.zeros(3)
        print(z.numpy())
        """,
        [(5, "PTL401")],
    ),
    "a model output in a helper called with gradients on": (
        """
        import torch
        from torch import nn
        class Agent(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Linear(4, 2)
                self.embed = nn.Embedding(10, 3)
            def get_action(self, state):
                return self.net(state).numpy()
            def show(self):
                print(self.embed.weight[:5].numpy())
        agent = Agent()
        for _ in range(2):
            a = agent.get_action(torch.randn(1, 4))
        agent.show()
        """,
        [(10, "PTL402"), (12, "PTL402")],
    ),
}

SILENT_TOO = {
    "a helper called only under no_grad": """
        import torch
        from torch import nn
        class Agent(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Linear(4, 2)
            def get_action(self, state):
                return self.net(state).numpy()
        agent = Agent()
        with torch.no_grad():
            a = agent.get_action(torch.randn(1, 4))
        """,
    "stored outputs backwarded one by one in a method, the list cleared each episode": """
        import torch
        from torch import nn
        class Policy(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
                self.data = []
            def forward(self, x):
                return torch.softmax(self.fc(x), dim=0)
            def train_net(self):
                for prob in self.data:
                    loss = -torch.log(prob)
                    loss.backward()
                self.data = []
        pi = Policy()
        for episode in range(2):
            for step in range(3):
                pi.data.append(pi(torch.randn(4))[0])
            pi.train_net()
        """,
}
SILENT.update(SILENT_TOO)

REPORTED["a list never cleared hands freed graphs to the next episode"] = (
    """
    import torch
    from torch import nn
    net = nn.Linear(4, 1)
    saved = []
    for episode in range(3):
        for step in range(2):
            saved.append(net(torch.randn(4)).sum())
        for loss in saved:
            loss.backward()
    """,
    [(10, "PTL201")],
)


# M1 of the audit: an optimizer step between two backwards through one kept graph.
# The audit's program is PTL201's own example (verify runs it under torch too).
GAN_STEP = next(e for e in FREED_GRAPH_EXAMPLES if e.title.startswith("a GAN's discriminator stepped between"))
REPORTED["an optimizer step between two backwards through a kept graph (GAN)"] = (
    GAN_STEP.code,
    sorted(GAN_STEP.expected),
)
REPORTED["the discriminator and generator steps split into functions"] = (
    """
    import torch
    from torch import nn

    G, D = nn.Linear(2, 4), nn.Linear(4, 1)
    opt_D = torch.optim.Adam(D.parameters())
    opt_G = torch.optim.Adam(G.parameters())


    def backward_D(prob):
        opt_D.zero_grad()
        (-torch.log(1.0 - prob).mean()).backward(retain_graph=True)
        opt_D.step()


    def backward_G(prob):
        opt_G.zero_grad()
        torch.log(1.0 - prob).mean().backward()
        opt_G.step()


    for _ in range(2):
        prob = torch.sigmoid(D(G(torch.randn(8, 2))))
        backward_D(prob)
        backward_G(prob)
    """,
    [(18, "PTL201")],
)
SILENT["a step of an optimizer over another model, and a step after the last backward"] = """
    import torch
    from torch import nn

    G, D, H = nn.Linear(2, 4), nn.Linear(4, 1), nn.Linear(3, 3)
    opt_G, opt_H = torch.optim.Adam(G.parameters()), torch.optim.Adam(H.parameters())
    fake = G(torch.randn(8, 2))
    prob = torch.sigmoid(D(fake))
    a = -torch.log(1.0 - prob).mean()
    b = torch.log(1.0 - prob).mean()
    a.backward(retain_graph=True)
    opt_H.step()
    b.backward()
    c = torch.sigmoid(D(G(torch.randn(8, 2)))).mean()
    c.backward(retain_graph=True)
    c.backward()
    opt_G.step()
    """
SILENT["a kept graph whose weights were saved for no input gradient"] = """
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x)


    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    h = torch.zeros(2, 4)
    for step in range(3):
        h = model(torch.randn(2, 4)) + h
        loss = h.pow(2).sum()
        opt.zero_grad()
        loss.backward(retain_graph=True)
        opt.step()
    """


@pytest.mark.parametrize("source", SILENT.values(), ids=list(SILENT))
def test_real_code_false_alarm_stays_silent(source):
    assert codes(source) == []


@pytest.mark.parametrize(("source", "expected"), REPORTED.values(), ids=list(REPORTED))
def test_real_code_bug_is_reported(source, expected):
    assert codes(source) == expected


DATA = Selection.of(["PTL102"])


@pytest.mark.parametrize(
    "source",
    [
        """
        from torch_geometric.utils import to_scipy_sparse_matrix
        def f(edge_index, x):
            adj = to_scipy_sparse_matrix(edge_index, x)
            return adj.data
        """,
        """
        import torch
        from boxes import Boxes
        def g(boxes):
            if isinstance(boxes, torch.Tensor):
                boxes = Boxes(boxes)
                return boxes.data
        """,
        """
        import torch
        from boxes import Wrapper
        def scale(t):
            if isinstance(t, Wrapper):
                t = t.data
            return t
        scale(torch.ones(2, requires_grad=True))
        """,
    ],
    ids=["torch_geometric-is-not-torch", "narrowing-ends-at-reassignment", "narrowed-to-another-class"],
)
def test_data_of_something_else_is_silent(source):
    assert codes(source, DATA) == []


def test_data_of_a_view_of_a_parameter_and_a_guarded_attribute():
    source = """
        import torch
        from torch import nn, Tensor
        def init(layer, dim):
            layer.bias[dim:].data.fill_(1)
        class M(nn.Module):
            def __init__(self, p):
                super().__init__()
                self.p = p
            def reset(self):
                if isinstance(self.p, Tensor):
                    self.p.data.fill_(1)
        """
    assert codes(source, DATA) == [(5, "PTL102"), (12, "PTL102")]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("an optimizer step between two backwards through a kept graph (GAN)", "modified by an inplace operation"),
        ("a step of an optimizer over another model, and a step after the last backward", None),
        ("a kept graph whose weights were saved for no input gradient", None),
        ("the discriminator and generator steps split into functions", "modified by an inplace operation"),
    ],
)
def test_optimizer_step_programs_behave_as_claimed_under_torch(name, error):
    pytest.importorskip("torch")
    source = textwrap.dedent(REPORTED[name][0] if name in REPORTED else SILENT[name])
    if error is None:
        exec(compile(source, "<program>", "exec"), {})
        return
    with pytest.raises(RuntimeError, match=error):
        exec(compile(source, "<program>", "exec"), {})
