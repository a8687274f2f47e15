# Source: https://github.com/pytorch/pytorch/issues/24234
# Pattern: a script logs a parameter's norm, its gradient's norm and their ratio with
# `add_scalars` for K = 10 iterations and never flushes or closes the writer; TensorBoard (and
# `tensorboard --inspect`) finds no scalars in the run, while K = 100 works. The reporter found
# that `flush()` at the end fixes it. Here the run is inspected in the same session, as a notebook
# would, right after the loop.
# error: logged scalars missing from the event file
# symptom: the check at the end (the event file holds fewer scalars than were logged)
import os
import tempfile

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

K = 10
logdir = os.path.join(tempfile.mkdtemp(), "tb_bug")
param = torch.randn(10, 10)
param_grad = torch.randn(10, 10)

tensorboard = SummaryWriter(logdir)  # bug: PTL501
for iteration in range(K):
    norm, grad_norm = param.norm(), param_grad.norm()
    ratio = grad_norm / (1e-9 + norm)
    tensorboard.add_scalars("test", dict(norm=norm, grad_norm=grad_norm, ratio=ratio), iteration)
    param = param - 0.01 * param_grad

# what `tensorboard --inspect --logdir tb_bug` reads now
run = EventAccumulator(os.path.join(logdir, "test_ratio"))
run.Reload()
found = len(run.Scalars("test")) if "test" in run.Tags()["scalars"] else 0
print(f"{found} of {K} scalars in the event file")
if found < K:
    raise AssertionError("logged scalars missing from the event file")
