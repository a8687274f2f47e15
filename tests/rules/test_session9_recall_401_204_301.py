"""Session 9 recall of PTL401 and PTL301 on shapes from real bug reports (issue 11).

Our programs (written for these tests, not copied), each run under torch 2.13 with pt-lsp's
fake-cuda proxy (``pt-lsp run --device fake-cuda``); the comment above each says what torch did.
The reports they follow: hgraph2graph#40 (``np.array([kl_div, loss.item(), wacc * 100])``),
thunder#49 (``map(np.asarray, zip(*all_predictions))``), Learning-to-See-in-the-Dark#10
(``g_loss[ind] = loss.data`` into ``np.zeros((n, 1))``), pytorch#17484/#20089/#39062/#94828
(``nn.Parameter(t).cuda()`` / ``.to(device)`` in ``__init__``) and pytorch-center-loss#23 (the
same on one side of an if). The PTL204 shapes of the reports we read (aihwkit#446, udacity
deep-learning-v2-pytorch#160, corr_based_prediction#1, tt-blacksmith#711) were reported already.
"""

from __future__ import annotations

from pathlib import Path

from rules_helpers import lines, source

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

# torch: TypeError "can't convert cuda:0 device type tensor to numpy" at the np.array line (wacc * 100 is a 0-d CUDA tensor).
HGRAPH_METERS = """
import numpy as np
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(6, 4)
        self.dec = nn.Linear(4, 6)

    def forward(self, x, beta):
        z = self.enc(x)
        out = self.dec(z)
        kl = beta * (z ** 2).mean()
        acc = (out.sign() == x.sign()).float().mean()
        loss = ((out - x) ** 2).mean() + kl
        return loss, kl.item(), acc


model = VAE().cuda()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
meters = np.zeros(3)
for step in range(5):
    batch = torch.randn(8, 6).cuda()
    model.zero_grad()
    loss, kl_div, wacc = model(batch, 0.1)
    loss.backward()
    optimizer.step()
    meters = meters + np.array([kl_div, loss.item(), wacc * 100])
print(meters)
"""

# torch: prints (3,): every item is a Python float.
HGRAPH_METERS_ITEM = """
import numpy as np
import torch
import torch.nn as nn


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(6, 4)
        self.dec = nn.Linear(4, 6)

    def forward(self, x, beta):
        z = self.enc(x)
        out = self.dec(z)
        kl = beta * (z ** 2).mean()
        acc = (out.sign() == x.sign()).float().mean()
        loss = ((out - x) ** 2).mean() + kl
        return loss, kl.item(), acc


model = VAE().cuda()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
meters = np.zeros(3)
for step in range(5):
    batch = torch.randn(8, 6).cuda()
    model.zero_grad()
    loss, kl_div, wacc = model(batch, 0.1)
    loss.backward()
    optimizer.step()
    meters = meters + np.array([kl_div, loss.item(), wacc.item() * 100])
print(meters.shape)
"""

# torch: TypeError "can't convert cuda:0 ..." in np.asarray of the first column.
THUNDER_COLUMNS = """
import numpy as np
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
model = nn.Linear(5, 2).to(device)
all_predictions = []
with torch.no_grad():
    for _ in range(3):
        x, y = torch.randn(4, 5).to(device), torch.randint(0, 2, (4,)).to(device)
        all_predictions.append((model(x).argmax(1), y))
predictions, targets = map(np.asarray, zip(*all_predictions))
print((predictions == targets).mean())
"""

# torch: prints (3, 4) (3, 4): the pairs were moved to the CPU first.
THUNDER_COLUMNS_CPU = """
import numpy as np
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
model = nn.Linear(5, 2).to(device)
all_predictions = []
with torch.no_grad():
    for _ in range(3):
        x, y = torch.randn(4, 5).to(device), torch.randint(0, 2, (4,)).to(device)
        all_predictions.append((model(x).argmax(1).cpu(), y.cpu()))
predictions, targets = map(np.asarray, zip(*all_predictions))
print(predictions.shape, targets.shape)
"""

# torch: TypeError "can't convert cuda:0 ...": g_loss[ind] is a row of shape (1,), NumPy converts the tensor.
SID_ROWS = """
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Conv2d(4, 4, 3, padding=1).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
g_loss = np.zeros((10, 1))
for ind in range(3):
    x = torch.randn(1, 4, 8, 8).to(device)
    opt.zero_grad()
    loss = ((model(x) - x).abs()).mean()
    loss.backward()
    opt.step()
    g_loss[ind] = loss.data
print(np.mean(g_loss[np.where(g_loss)]))
"""

# torch: prints both arrays: `.item()` is a float, and a single element of a 1-d array takes float(t).
SID_ROWS_ITEM = """
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Conv2d(4, 4, 3, padding=1).to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
g_loss = np.zeros((10, 1))
per_step = np.zeros(10)
for ind in range(3):
    x = torch.randn(1, 4, 8, 8).to(device)
    opt.zero_grad()
    loss = ((model(x) - x).abs()).mean()
    loss.backward()
    opt.step()
    g_loss[ind] = loss.item()
    per_step[ind] = loss.detach()
print(g_loss[:3, 0], per_step[:3])
"""

# torch: AssertionError "gain not registered": `.to(dev)` of a parameter on CUDA returns a plain tensor.
PARAMETER_MOVED = """
import torch
import torch.nn as nn

dev = "cuda" if torch.cuda.is_available() else "cpu"


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(4)).to(dev)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x * self.gain)


m = Scale().to(dev)
names = [n for n, _ in m.named_parameters()]
print(names)
assert "gain" in names, "gain not registered"
"""

# torch: prints ['gain', 'a', 'b', 'fc.weight', 'fc.bias']: made on the device, `.to("cpu")` and `.float()` return the parameter itself.
PARAMETER_ON_DEVICE = """
import torch
import torch.nn as nn

dev = "cuda" if torch.cuda.is_available() else "cpu"


class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(4, device=dev))
        self.a = nn.Parameter(torch.ones(4)).to("cpu")
        self.b = nn.Parameter(torch.ones(4)).float()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x * self.gain * self.a * self.b)


m = Scale().to(dev)
names = [n for n, _ in m.named_parameters()]
print(names)
assert {"gain", "a", "b"} <= set(names)
"""

# torch: ValueError "optimizer got an empty parameter list" on the CUDA path.
CENTERS_ON_A_BRANCH = """
import torch
import torch.nn as nn


class Centers(nn.Module):
    def __init__(self, classes, dims, use_gpu=True):
        super().__init__()
        if use_gpu:
            centers = nn.Parameter(torch.randn(classes, dims)).cuda()
        else:
            centers = nn.Parameter(torch.randn(classes, dims))
        self.centers = centers

    def forward(self, x, labels):
        return ((x - self.centers[labels]) ** 2).sum()


loss_fn = Centers(3, 4, use_gpu=torch.cuda.is_available())
opt = torch.optim.SGD(list(loss_fn.parameters()), lr=0.5)
"""

# torch: prints 1: the parameter is registered and the module moved whole.
CENTERS_MODULE_MOVED = """
import torch
import torch.nn as nn


class Centers(nn.Module):
    def __init__(self, classes, dims, use_gpu=True):
        super().__init__()
        centers = nn.Parameter(torch.randn(classes, dims))
        self.centers = centers

    def forward(self, x, labels):
        return ((x - self.centers[labels]) ** 2).sum()


loss_fn = Centers(3, 4, use_gpu=torch.cuda.is_available())
if torch.cuda.is_available():
    loss_fn = loss_fn.cuda()
opt = torch.optim.SGD(list(loss_fn.parameters()), lr=0.5)
print(len(opt.param_groups[0]["params"]))
"""


def test_hgraph_display_of_floats_and_a_cuda_tensor_is_reported() -> None:
    assert lines("PTL401", HGRAPH_METERS) == [30]


def test_hgraph_display_of_items_is_silent() -> None:
    assert lines("PTL401", HGRAPH_METERS_ITEM) == []


def test_thunder_mapped_asarray_of_zipped_pairs_is_reported() -> None:
    assert lines("PTL401", THUNDER_COLUMNS) == [12]


def test_thunder_pairs_moved_to_cpu_are_silent() -> None:
    assert lines("PTL401", THUNDER_COLUMNS_CPU) == []


def test_sid_tensor_stored_into_an_array_row_is_reported() -> None:
    assert lines("PTL401", SID_ROWS) == [15]


def test_sid_item_and_single_element_stores_are_silent() -> None:
    assert lines("PTL401", SID_ROWS_ITEM) == []


def test_parameter_moved_in_init_is_reported() -> None:
    assert lines("PTL301", PARAMETER_MOVED) == [10]


def test_parameter_made_on_the_device_is_silent() -> None:
    assert lines("PTL301", PARAMETER_ON_DEVICE) == []


def test_center_loss_parameter_moved_on_one_branch_is_reported() -> None:
    assert lines("PTL301", CENTERS_ON_A_BRANCH) == [12]


def test_center_loss_module_moved_whole_is_silent() -> None:
    assert lines("PTL301", CENTERS_MODULE_MOVED) == []


# torch (fake-cuda) prints: "scalar slot ok 1.0", "row slot raises can't convert cuda:0 ...",
# "h[0,0] ok", "slice raises can't convert cuda:0 ...": only a row or a slice converts.
STORE_SLOTS = """
import numpy as np
import torch

t = torch.ones(3).cuda().mean()
g = np.zeros(10)
try:
    g[0] = t
    print("scalar slot ok", g[0])
except TypeError as e:
    print("scalar slot raises", e)
h = np.zeros((10, 1))
try:
    h[0] = t
    print("row slot ok")
except TypeError as e:
    print("row slot raises", e)
try:
    h[0, 0] = t
    print("h[0,0] ok")
except TypeError as e:
    print("h[0,0] raises", e)
v = torch.ones(3).cuda()
try:
    g[0:3] = v
    print("slice ok")
except TypeError as e:
    print("slice raises", e)
"""


def test_stores_into_rows_and_slices_are_reported_single_elements_are_not() -> None:
    assert lines("PTL401", STORE_SLOTS) == [13, 24]


# The device from the command line (the brief's `.to(device)` with a device from argparse).
# torch (fake-cuda, no arguments): TypeError "can't convert cuda:0 device type tensor to numpy"
# in evaluate(): `--device` defaults to "cuda:0".
OPTION_DEVICE = """
import argparse

import numpy as np
import torch
import torch.nn as nn


def evaluate(args, model, batches):
    model.eval()
    preds = []
    with torch.no_grad():
        for x in batches:
            preds.append(model(x.to(args.device)).argmax(1))
    return np.concatenate([p.numpy() for p in preds])


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
model = nn.Linear(6, 3).to(args.device)
print(evaluate(args, model, [torch.randn(4, 6) for _ in range(2)]).shape)
"""

# torch: prints (8,): the same program with `--device` defaulting to "cpu".
OPTION_DEVICE_CPU = """
import argparse

import numpy as np
import torch
import torch.nn as nn


def evaluate(args, model, batches):
    model.eval()
    preds = []
    with torch.no_grad():
        for x in batches:
            preds.append(model(x.to(args.device)).argmax(1))
    return np.concatenate([p.numpy() for p in preds])


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cpu", help="cuda:N or cpu")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
model = nn.Linear(6, 3).to(args.device)
print(evaluate(args, model, [torch.randn(4, 6) for _ in range(2)]).shape)
"""

# torch: prints (8,): `p.cpu().numpy()`.
OPTION_DEVICE_FIXED = """
import argparse

import numpy as np
import torch
import torch.nn as nn


def evaluate(args, model, batches):
    model.eval()
    preds = []
    with torch.no_grad():
        for x in batches:
            preds.append(model(x.to(args.device)).argmax(1))
    return np.concatenate([p.cpu().numpy() for p in preds])


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
model = nn.Linear(6, 3).to(args.device)
print(evaluate(args, model, [torch.randn(4, 6) for _ in range(2)]).shape)
"""


def test_option_device_defaulting_to_cuda_is_reported() -> None:
    assert lines("PTL401", OPTION_DEVICE) == [14]


def test_option_device_defaulting_to_cpu_and_the_fix_are_silent() -> None:
    assert lines("PTL401", OPTION_DEVICE_CPU) == []
    assert lines("PTL401", OPTION_DEVICE_FIXED) == []


NOT_THE_NAMESPACE = """
import argparse

import torch


def to_array(settings, x):
    return x.to(settings.device).numpy()


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="cuda")
args = parser.parse_args()
print(to_array(args, torch.ones(2)))
"""


def test_an_attribute_of_a_name_not_bound_to_parse_args_is_no_option() -> None:
    """`settings.device` where `settings` is no name the file binds to `parse_args()`: the
    option's default is not claimed for it (torch raises here: a documented miss); the same
    function reading `args.device` is reported."""
    assert lines("PTL401", NOT_THE_NAMESPACE) == []
    assert lines("PTL401", NOT_THE_NAMESPACE.replace("settings", "args")) == [7]


# Helpers of another project file (the brief's `to_np(x)`, values crossing files): utils.py,
# evaluation.py and main.py of one folder. torch (fake-cuda, `python main.py`): TypeError
# "can't convert cuda:0 device type tensor to numpy" in utils.to_np.
HELPERS_UTILS = """
import numpy as np


def to_np(x):
    return x.detach().numpy()


def mean_of(values):
    return float(np.mean(values))
"""

# torch: prints "(3, 2) 0.38... [0.]": the helpers move to the CPU (`.cpu()`, `.item()`).
HELPERS_UTILS_FIXED = """
import numpy as np


def to_np(x):
    return x.detach().cpu().numpy()


def mean_of(values):
    return float(np.mean([v.item() for v in values]))
"""

HELPERS_EVALUATION = """
import torch


def predict(model, batches, device):
    outs = []
    with torch.no_grad():
        for x in batches:
            outs.append(model(x.to(device)))
    return outs
"""

HELPERS_MAIN = """
import numpy as np
import torch
import torch.nn as nn

from evaluation import predict
from utils import mean_of, to_np

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(4, 2).to(device)
batches = [torch.randn(3, 4) for _ in range(2)]
outs = predict(model, batches, device)
first = to_np(outs[0])
losses = [(o**2).mean() for o in outs]
print(first.shape, mean_of(losses), np.zeros(1))
"""


def _helpers_project(tmp_path: Path, utils: str) -> list[int]:
    (tmp_path / "utils.py").write_text(source(utils))
    (tmp_path / "evaluation.py").write_text(source(HELPERS_EVALUATION))
    main = tmp_path / "main.py"
    main.write_text(source(HELPERS_MAIN))
    result = lint_source(main.read_text(), path=str(main), selection=Selection.of(["PTL401"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL401"]


def test_helpers_of_another_file_converting_this_files_cuda_tensors_are_reported(tmp_path: Path) -> None:
    assert _helpers_project(tmp_path, HELPERS_UTILS) == [12, 14]


def test_helpers_of_another_file_moving_to_the_cpu_are_silent(tmp_path: Path) -> None:
    assert _helpers_project(tmp_path, HELPERS_UTILS_FIXED) == []


# PTL204: an optimizer built by a factory function (`optimizer = build_optimizer(model, ...)`),
# of another project file or of this one. torch (`python main.py`): "every step used its own
# batch only: False"; with `optimizer.zero_grad()` in the loop: True.
FACTORY_UTILS = """
import torch


def build_optimizer(model, name, lr):
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return optimizer
"""

FACTORY_MAIN = """
import torch
import torch.nn as nn

from optim_utils import build_optimizer

model = nn.Linear(4, 2)
optimizer = build_optimizer(model, "sgd", 0.01)
fresh = []
for x, y in [(torch.randn(3, 4), torch.randn(3, 2)) for _ in range(4)]:
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    alone = torch.autograd.grad(nn.functional.mse_loss(model(x), y), model.bias)[0]
    fresh.append(torch.allclose(alone, model.bias.grad))
    optimizer.step()
print("every step used its own batch only:", all(fresh))
"""

FACTORY_MAIN_FIXED = """
import torch
import torch.nn as nn

from optim_utils import build_optimizer

model = nn.Linear(4, 2)
optimizer = build_optimizer(model, "sgd", 0.01)
fresh = []
for x, y in [(torch.randn(3, 4), torch.randn(3, 2)) for _ in range(4)]:
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    alone = torch.autograd.grad(nn.functional.mse_loss(model(x), y), model.bias)[0]
    fresh.append(torch.allclose(alone, model.bias.grad))
    optimizer.step()
print("every step used its own batch only:", all(fresh))
"""

# torch: "... True": on this path the factory returns a wrapper whose `step` resets the
# gradients itself; the factory's returns are not all torch.optim optimizers, so nothing is known.
FACTORY_WRAPPER_UTILS = """
import torch


class Lookahead:
    def __init__(self, inner):
        self.inner = inner

    def step(self):
        self.inner.step()
        self.inner.zero_grad()


def build_optimizer(model, name, lr):
    if name == "lookahead":
        return Lookahead(torch.optim.SGD(model.parameters(), lr=lr))
    return torch.optim.SGD(model.parameters(), lr=lr)
"""

FACTORY_SAME_FILE = """
import torch
import torch.nn as nn

def build_optimizer(model, name, lr):
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return optimizer


model = nn.Linear(4, 2)
optimizer = build_optimizer(model, "sgd", 0.01)
fresh = []
for x, y in [(torch.randn(3, 4), torch.randn(3, 2)) for _ in range(4)]:
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    alone = torch.autograd.grad(nn.functional.mse_loss(model(x), y), model.bias)[0]
    fresh.append(torch.allclose(alone, model.bias.grad))
    optimizer.step()
print("every step used its own batch only:", all(fresh))
"""


def _factory_project(tmp_path: Path, utils: tuple[str, str], main: str) -> list[int]:
    (tmp_path / utils[0]).write_text(source(utils[1]))
    program = tmp_path / "main.py"
    program.write_text(source(main))
    result = lint_source(program.read_text(), path=str(program), selection=Selection.of(["PTL204"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL204"]


def test_optimizer_of_a_factory_of_another_file_is_known(tmp_path: Path) -> None:
    assert _factory_project(tmp_path, ("optim_utils.py", FACTORY_UTILS), FACTORY_MAIN) == [14]


def test_optimizer_of_a_factory_with_the_reset_is_silent(tmp_path: Path) -> None:
    assert _factory_project(tmp_path, ("optim_utils.py", FACTORY_UTILS), FACTORY_MAIN_FIXED) == []


def test_a_factory_that_may_return_a_resetting_wrapper_proves_nothing(tmp_path: Path) -> None:
    main = FACTORY_MAIN.replace("from optim_utils import", "from wrap_utils import").replace('"sgd"', '"lookahead"')
    assert _factory_project(tmp_path, ("wrap_utils.py", FACTORY_WRAPPER_UTILS), main) == []


def test_optimizer_of_a_factory_of_this_file_is_known() -> None:
    assert lines("PTL204", FACTORY_SAME_FILE) == [19]
