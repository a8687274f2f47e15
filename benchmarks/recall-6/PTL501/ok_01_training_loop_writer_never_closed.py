# Source: https://github.com/pytorch/pytorch/issues/24234
# Pattern: the fix: the writer is closed after the last event (which flushes it)
import subprocess
import sys
import tempfile

import torch
import torch.utils.tensorboard

K = 500


def train(log_dir):
    param = torch.randn(10, 10)
    param_grad = torch.randn(10, 10)
    tensorboard = torch.utils.tensorboard.SummaryWriter(log_dir)
    ratios = []
    for iteration in range(K):
        param -= 0.01 * param_grad
        norm, grad_norm = param.norm(), param_grad.norm()
        ratios.append((grad_norm / (1e-9 + norm)).item())
    for iteration, ratio in enumerate(ratios):
        tensorboard.add_scalar("test/ratio", ratio, iteration)
    tensorboard.close()


def scalars_written(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(log_dir)
    acc.Reload()
    return len(acc.Scalars("test/ratio")) if "test/ratio" in acc.Tags()["scalars"] else 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        train(sys.argv[1])
    else:
        for attempt in range(3):
            log_dir = tempfile.mkdtemp()
            subprocess.run([sys.executable, __file__, log_dir], check=True)
            written = scalars_written(log_dir)
            if written < K:
                raise RuntimeError(f"the event file lost the last scalars ({written} of {K} written)")
