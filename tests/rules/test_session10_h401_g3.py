"""Session 10, H-401: audit-11 G3, the PTL402 and PTL401 false alarms of a conditional that tests where
the tensor is (its own `requires_grad`; a CUDA flag in a loop whose header binds the batch). Every
program is ours, written for these tests; the comment above each says what torch 2.13 did with it
(the device ones also under pt-lsp's fake-cuda proxy, ``pt-lsp run --device fake-cuda``; methods
called by a driver that is not part of the linted file)."""

from __future__ import annotations

from rules_helpers import lines

# -- PTL402: a test of the tensor's own `requires_grad` (audit-11 G3) --------------------------

# torch: prints (4, 2) (4, 3) (4, 2) (4, 3): each helper detaches exactly where it must.
GRAD_TESTED = """
import torch
import torch.nn as nn


def to_array(t):
    return t.detach().numpy() if t.requires_grad else t.numpy()


def as_array(t):
    if not t.requires_grad:
        return t.numpy()
    return t.detach().numpy()


net = nn.Linear(3, 2)
x = torch.randn(4, 3)
out = net(x)
print(to_array(out).shape, to_array(x).shape, as_array(out).shape, as_array(x).shape)
"""

# torch: RuntimeError "Can't call numpy() on Tensor that requires grad" at line 6.
GRAD_TESTED_INVERTED = """
import torch
import torch.nn as nn


def to_array(t):
    return t.numpy() if t.requires_grad else t.detach().numpy()


net = nn.Linear(3, 2)
x = torch.randn(4, 3)
out = net(x)
print(to_array(out).shape)
"""

# torch: the same RuntimeError at line 7.
GRAD_TESTED_STATEMENT_INVERTED = """
import torch
import torch.nn as nn


def as_array(t):
    if t.requires_grad:
        return t.numpy()
    return t.detach().numpy()


net = nn.Linear(3, 2)
out = net(torch.randn(4, 3))
print(as_array(out).shape)
"""


def test_numpy_on_the_side_where_the_tensor_requires_no_grad_is_silent() -> None:
    assert lines("PTL402", GRAD_TESTED) == []


def test_numpy_on_the_side_where_it_requires_grad_is_reported() -> None:
    assert lines("PTL402", GRAD_TESTED_INVERTED) == [6]
    assert lines("PTL402", GRAD_TESTED_STATEMENT_INVERTED) == [7]


# -- PTL401: the loop's own batch moved under the flag that moves the loss back (G3) ----------

# torch (CPU and fake-cuda): prints "ran 3". On CUDA the loss is moved back before `.numpy()`.
FLAG_LOOP = """
import torch
import torch.nn as nn

on_gpu = torch.cuda.is_available()
model = nn.Linear(6, 2)
model = model.cuda() if on_gpu else model
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
batches = [(torch.randn(8, 6), torch.randint(0, 2, (8,))) for _ in range(3)]
losses = []
for i, (inputs, labels) in enumerate(batches):
    if on_gpu:
        inputs, labels = inputs.cuda(), labels.cuda()
    loss = criterion(model(inputs), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    loss = loss.cpu() if on_gpu else loss
    losses.append(loss.detach().numpy())
print("ran", len(losses))
"""


def test_batch_bound_by_the_loop_header_and_moved_under_the_flag_is_silent() -> None:
    # the header binds `inputs` on every iteration: on the CPU side it is this iteration's batch,
    # not "what it held before the loop" (the invariant-branch reset skipped the header)
    assert lines("PTL401", FLAG_LOOP) == []


def test_the_same_loop_without_moving_the_loss_back_is_reported() -> None:
    # fake-cuda: TypeError "can't convert cuda:0 device type tensor to numpy" at that line.
    bad = FLAG_LOOP.replace("    loss = loss.cpu() if on_gpu else loss\n", "")
    assert lines("PTL401", bad) == [18]
