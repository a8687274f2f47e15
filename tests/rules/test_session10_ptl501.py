"""PTL501 on audit-11's misses M5 (session 10, issue 11).

Our programs, in the shape of R28 (a pix2pix trainer ending its epoch loop with
``generator.train()``) and R30 (a module ending with a loop over ``range(len(classes))`` whose body
calls a helper of the file that writes a PR curve); each was run under torch 2.13 and tensorboard
and its event file read back (counts in the comments). Taught here: a module's mode switch is
quiet (measured in process below, as the other quiet statements were), and a loop over a counted
``range`` ends with no work after its last pass.
"""

from __future__ import annotations

import sys
import time
import warnings

import pytest
import torch
from rules_helpers import lines

tensorboard = pytest.importorskip("torch.utils.tensorboard")


# M5 (audit-11 R28, a pix2pix trainer): the epoch loop ends on the validation image, then
# `generator.train()`. Run 5 times with four 384x384 images after it: the event file lacked the
# last 2 or 3 of 30 events every time, as with nothing after the event (5 of 5); closed, 30 of 30.
M5_MODE_SWITCH = """
import sys

import torch
import torch.nn as nn
from torch.utils.tensorboard import SummaryWriter


def make_generator():
    return nn.Sequential(*[nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.ReLU()) for _ in range(6)])


def main(logdir):
    generator = make_generator()
    opt = torch.optim.Adam(generator.parameters(), lr=1e-3)
    writer = SummaryWriter(logdir)
    for epoch in range(3):
        x = torch.rand(2, 3, 16, 16)
        loss = (generator(x) - x).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        writer.add_scalar("train/l1", loss.item(), epoch)
        generator.eval()
        with torch.no_grad():
            fake = generator(torch.rand(1, 3, 16, 16))
        writer.add_image("val/fake", fake[0].clamp(0, 1), epoch)
        generator.train()


if __name__ == "__main__":
    main(sys.argv[1])
"""


def test_a_mode_switch_after_the_last_event_is_followed_by_the_end():
    assert lines("PTL501", M5_MODE_SWITCH) == [15]
    made_here = M5_MODE_SWITCH.replace("generator = make_generator()", "generator = nn.Conv2d(3, 3, 1).to('cpu')")
    made_here = made_here.replace("opt = torch.optim.Adam(generator.parameters(), lr=1e-3)", "opt = None")
    made_here = made_here.replace("        opt.zero_grad()\n        loss.backward()\n        opt.step()\n", "")
    assert lines("PTL501", made_here) == [15]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("        generator.train()\n", "        generator.train()\n    writer.close()\n"),
        # an object of unknown class: its `train()` may run training
        ("generator = make_generator()", "generator = make_generator()\n    trainer = make_trainer()"),
    ],
)
def test_a_closed_writer_or_an_unknown_train_is_silent(old, new):
    source = M5_MODE_SWITCH.replace(old, new)
    if "trainer" in new:
        source = source.replace("        generator.train()\n", "        trainer.train()\n")
    assert lines("PTL501", source) == []


def test_a_module_class_with_its_own_train_method_is_work():
    source = M5_MODE_SWITCH.replace(
        "def make_generator():",
        "class Gen(nn.Module):\n"
        "    def train(self, mode=True):\n"
        "        torch.save(self.state_dict(), 'g.pt')\n"
        "        return super().train(mode)\n\n\n"
        "def make_generator():",
    )
    source = source.replace("generator = make_generator()", "generator = Gen()")
    assert lines("PTL501", source) == []


# M5 (audit-11 R30): a module-level tutorial ending with a loop over range(len(labels)) whose body
# calls a helper of the file that writes a PR curve. Run 15 times (200,000 scores, 10 classes): the
# last curve was missing from the event file in 3 of 15 runs; closed, 0 of 15.
M5_HELPER_LOOP = """
import sys

import torch
from torch.utils.tensorboard import SummaryWriter

labels = [f"c{i}" for i in range(10)]
writer = SummaryWriter(sys.argv[1])
scores = torch.softmax(torch.randn(200000, len(labels)), dim=1)
truth = torch.randint(0, len(labels), (200000,))


def log_curve(k, truth, scores, step=0):
    hits = truth == k
    writer.add_pr_curve(f"pr/{labels[k]}", hits, scores[:, k], global_step=step)


for k in range(len(labels)):
    log_curve(k, truth, scores)
"""


def test_a_loop_over_a_counted_range_calling_a_logging_helper_ends_the_module():
    assert lines("PTL501", M5_HELPER_LOOP) == [7]
    closed = M5_HELPER_LOOP + "\nwriter.close()\n"
    assert lines("PTL501", closed) == []
    # a generator's exhaustion may run work (a data loader): not a counted range
    loader = M5_HELPER_LOOP.replace("for k in range(len(labels)):", "for k in load_classes(labels):")
    assert lines("PTL501", loader) == []


def test_a_mode_switch_leaves_the_event_queued(tmp_path):
    """No forced switch (an interval of 100 s), as at the end of a program: after
    ``generator.train()`` of a 25-module network the event is still queued every time."""
    generator = torch.nn.Sequential(
        *[torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU()) for _ in range(8)]
    )
    writer = tensorboard.SummaryWriter(str(tmp_path))
    queue = writer._get_file_writer().event_writer._async_writer._byte_queue
    interval = sys.getswitchinterval()
    queued = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in range(5):
                start = time.monotonic()
                while queue.qsize() and time.monotonic() - start < 30:
                    time.sleep(0.001)
                time.sleep(0.05)
                generator.eval()
                sys.setswitchinterval(100)
                try:
                    writer.add_scalar("val", float(step), step)
                    generator.train()
                    queued.append(queue.qsize())
                finally:
                    sys.setswitchinterval(interval)
        assert queued == [1] * 5
    finally:
        sys.setswitchinterval(interval)
        writer.close()
