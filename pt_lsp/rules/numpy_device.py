"""PTL401: `.numpy()` on a tensor that is or may be on a CUDA device."""
from __future__ import annotations

import ast

from pt_lsp.core.examples import Example, Raises, Runtime
from pt_lsp.core.findings import Applicability, Edit, Fix, Severity
from pt_lsp.core.flow.values import Device
from pt_lsp.core.rule import Rule

from ._edits import source_of

IMPLICIT_CONVERSIONS = {"numpy.asarray", "numpy.array", "numpy.asanyarray"}
CUDA_NUMPY = Raises("TypeError", r"can't convert (cuda:?\d*|meta) device type tensor to numpy")

_DEVICE_SETUP = 'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")'


class NumpyOnCudaTensor(Rule):
    """
    ## What it does
    Flags `.numpy()` (and `np.asarray(t)` / `np.array(t)`) on a tensor that is on a CUDA
    device, or may be: a tensor moved with `.cuda()`, `.to("cuda")` or `.to(device)` where
    `device` is chosen by `torch.cuda.is_available()`, created with `device=...`, or produced by
    a model that was moved there.

    ## Why is this bad?
    NumPy arrays live in host memory. `Tensor.numpy()` on a CUDA tensor raises
    `TypeError: can't convert cuda:0 device type tensor to numpy`. Code that picks the device at
    run time passes on a laptop without a GPU and crashes on the training machine, typically at
    the end of a long run, when metrics are computed or results are plotted.

    ## Example
    ```python
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    logits = model(images.to(device))
    preds = logits.argmax(dim=1).numpy()
    ```

    ## Use instead
    ```python
    preds = logits.argmax(dim=1).cpu().numpy()
    ```
    and `.detach().cpu().numpy()` for a tensor that requires grad.

    ## Fix safety
    The fix inserts `.cpu()` (preceded by `.detach()` when the tensor may require grad) before
    `.numpy()`. It is safe: on a CPU tensor both are no-ops, and on a CUDA tensor the original
    code raised. The alternative `.numpy(force=True)` (torch >= 1.13) does the same in one call.
    Note that the array no longer shares memory with a CUDA tensor: it is a copy.

    ## References
    - [torch.Tensor.numpy](https://pytorch.org/docs/stable/generated/torch.Tensor.numpy.html)
    - [torch.Tensor.cpu](https://pytorch.org/docs/stable/generated/torch.Tensor.cpu.html)
    """

    code = "PTL401"
    name = "numpy-on-cuda-tensor"
    summary = "`.numpy()` on a tensor that is or may be on a CUDA device"
    severity = Severity.ERROR

    def check(self, ctx):
        text = ctx.doc.text
        if ".numpy(" not in text and "array(" not in text:
            return
        for node in ctx.index.of(ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "numpy" and not node.args:
                tensor = func.value
                implicit = False
            elif node.args and ctx.qualname(func) in IMPLICIT_CONVERSIONS:
                tensor, implicit = node.args[0], True
            else:
                continue
            value = ctx.flow.value(tensor)
            if not value.device.may_be_cuda:
                continue
            yield self.report(
                ctx, node, self.message(ctx, node, tensor, value.device, implicit),
                fixes=self.fixes(ctx, node, tensor, value.requires_grad is not False, implicit),
                severity=Severity.ERROR if value.device is Device.CUDA else Severity.WARNING,
            )

    def message(self, ctx, call, tensor, device, implicit) -> str:
        what = f"`{source_of(ctx, call.func)}()`" if implicit else "`.numpy()`"
        where = "is on a CUDA device" if device is Device.CUDA else "may be on a CUDA device (its device is chosen at run time)"
        return f"{what} on a tensor that {where}; move it to the CPU first"

    def fixes(self, ctx, call, tensor, may_require_grad, implicit):
        chain = source_of(ctx, tensor)
        detach = may_require_grad and ".detach()" not in chain
        insert = (".detach()" if detach else "") + ".cpu()"
        title = f"Insert `{insert}`" + ("" if implicit else " before `.numpy()`")
        if implicit:
            span = ctx.doc.node_span(tensor)
            atom = isinstance(tensor, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
            edit = Edit.insert(span.end, insert) if atom else Edit(span, f"({chain}){insert}")
            return [Fix(title, (edit,), Applicability.SAFE)]
        # Right before `.numpy`, not at the end of the receiver's node: `(a * b).numpy()`'s
        # receiver node ends inside the parentheses.
        func_span = ctx.doc.node_span(call.func)
        between = ctx.doc.text[ctx.doc.offset(ctx.doc.node_span(tensor).end):ctx.doc.offset(func_span.end)]
        dot = ctx.doc.pos_at(ctx.doc.offset(func_span.end) - len(between) + between.rindex("."))
        preferred = Fix(title, (Edit.insert(dot, insert),), Applicability.SAFE)
        numpy_call_end = ctx.doc.node_span(call).end
        force = Fix("Use `.numpy(force=True)`",
                    (Edit.insert(type(dot)(numpy_call_end.line, numpy_call_end.col - 1), "force=True"),),
                    Applicability.SAFE)
        return [preferred, force]

    examples = (
        Example(
            "metrics with scikit-learn after evaluating on the chosen device",
            """
            import torch
            from sklearn.metrics import accuracy_score

            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = torch.nn.Linear(20, 3).to(device)
            inputs = torch.randn(8, 20).to(device)
            labels = torch.randint(0, 3, (8,))
            with torch.no_grad():
                logits = model(inputs)
            preds = logits.argmax(dim=1).numpy()  # expect: PTL401
            print(accuracy_score(labels.numpy(), preds))
            """,
            fixed="""
            import torch
            from sklearn.metrics import accuracy_score

            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            model = torch.nn.Linear(20, 3).to(device)
            inputs = torch.randn(8, 20).to(device)
            labels = torch.randint(0, 3, (8,))
            with torch.no_grad():
                logits = model(inputs)
            preds = logits.argmax(dim=1).cpu().numpy()
            print(accuracy_score(labels.numpy(), preds))
            """,
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
            runtime=Runtime(symptom=CUDA_NUMPY, cuda_only=True),
        ),
        Example(
            "plotting the output of a model moved with .cuda()",
            """
            import torch
            import torch.nn as nn
            import matplotlib.pyplot as plt

            net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)).cuda()
            xs = torch.linspace(-3, 3, 200).unsqueeze(1).cuda()
            ys = net(xs)
            plt.plot(xs.numpy(), ys.numpy())  # expect: PTL401, PTL401
            """,
            fixed="""
            import torch
            import torch.nn as nn
            import matplotlib.pyplot as plt

            net = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)).cuda()
            xs = torch.linspace(-3, 3, 200).unsqueeze(1).cuda()
            ys = net(xs)
            plt.plot(xs.cpu().numpy(), ys.detach().cpu().numpy())
            """,
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
            runtime=Runtime(symptom=CUDA_NUMPY, cuda_only=True),
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
