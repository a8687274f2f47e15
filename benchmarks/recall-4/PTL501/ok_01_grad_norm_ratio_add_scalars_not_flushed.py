# Source: https://github.com/pytorch/pytorch/issues/24234
# Pattern: the fix the reporter found: the writer is flushed after the last scalar, `tensorboard.flush()`, so
# the run holds all of them (the same check passes).
import os
import tempfile

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

K = 10
logdir = os.path.join(tempfile.mkdtemp(), "tb_bug")
param = torch.randn(10, 10)
param_grad = torch.randn(10, 10)

tensorboard = SummaryWriter(logdir)
for iteration in range(K):
    norm, grad_norm = param.norm(), param_grad.norm()
    ratio = grad_norm / (1e-9 + norm)
    tensorboard.add_scalars("test", dict(norm=norm, grad_norm=grad_norm, ratio=ratio), iteration)
    param = param - 0.01 * param_grad
tensorboard.flush()

# what `tensorboard --inspect --logdir tb_bug` reads now
run = EventAccumulator(os.path.join(logdir, "test_ratio"))
run.Reload()
found = len(run.Scalars("test")) if "test" in run.Tags()["scalars"] else 0
print(f"{found} of {K} scalars in the event file")
if found < K:
    raise AssertionError("logged scalars missing from the event file")
