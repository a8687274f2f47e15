"""Examples of PTL403 numpy-alias-mutation."""

from pt_lsp.core.examples import Example, Probe, Runtime

EXAMPLES = (
    Example(
        "a 'before' snapshot of a tensor updated in place",
        """
        import torch

        x = torch.zeros(3)
        before = x.numpy()  # expect: PTL403
        x.add_(1.0)
        delta = x.numpy() - before
        """,
        fixed="""
        import torch

        x = torch.zeros(3)
        before = x.numpy().copy()
        x.add_(1.0)
        delta = x.numpy() - before
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = bool((delta == 0).all())",
                "the change computed from the snapshot is zero: `before` changed with x",
            ),
            outputs="delta",
            reference="""
            import torch

            x = torch.zeros(3)
            before = x.clone().numpy()
            x.add_(1.0)
            delta = x.numpy() - before
            """,
        ),
    ),
    Example(
        "measuring an optimizer step's weight update",
        """
        import torch

        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        before = model.weight.detach().numpy()  # expect: PTL403
        model(torch.randn(4, 3)).pow(2).mean().backward()
        opt.step()
        change = abs(model.weight.detach().numpy() - before).max()
        """,
        fixed="""
        import torch

        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        before = model.weight.detach().numpy().copy()
        model(torch.randn(4, 3)).pow(2).mean().backward()
        opt.step()
        change = abs(model.weight.detach().numpy() - before).max()
        """,
        runtime=Runtime(
            symptom=Probe(
                "symptom = bool(change == 0)",
                "the measured weight update is zero although the step changed the weights",
            ),
            outputs="change",
            reference="""
            import torch

            model = torch.nn.Linear(3, 1)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            before = model.weight.detach().clone().numpy()
            model(torch.randn(4, 3)).pow(2).mean().backward()
            opt.step()
            change = abs(model.weight.detach().numpy() - before).max()
            """,
        ),
    ),
    Example(
        "an item assignment on the tensor after the snapshot",
        """
        import torch

        scores = torch.rand(5)
        original = scores.numpy()  # expect: PTL403
        scores[scores < 0.5] = 0.0
        print(original.sum(), scores.sum())
        """,
        fixed="""
        import torch

        scores = torch.rand(5)
        original = scores.numpy().copy()
        scores[scores < 0.5] = 0.0
        print(original.sum(), scores.sum())
        """,
        runtime=Runtime(
            Probe("symptom = bool((original == 0).any())", "the original scores were zeroed with the tensor"),
            outputs="(original, scores)",
            reference="""
            import torch

            scores = torch.rand(5)
            original = scores.clone().numpy()
            scores[scores < 0.5] = 0.0
            """,
        ),
    ),
    Example(
        "an augmented assignment in a training function",
        """
        import torch

        def train(steps):
            w = torch.zeros(4)
            start = w.numpy()  # expect: PTL403
            for _ in range(steps):
                w += 0.1 * torch.randn(4)
            return w.numpy() - start
        """,
        fixed="""
        import torch

        def train(steps):
            w = torch.zeros(4)
            start = w.numpy().copy()
            for _ in range(steps):
                w += 0.1 * torch.randn(4)
            return w.numpy() - start
        """,
        runtime=Runtime(
            Probe("symptom = bool((delta == 0).all())", "the returned change is zero: `start` moved with w"),
            driver="delta = train(3)",
            outputs="delta",
            reference="""
            import torch

            def train(steps):
                w = torch.zeros(4)
                start = w.clone().numpy()
                for _ in range(steps):
                    w += 0.1 * torch.randn(4)
                return w.numpy() - start
            """,
        ),
    ),
    Example(
        "a .data update after a snapshot",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        snapshot = w.detach().numpy()  # expect: PTL403
        (w ** 2).sum().backward()
        w.data.sub_(0.1 * w.grad)
        moved = w.detach().numpy() - snapshot
        """,
        fixed="""
        import torch

        w = torch.randn(3, requires_grad=True)
        snapshot = w.detach().numpy().copy()
        (w ** 2).sum().backward()
        w.data.sub_(0.1 * w.grad)
        moved = w.detach().numpy() - snapshot
        """,
        runtime=Runtime(
            Probe("symptom = bool((moved == 0).all())", "the measured move is zero: the snapshot moved with w"),
            outputs="moved",
            reference="""
            import torch

            w = torch.randn(3, requires_grad=True)
            snapshot = w.detach().clone().numpy()
            (w ** 2).sum().backward()
            w.data.sub_(0.1 * w.grad)
            moved = w.detach().numpy() - snapshot
            """,
        ),
    ),
    Example(
        "a snapshot read in a helper (the layer is a parameter of unknown type)",
        """
        import torch.nn as nn

        def reset(layer: nn.Linear):
            old = layer.weight.detach().numpy()
            nn.init.zeros_(layer.weight)
            return old
        """,
    ),
    Example(
        "re-initialising a layer after saving its weights",
        """
        import torch.nn as nn

        layer = nn.Linear(4, 4)
        old = layer.weight.detach().numpy()  # expect: PTL403
        nn.init.zeros_(layer.weight)
        print(abs(old).sum())
        """,
        fixed="""
        import torch.nn as nn

        layer = nn.Linear(4, 4)
        old = layer.weight.detach().numpy().copy()
        nn.init.zeros_(layer.weight)
        print(abs(old).sum())
        """,
        runtime=Runtime(
            Probe("symptom = bool(abs(old).sum() == 0)", "the saved weights were zeroed with the layer"),
            outputs="old",
            reference="""
            import torch.nn as nn

            layer = nn.Linear(4, 4)
            old = layer.weight.detach().clone().numpy()
            nn.init.zeros_(layer.weight)
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "a copied snapshot",
        """
        import torch

        x = torch.zeros(3)
        before = x.numpy().copy()
        x.add_(1.0)
        delta = x.numpy() - before
        assert (delta == 1).all()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a cloned snapshot",
        """
        import torch

        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        before = model.weight.detach().clone().numpy()
        model(torch.randn(4, 3)).pow(2).mean().backward()
        opt.step()
        change = abs(model.weight.detach().numpy() - before).max()
        assert change > 0
        """,
        runtime=Runtime(),
    ),
    Example(
        "the array is not read after the change",
        """
        import torch

        x = torch.zeros(3)
        arr = x.numpy()
        total = arr.sum()
        x.add_(1.0)
        """,
        runtime=Runtime(),
    ),
    Example(
        "the tensor is rebound, not changed in place",
        """
        import torch

        x = torch.zeros(3)
        before = x.numpy()
        x = x + 1.0
        delta = x.numpy() - before
        """,
        runtime=Runtime(),
    ),
    Example(
        "an optimizer over another model",
        """
        import torch

        teacher = torch.nn.Linear(3, 1)
        student = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(student.parameters(), lr=0.1)
        frozen = teacher.weight.detach().numpy()
        student(torch.randn(2, 3)).sum().backward()
        opt.step()
        gap = abs(student.weight.detach().numpy() - frozen).max()
        """,
        runtime=Runtime(),
    ),
    Example(
        "requires_grad_ does not change values",
        """
        import torch

        x = torch.ones(2)
        view = x.numpy()
        x.requires_grad_()
        print(view)
        """,
    ),
)
