"""Examples of PTL403 numpy-alias-mutation and PTL404 from-numpy-read-only."""
from pt_lsp.core.examples import Example, Probe, Runtime

ALIAS_EXAMPLES = (
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
        runtime=Runtime(symptom=Probe("symptom = bool((delta == 0).all())",
                                      "the change computed from the snapshot is zero: `before` changed with x")),
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
        runtime=Runtime(symptom=Probe("symptom = bool(change == 0)",
                                      "the measured weight update is zero although the step changed the weights")),
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

READ_ONLY_EXAMPLES = (
    Example(
        "an in-place op on a tensor over a bytes payload mutates the bytes",
        """
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values)  # expect: PTL404
        t.mul_(2)
        """,
        fixed="""
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        values = np.frombuffer(payload, dtype=np.float32)
        t = torch.from_numpy(values.copy())
        t.mul_(2)
        """,
        runtime=Runtime(symptom=Probe('symptom = payload != b"\\x00\\x00\\x80\\x3f" * 4',
                                      "the immutable bytes object changed"), outputs="t"),
    ),
    Example(
        "writing one element of a broadcast grid changes every row",
        """
        import numpy as np
        import torch

        base = np.zeros(3, dtype=np.float32)
        grid = np.broadcast_to(base, (4, 3))
        t = torch.from_numpy(grid)  # expect: PTL404
        t[0, 0] = 1.0
        """,
        fixed="""
        import numpy as np
        import torch

        base = np.zeros(3, dtype=np.float32)
        grid = np.broadcast_to(base, (4, 3))
        t = torch.from_numpy(grid.copy())
        t[0, 0] = 1.0
        """,
        runtime=Runtime(
            symptom=Probe("symptom = bool(t[3, 0] == 1.0) or base[0] != 0",
                          "one write changed every row of the tensor and the base array"),
            outputs="t",
            reference="""
            import torch

            t = torch.zeros(4, 3)
            t[0, 0] = 1.0
            """,
        ),
    ),
    Example(
        "a PIL image normalised in place",
        """
        import numpy as np
        import torch
        from PIL import Image

        img = Image.open("photo.jpg").convert("RGB")
        x = torch.as_tensor(np.asarray(img))  # expect: PTL404
        x = x.permute(2, 0, 1).float().div_(255)
        """,
        fixed="""
        import numpy as np
        import torch
        from PIL import Image

        img = Image.open("photo.jpg").convert("RGB")
        x = torch.as_tensor(np.asarray(img).copy())
        x = x.permute(2, 0, 1).float().div_(255)
        """,
    ),
    Example(
        "an array protected with flags.writeable",
        """
        import numpy as np
        import torch

        table = np.arange(10.0)
        table.flags.writeable = False
        t = torch.from_numpy(table)  # expect: PTL404
        """,
        fixed="""
        import numpy as np
        import torch

        table = np.arange(10.0)
        table.flags.writeable = False
        t = torch.from_numpy(table.copy())
        """,
    ),
    Example(
        "frames read from a file",
        """
        import numpy as np
        import torch

        def load(path):
            with open(path, "rb") as f:
                raw = f.read()
            return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8))  # expect: PTL404
        """,
        fixed="""
        import numpy as np
        import torch

        def load(path):
            with open(path, "rb") as f:
                raw = f.read()
            return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).copy())
        """,
    ),
    Example(
        "setflags(write=False) on a lookup table",
        """
        import numpy as np
        import torch

        lut = np.linspace(0, 1, 256)
        lut.setflags(write=False)
        lut_t = torch.from_numpy(lut)  # expect: PTL404
        """,
        fixed="""
        import numpy as np
        import torch

        lut = np.linspace(0, 1, 256)
        lut.setflags(write=False)
        lut_t = torch.from_numpy(lut.copy())
        """,
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "a copy of the bytes-backed array",
        """
        import numpy as np
        import torch

        payload = b"\\x00\\x00\\x80\\x3f" * 4
        t = torch.from_numpy(np.frombuffer(payload, dtype=np.float32).copy())
        t.mul_(2)
        """,
        runtime=Runtime(),
    ),
    Example(
        "frombuffer over a bytearray is writable",
        """
        import numpy as np
        import torch

        buffer = bytearray(16)
        t = torch.from_numpy(np.frombuffer(buffer, dtype=np.float32))
        t.add_(1)
        """,
        runtime=Runtime(),
    ),
    Example(
        "torch.tensor copies",
        """
        import numpy as np
        import torch

        grid = np.broadcast_to(np.zeros(3, dtype=np.float32), (4, 3))
        t = torch.tensor(grid)
        t[0, 0] = 1.0
        """,
        runtime=Runtime(),
    ),
    Example(
        "np.array of a PIL image copies",
        """
        import numpy as np
        import torch
        from PIL import Image

        img = Image.new("RGB", (4, 4))
        x = torch.from_numpy(np.array(img))
        x.add_(1)
        """,
        runtime=Runtime(needs=("PIL",)),
    ),
    Example(
        "an ordinary array",
        """
        import numpy as np
        import torch

        def to_tensor(frames):
            return torch.from_numpy(np.stack(frames))
        """,
    ),
    Example(
        "as_tensor with a dtype converts (a copy)",
        """
        import numpy as np
        import torch

        payload = b"\\x01\\x02\\x03\\x04"
        t = torch.as_tensor(np.frombuffer(payload, dtype=np.uint8), dtype=torch.float32)
        """,
    ),
)
