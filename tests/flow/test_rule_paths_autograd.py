"""Evidence paths of PTL202-205, PTL403, PTL404 and PTL501: each finding names the places that
decided it, in program order; the good version of each program has no finding at all."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def findings(source: str, code: str):
    result = lint_source(textwrap.dedent(source), "<path>", selection=Selection.of([code]))
    assert result.errors == []
    return result.findings


def steps(finding) -> list[tuple[int, str]]:
    return [(r.span.start.line, r.message) for r in finding.related]


def in_order(path: list[tuple[int, str]]) -> bool:
    return [line for line, _ in path] == sorted(line for line, _ in path)


# (code, bad program, the (line, message) steps its path must hold, the good program)
CASES = {
    "PTL202 reduction none": (
        "PTL202",
        """\
        import torch
        from torch import nn
        criterion = nn.MSELoss(reduction="none")
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        model = nn.Linear(3, 1)
        loss = criterion(model(x), y)
        loss.backward()
        """,
        [(3, '`reduction="none"` here: the loss keeps one value per element')],
        """\
        import torch
        from torch import nn
        criterion = nn.MSELoss(reduction="none")
        x, y = torch.randn(16, 3), torch.randn(16, 1)
        model = nn.Linear(3, 1)
        loss = criterion(model(x), y).mean()
        loss.backward()
        """,
    ),
    "PTL202 layer width": (
        "PTL202",
        """\
        import torch
        from torch import nn
        net = nn.Linear(20, 10)
        out = net(torch.randn(4, 20))
        out.backward()
        """,
        [(3, "`nn.Linear` with 10 output features created here")],
        """\
        import torch
        from torch import nn
        net = nn.Linear(20, 1)
        out = net(torch.randn(1, 20)).sum()
        out.backward()
        """,
    ),
    "PTL202 factory size": (
        "PTL202",
        """\
        import torch
        w = torch.randn(5, requires_grad=True)
        x = torch.randn(5)
        (w * x).backward()
        """,
        [(2, "created with shape (5,) here: 5 elements")],
        """\
        import torch
        w = torch.randn(5, requires_grad=True)
        x = torch.randn(5)
        (w * x).sum().backward()
        """,
    ),
    "PTL203 leaf": (
        "PTL203",
        """\
        import torch
        outputs = torch.zeros(3, requires_grad=True)
        for i in range(3):
            outputs[i] = i * 2.0
        """,
        [(2, "created with `requires_grad=True` here")],
        """\
        import torch
        outputs = torch.zeros(3, requires_grad=True)
        with torch.no_grad():
            for i in range(3):
                outputs[i] = i * 2.0
        """,
    ),
    "PTL203 parameter": (
        "PTL203",
        """\
        import torch
        from torch import nn
        scale = nn.Parameter(torch.ones(3))
        scale.clamp_(0, 1)
        """,
        [(3, "created as an `nn.Parameter` here: it requires grad")],
        """\
        import torch
        from torch import nn
        scale = nn.Parameter(torch.ones(3))
        with torch.no_grad():
            scale.clamp_(0, 1)
        """,
    ),
    "PTL204": (
        "PTL204",
        """\
        import torch
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in [torch.randn(4, 3)] * 3:
            loss = model(x).pow(2).mean()
            loss.backward()
            optimizer.step()
        """,
        [
            (3, "`optimizer` created here"),
            (4, "each iteration of this loop runs backward() and step() again"),
            (6, "each call adds to the gradients the step uses"),
        ],
        """\
        import torch
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in [torch.randn(4, 3)] * 3:
            optimizer.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            optimizer.step()
        """,
    ),
    "PTL205": (
        "PTL205",
        """\
        import torch
        w = torch.randn(3, requires_grad=True)
        for _ in range(3):
            loss = (w * 2).sum()
            loss.backward()
            w -= 0.1 * w.grad
            w.grad = None
        """,
        [
            (2, "created with `requires_grad=True` here"),
            (5, "this backward() fills the `.grad` that the update reads"),
        ],
        """\
        import torch
        w = torch.randn(3, requires_grad=True)
        for _ in range(3):
            loss = (w * 2).sum()
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
        """,
    ),
    "PTL205 model parameters": (
        "PTL205",
        """\
        import torch
        model = torch.nn.Linear(3, 1)
        model(torch.randn(2, 3)).sum().backward()
        for p in model.parameters():
            p -= 0.1 * p.grad
        """,
        [
            (3, "this backward() fills the `.grad` that the update reads"),
            (4, "`p` is a parameter of the model here"),
        ],
        """\
        import torch
        model = torch.nn.Linear(3, 1)
        model(torch.randn(2, 3)).sum().backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        """,
    ),
    "PTL403": (
        "PTL403",
        """\
        import torch
        x = torch.zeros(3)
        before = x.numpy()
        x.add_(1)
        print(before)
        """,
        [
            (4, "`x` changed in place here: `before` changes with it"),
            (5, "`before` read here: it holds the new values"),
        ],
        """\
        import torch
        x = torch.zeros(3)
        before = x.numpy().copy()
        x.add_(1)
        print(before)
        """,
    ),
    "PTL404": (
        "PTL404",
        """\
        import numpy as np
        import torch
        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values)
        t.mul_(2)
        """,
        [
            (4, "the array becomes read-only here: `np.frombuffer` of an immutable bytes object"),
            (6, "the tensor is written in place here: into the read-only memory"),
        ],
        """\
        import numpy as np
        import torch
        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values.copy())
        t.mul_(2)
        """,
    ),
    "PTL404 flags": (
        "PTL404",
        """\
        import numpy as np
        import torch
        a = np.zeros(4)
        a.flags.writeable = False
        torch.from_numpy(a).add_(1)
        """,
        [
            (4, "the array becomes read-only here: an array made read-only with `flags.writeable = False`"),
            (5, "the tensor is written in place here: into the read-only memory"),
        ],
        """\
        import numpy as np
        import torch
        a = np.zeros(4)
        a.flags.writeable = False
        torch.tensor(a).add_(1)
        """,
    ),
    "PTL501": (
        "PTL501",
        """\
        from torch.utils.tensorboard import SummaryWriter
        def train(steps):
            writer = SummaryWriter("runs/exp")
            for step in range(steps):
                if step < 0:
                    raise ValueError(step)
                writer.add_scalar("loss", 0.5, step)
            return steps
        train(3)
        """,
        [
            (3, "`writer` created here"),
            (6, "`writer` is left open if this raises"),
            (7, "an event is written to `writer` here"),
            (8, "`writer` is still open when the function returns here"),
            (9, "the program can end right after this, with `writer` still open"),
        ],
        """\
        from torch.utils.tensorboard import SummaryWriter
        def train(steps):
            with SummaryWriter("runs/exp") as writer:
                for step in range(steps):
                    if step < 0:
                        raise ValueError(step)
                    writer.add_scalar("loss", 0.5, step)
            return steps
        train(3)
        """,
    ),
    "PTL501 module": (
        "PTL501",
        """\
        from torch.utils.tensorboard import SummaryWriter
        writer = SummaryWriter()
        for step in range(3):
            writer.add_scalar("loss", 1.0, step)
        """,
        [(2, "`writer` created here"), (3, "the program ends after this statement without closing `writer`")],
        """\
        from torch.utils.tensorboard import SummaryWriter
        writer = SummaryWriter()
        for step in range(3):
            writer.add_scalar("loss", 1.0, step)
        writer.close()
        """,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_program_path_holds_the_deciding_lines(case):
    code, bad, expected, _ = CASES[case]
    (finding,) = findings(bad, code)
    path = steps(finding)
    for step in expected:
        assert step in path, (step, path)
    assert in_order(path)
    assert len(set(path)) == len(path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_good_program_has_no_finding(case):
    code, _, _, good = CASES[case]
    assert findings(good, code) == []


def test_ptl202_path_names_the_default_width_and_the_layer():
    source = """\
        import torch
        from torch import nn
        class Head(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.fc = nn.Linear(4, num_classes)
            def forward(self, x):
                return self.fc(x)
        Head()(torch.randn(2, 4)).backward()
        """
    (finding,) = findings(source, "PTL202")
    assert steps(finding) == [
        (4, "`num_classes` defaults to 10 here"),
        (6, "`nn.Linear` with 10 output features created here"),
    ]


def test_ptl204_per_optimizer_path_names_the_other_reset():
    source = """\
        import torch
        G, D = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
        optim_g = torch.optim.SGD(G.parameters(), lr=0.1)
        optim_d = torch.optim.SGD(D.parameters(), lr=0.1)
        for step in range(3):
            optim_d.zero_grad()
            D(G(torch.randn(4, 2)).detach()).mean().backward()
            optim_d.step()
            (-D(G(torch.randn(4, 2))).mean()).backward()
            optim_g.step()
        """
    (finding,) = findings(source, "PTL204")
    assert finding.line == 10
    path = steps(finding)
    assert (3, "`optim_g` created here") in path
    assert (6, "this resets another optimizer's gradients, not these") in path
    assert (9, "each call adds to the gradients the step uses") in path  # its own backward, not D's
    assert in_order(path)


def test_ptl205_layer_parameter_path_names_the_layer():
    source = """\
        import torch
        from torch import nn
        lin = nn.Linear(3, 1)
        lin(torch.randn(4, 3)).sum().backward()
        lin.weight -= 0.1 * lin.weight.grad
        """
    (finding,) = findings(source, "PTL205")
    assert steps(finding) == [
        (3, "`lin` created here: the `weight` of an `nn.Linear` is a parameter"),
        (4, "this backward() fills the `.grad` that the update reads"),
    ]
