"""PTL501: what runs after a writer's last event, and whether it saves the queue (audit-8 M1, M2).

Facts measured here under torch 2.13 and tensorboard 2.21 (our programs): torch's
`SummaryWriter` registers no `atexit` handler and writes from a daemon thread, which the
interpreter stops at exit with whatever is still queued; `flush_secs` only paces the file's
flush, and on a local disk each record is appended as soon as the thread writes it. The thread
writes only when it gets the interpreter: a statement that blocks, does I/O or runs torch kernels
gives it a turn, a few lines of Python do not. A learning-rate scheduler's `step()` and a print
of its `get_last_lr()` are such lines: after them the last event is still queued, as after a
plain print (which the rule has counted as quiet all along)."""

from __future__ import annotations

import io
import sys
import time
import warnings

import pytest
from rules_helpers import lines

CODE = "PTL501"

# audit-8 M1 (bshall/UniversalVocoding) and M2 (nadavbh12/VQ-VAE), in our words
M1 = """
import torch
from torch.utils.tensorboard import SummaryWriter


def train():
    writer = SummaryWriter("runs/m1")
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    for epoch in range(3):
        loss = model(torch.randn(4, 2)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        writer.add_scalar("loss", loss.item(), epoch)
        print(f"epoch {epoch} lr {sched.get_last_lr()}")


if __name__ == "__main__":
    train()
"""
M2 = """
import torch
from torch import optim
from torch.utils.tensorboard import SummaryWriter


class Trainer:
    def __init__(self, model):
        self.opt = optim.SGD(model.parameters(), lr=0.1)
        self.scheduler = optim.lr_scheduler.StepLR(self.opt, 30, 0.5)


def main():
    writer = SummaryWriter("runs/m2")
    model = torch.nn.Linear(2, 1)
    trainer = Trainer(model)
    for epoch in range(3):
        writer.add_scalars("loss", {"train": 1.0 / (epoch + 1)}, epoch)
        trainer.scheduler.step()


if __name__ == "__main__":
    main()
"""


def test_a_scheduler_step_or_a_print_of_its_rate_after_the_last_event_is_reported():
    assert lines(CODE, M1) == [6]
    assert lines(CODE, M2) == [13]


@pytest.mark.parametrize(
    "after",
    [
        "torch.save(model.state_dict(), 'last.pt')",  # a checkpoint (audit-3 A4)
        "opt.step()",  # torch kernels: work that gives the thread its turn
        "evaluate(model)",  # a function of unknown cost
        "env.step(0)",  # a `.step()` of something that is no scheduler
    ],
)
def test_work_after_the_last_event_is_not(after):
    tail = '        print(f"epoch {epoch} lr {sched.get_last_lr()}")\n'
    variant = M1.replace(tail, f"{tail}        {after}\n")
    assert variant != M1
    assert lines(CODE, variant) == []


def test_only_a_scheduler_of_torch_is_quick():
    made = M1.replace("sched = torch.optim.lr_scheduler.StepLR(opt, 10)", "sched = make_schedule(opt)")
    assert made != M1
    assert lines(CODE, made) == []  # `make_schedule` is not known: its `get_last_lr()` may do anything


# -- the facts, under torch --------------------------------------------------------------------------
torch = pytest.importorskip("torch")
tensorboard = pytest.importorskip("torch.utils.tensorboard")


def _queue(writer: object) -> object:
    return writer._get_file_writer().event_writer._async_writer._byte_queue  # type: ignore[attr-defined]


def _drained(queue: object) -> bool:
    start = time.monotonic()
    while queue.qsize() and time.monotonic() - start < 30:  # type: ignore[attr-defined]
        time.sleep(0.001)  # lets go of the interpreter: the thread writes
    time.sleep(0.05)  # and is back waiting for the next event
    return queue.qsize() == 0  # type: ignore[attr-defined]


def test_the_writer_is_a_daemon_thread_that_nothing_closes_at_exit(tmp_path):
    import atexit

    before = atexit._ncallbacks()
    writer = tensorboard.SummaryWriter(str(tmp_path))
    try:
        assert atexit._ncallbacks() == before  # unlike tensorboardX's, no handler closes it at exit
        worker = writer._get_file_writer().event_writer._async_writer._worker
        assert worker.daemon  # the interpreter stops it at exit, queue and all
        assert writer.flush_secs == 120
        writer.add_scalar("loss", 1.0, 0)
        assert _drained(_queue(writer))
        # on a local disk the record is in the file once the thread wrote it: no flush needed
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

        files = list(tmp_path.glob("events.*"))
        values = [v for f in files for e in EventFileLoader(str(f)).Load() for v in e.summary.value]
        assert [v.tag for v in values] == ["loss"]
    finally:
        writer.close()


def test_a_scheduler_step_and_a_print_of_its_rate_leave_the_event_queued(tmp_path):
    """The thread gets no forced turn (a switch interval of 100 s): what follows the event must let
    go of the interpreter for the event to be written, as the end of a program does not."""
    writer = tensorboard.SummaryWriter(str(tmp_path))
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    queue = _queue(writer)
    interval = sys.getswitchinterval()
    queued = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a warning printed to stderr would be I/O
            for step in range(5):
                assert _drained(queue)
                sys.setswitchinterval(100)
                try:
                    writer.add_scalar("loss", float(step), step)
                    sched.step()
                    print(f"epoch {step} lr {sched.get_last_lr()}", file=io.StringIO())
                    queued.append(queue.qsize())  # type: ignore[attr-defined]
                finally:
                    sys.setswitchinterval(interval)
        assert queued == [1] * 5
        assert _drained(queue)  # letting go writes it
    finally:
        sys.setswitchinterval(interval)
        writer.close()
