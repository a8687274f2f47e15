"""Examples of PTL401 numpy-on-cuda-tensor."""

from pt_lsp.core.examples import Example, Raises, Runtime

CUDA_NUMPY = Raises("TypeError", r"can't convert (cuda:?\d*|meta) device type tensor to numpy")

EXAMPLES = (
    Example(
        "accuracy in NumPy after evaluating on the chosen device",
        """
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = torch.nn.Linear(20, 3).to(device)
        inputs = torch.randn(8, 20).to(device)
        labels = torch.randint(0, 3, (8,))
        with torch.no_grad():
            logits = model(inputs)
        preds = logits.argmax(dim=1).numpy()  # expect: PTL401
        accuracy = (preds == labels.numpy()).mean()
        """,
        fixed="""
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = torch.nn.Linear(20, 3).to(device)
        inputs = torch.randn(8, 20).to(device)
        labels = torch.randint(0, 3, (8,))
        with torch.no_grad():
            logits = model(inputs)
        preds = logits.argmax(dim=1).cpu().numpy()
        accuracy = (preds == labels.numpy()).mean()
        """,
        runtime=Runtime(CUDA_NUMPY, cuda_only=True, outputs="(preds, accuracy)"),
    ),
    Example(
        "tensor created on the GPU with device=",
        """
        import torch

        noise = torch.randn(16, 100, device="cuda")
        samples = noise * 0.5
        array = samples.numpy()  # expect: PTL401
        """,
        fixed="""
        import torch

        noise = torch.randn(16, 100, device="cuda")
        samples = noise * 0.5
        array = samples.cpu().numpy()
        """,
        runtime=Runtime(symptom=CUDA_NUMPY, cuda_only=True, outputs="array"),
    ),
    Example(
        "a model moved with .cuda(), its curve tabulated for plotting",
        """
        import numpy as np
        import torch
        import torch.nn as nn

        net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)).cuda()
        xs = torch.linspace(-3, 3, 200).unsqueeze(1).cuda()
        with torch.no_grad():
            ys = net(xs)
        curve = np.hstack([xs.numpy(), ys.numpy()])  # expect: PTL401, PTL401
        """,
        fixed="""
        import numpy as np
        import torch
        import torch.nn as nn

        net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)).cuda()
        xs = torch.linspace(-3, 3, 200).unsqueeze(1).cuda()
        with torch.no_grad():
            ys = net(xs)
        curve = np.hstack([xs.cpu().numpy(), ys.cpu().numpy()])
        """,
        runtime=Runtime(CUDA_NUMPY, cuda_only=True, outputs="curve"),
    ),
    Example(
        "a helper function receiving a CUDA tensor",
        """
        import torch

        def to_image(t):
            return t.permute(1, 2, 0).numpy()  # expect: PTL401

        batch = torch.rand(4, 3, 32, 32).to("cuda:0")
        image = to_image(batch[0])
        """,
        fixed="""
        import torch

        def to_image(t):
            return t.permute(1, 2, 0).detach().cpu().numpy()

        batch = torch.rand(4, 3, 32, 32).to("cuda:0")
        image = to_image(batch[0])
        """,
        runtime=Runtime(CUDA_NUMPY, cuda_only=True, outputs="image"),
    ),
    Example(
        "np.asarray of a tensor on the default CUDA device",
        """
        import numpy as np
        import torch

        torch.set_default_device("cuda")
        weights = torch.ones(5) / 5
        arr = np.asarray(weights)  # expect: PTL401
        """,
        fixed="""
        import numpy as np
        import torch

        torch.set_default_device("cuda")
        weights = torch.ones(5) / 5
        arr = np.asarray(weights.cpu())
        """,
        runtime=Runtime(CUDA_NUMPY, cuda_only=True, outputs="arr"),
    ),
    Example(
        "embeddings computed in a training function on the chosen device",
        """
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(64, 16)

            def forward(self, x):
                return self.proj(x).relu()

        def export_embeddings(loader):
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            encoder = Encoder()
            encoder.to(device)
            rows = []
            for batch in loader:
                emb = encoder(batch.to(device))
                rows.append(emb.detach().numpy())  # expect: PTL401
            return rows
        """,
        fixed="""
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(64, 16)

            def forward(self, x):
                return self.proj(x).relu()

        def export_embeddings(loader):
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            encoder = Encoder()
            encoder.to(device)
            rows = []
            for batch in loader:
                emb = encoder(batch.to(device))
                rows.append(emb.detach().cpu().numpy())
            return rows
        """,
        runtime=Runtime(
            CUDA_NUMPY,
            cuda_only=True,
            driver="rows = export_embeddings([torch.randn(2, 64) for _ in range(3)])",
            outputs="rows",
        ),
    ),
    Example(
        "runnable: a CUDA tensor converted for a histogram",
        """
        import torch

        scores = torch.rand(100).cuda()
        counts = (scores > 0.5).sum()
        hist = scores.numpy()  # expect: PTL401
        """,
        fixed="""
        import torch

        scores = torch.rand(100).cuda()
        counts = (scores > 0.5).sum()
        hist = scores.cpu().numpy()
        """,
        runtime=Runtime(symptom=CUDA_NUMPY, cuda_only=True, outputs="(counts, hist)"),
    ),
    # -- good ---------------------------------------------------------------------------------
    Example(
        "detach, move and convert",
        """
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = torch.nn.Linear(4, 2).to(device)
        out = model(torch.randn(3, 4, device=device))
        array = out.detach().cpu().numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a tensor that is provably on the CPU",
        """
        import torch

        x = torch.arange(10, dtype=torch.float32)
        y = (x * 2).numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "moved back to the CPU before converting",
        """
        import torch

        t = torch.ones(3).cuda()
        t = t.cpu()
        values = t.numpy()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a result of .to() that is thrown away does not move the tensor",
        """
        import torch

        x = torch.zeros(4)
        x.to("cuda")
        arr = x.numpy()
        """,
    ),
    Example(
        "device of unknown origin: no evidence, no finding",
        """
        import torch

        def summarize(t):
            return t.mean(0).numpy()

        def run(batch, device):
            return batch.to(device).numpy()
        """,
    ),
    Example(
        "numpy() of a non-tensor (a pandas frame) and of a CPU model output",
        """
        import pandas as pd
        import torch

        frame = pd.DataFrame({"a": [1, 2]})
        values = frame.to_numpy()
        col = frame["a"].values
        model = torch.nn.Linear(2, 1)
        with torch.no_grad():
            pred = model(torch.tensor(values, dtype=torch.float32)).numpy()
        """,
    ),
    Example(
        "np.asarray of a tensor brought back with .cpu()",
        """
        import numpy as np
        import torch

        gpu = torch.randn(5, device="cuda")
        arr = np.asarray(gpu.cpu())
        lst = gpu.tolist()
        """,
        runtime=Runtime(),
    ),
)
