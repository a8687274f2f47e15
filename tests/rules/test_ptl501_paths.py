"""PTL501 on one path: work on another path after the last event does not save the queue
(audit-9 M2, R14-R17).

A writer never closed loses what is still queued when the program ends right after its last
event. Work that follows the event (a checkpoint save, more training) gives the writer's thread
its turn and excuses the writer (audit-3 A4), but only where it runs: a save under
`if epoch % save_freq == 0:`, `if avg_return >= threshold:` or `if val_loss < best:` is skipped
on the last pass whenever the test is false, and the program ends with the last events queued.
The rule follows the paths after the event: it reports where one path to the end of the program
runs only quiet statements, and stays silent where every path works, or where the path that
skips the work is not taken: a constant test, a loop over ``range`` of known numbers (or of an
option's default) whose last pass takes the save, a test that names the loop's bound or the
last pass (``or epoch == epochs - 1``), and a rank test (the writer's process may be the saving
one).

Measured with our programs under torch 2.13 / tensorboard 2.21 (whole runs of five epochs of 1
to 20 scalars, events counted in the event file with tensorboard's EventAccumulator, on 2 cores
shared by several engineers): nothing after the last event lost the tail in 3 of 33 runs, the
save skipped on the last pass in 1 of 33, an unconditional save, a save on both branches, a
flush or a close in 0 of 10 each. In process, with no forced switch, the skipped save leaves
the last scalars queued every time (``test_the_skipped_save_leaves_the_last_events_queued``).
"""

from __future__ import annotations

import sys
import time
import warnings

import pytest
from rules_helpers import findings, lines

CODE = "PTL501"

# R14's shape (a save every `save_freq` epochs; the last epoch skips it), in our words
SAVE_FREQ = """
import torch
from torch.utils.tensorboard import SummaryWriter


def main(log_dir, epochs=4, save_freq=2):
    writer = SummaryWriter(log_dir)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(epochs):
        loss = model(torch.randn(16, 8)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        writer.add_scalar("train/loss", loss.item(), epoch)
        writer.add_scalar("eval/loss", loss.item() * 2, epoch)
        if epoch % save_freq == 0:
            torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")


if __name__ == "__main__":
    main("runs/save_freq")
"""

# R15-R16's shape: evaluation scalars, a dozen prints with the elapsed time, a save only when the
# return reaches a threshold (the environment's maximum: rarely)
THRESHOLD = """
import argparse
import time

import torch
from torch.utils.tensorboard import SummaryWriter

parser = argparse.ArgumentParser()
parser.add_argument("--iterations", type=int, default=3)
parser.add_argument("--threshold", type=float, default=500.0)


def run_episode(policy):
    return float(policy(torch.randn(4)).sum())


def main():
    args = parser.parse_args()
    writer = SummaryWriter()
    policy = torch.nn.Linear(4, 2)
    start = time.time()
    for i in range(args.iterations):
        returns = [run_episode(policy) for _ in range(10)]
        average = sum(returns) / len(returns)
        writer.add_scalar("Eval/AverageReturns", average, i)
        writer.add_scalar("Eval/EpisodeReturns", returns[-1], i)
        print("Iterations:", i + 1)
        print("AverageReturn:", round(average, 2))
        print("Time:", int(time.time() - start))
        if average >= args.threshold:
            torch.save(policy.state_dict(), "policy.pt")


if __name__ == "__main__":
    main()
"""

# R17's shape: the test scalar, a figure only for a two-dimensional latent space, then `return`
BRANCH_THEN_RETURN = """
import torch
from torch.utils.tensorboard import SummaryWriter


def main(z_dim=20):
    writer = SummaryWriter("runs/vae")
    decoder = torch.nn.Linear(z_dim, 8)
    test_loss = float(decoder(torch.randn(4, z_dim)).pow(2).mean())
    writer.add_scalar("test/loss", test_loss, 0)
    if z_dim == 2:
        grid = decoder(torch.randn(64, 2))
        torch.save(grid, "manifold.pt")
    return test_loss


if __name__ == "__main__":
    main()
"""

# R18's shape in one file: a save only when the validation loss improved
BEST_ONLY = """
import torch
from torch.utils.tensorboard import SummaryWriter


def main(epochs=5):
    writer = SummaryWriter("runs/best")
    model = torch.nn.Linear(8, 1)
    best = float("inf")
    for epoch in range(epochs):
        val_loss = float(model(torch.randn(16, 8)).pow(2).mean())
        writer.add_scalar("val/loss", val_loss, epoch)
        if val_loss < best:
            best = val_loss
            torch.save(model.state_dict(), "best.pt")


if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize(
    ("program", "line", "test_line", "value"),
    [
        (SAVE_FREQ, 6, 16, "false"),
        (THRESHOLD, 18, 29, "false"),
        (BRANCH_THEN_RETURN, 6, 10, "false"),
        (BEST_ONLY, 6, 12, "false"),
    ],
)
def test_a_save_on_another_path_after_the_last_event_is_reported(program, line, test_line, value):
    [finding] = findings(CODE, program)
    assert finding.line == line
    steps = [(step.message, step.span.start.line) for step in finding.related]
    assert (f"when this test is {value}, the work under it is skipped", test_line) in steps


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the quiet path leaves the function early: `return` skips the save
        (
            '        if epoch % save_freq == 0:\n            torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")\n',
            '        if not save_freq:\n            return\n        torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")\n',
        ),
        # early stopping: the loop is left by a break on the path that does not save
        (
            '        if epoch % save_freq == 0:\n            torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")\n',
            '        if loss.item() < 0.1:\n            torch.save(model.state_dict(), f"{log_dir}/best.pt")\n'
            "        elif epoch > 10:\n            break\n",
        ),
    ],
)
def test_a_quiet_path_may_leave_by_return_or_break(before, after):
    variant = SAVE_FREQ.replace(before, after)
    assert variant != SAVE_FREQ
    assert lines(CODE, variant) == [6]


SAVE = '        if epoch % save_freq == 0:\n            torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")\n'


@pytest.mark.parametrize(
    "tail",
    [
        # audit-3 A4: an unconditional save after the last event is work on every path
        '        torch.save(model.state_dict(), f"{log_dir}/last.pt")\n',
        SAVE + '        torch.save(model.state_dict(), f"{log_dir}/last.pt")\n',
        # both branches save
        SAVE + '        else:\n            torch.save(model.state_dict(), f"{log_dir}/other.pt")\n',
        # the test names the last pass: the last epoch saves
        "        if epoch % save_freq == 0 or epoch == epochs - 1:\n"
        '            torch.save(model.state_dict(), f"{log_dir}/epoch_{epoch}.pt")\n',
        '        if (epoch + 1) % save_freq == 0 or is_last:\n            torch.save(model.state_dict(), "m.pt")\n',
        # a rank test: the writer's process may be the one that saves
        "        if rank == 0:\n            torch.save(model.state_dict(), 'm.pt')\n",
        # a constant test
        "        if True:\n            torch.save(model.state_dict(), 'm.pt')\n",
        # a test that works itself (an evaluation)
        "        if evaluate(model) < 0.5:\n            torch.save(model.state_dict(), 'm.pt')\n",
        # the writer is closed or flushed on every path
        SAVE + "        writer.flush()\n",
    ],
)
def test_work_on_every_path_or_a_pinned_branch_is_silent(tail):
    variant = SAVE_FREQ.replace(SAVE, tail)
    assert variant != SAVE_FREQ
    assert lines(CODE, variant) == []


def test_a_closed_or_with_writer_is_silent():
    closed = SAVE_FREQ.replace(SAVE, SAVE + "    writer.close()\n")
    assert closed != SAVE_FREQ
    assert lines(CODE, closed) == []
    with_block = (
        SAVE_FREQ.replace("    writer = SummaryWriter(log_dir)\n", "    with SummaryWriter(log_dir) as writer:\n")
        .replace("\n    model", "\n        model")
        .replace("\n    opt =", "\n        opt =")
        .replace("\n    for epoch", "\n        for epoch")
    )
    body = with_block.split("for epoch in range(epochs):\n")[1].split("\n\n\nif")[0]
    with_block = with_block.replace(body, "\n".join("    " + row for row in body.splitlines()))
    compile(with_block, "with_block.py", "exec")
    assert lines(CODE, with_block) == []


@pytest.mark.parametrize(
    ("loop", "test", "reported"),
    [
        # the last pass of range(10) is 9: 9 % 3 == 0 saves, 9 % 2 == 1 does not
        ("for epoch in range(10):", "epoch % 3 == 0", False),
        ("for epoch in range(10):", "epoch % 2 == 0", True),
        ("for epoch in range(1, 11):", "epoch % 2 == 0", False),
        # the shipped settings: an option's default (deep_rl run_mujoco's shape: 200 iterations, a save
        # every 20 from 180 on)
        ("for epoch in range(args.epochs):", "(epoch + 1) >= 180 and (epoch + 1) % 20 == 0", False),
        ("for epoch in range(args.epochs):", "(epoch + 1) % 30 == 0", True),
        ("for epoch in range(args.epochs):", "args.phase == 'train'", False),
        ("for epoch in range(args.epochs):", "args.phase == 'test'", True),
        ("for epoch in range(args.epochs):", "args.save", True),
        ("for epoch in range(args.epochs):", "not args.no_save", False),
        # a save every epoch by default: whatever the last epoch is
        ("for epoch in epochs:", "epoch % args.every == 0", False),
        ("for epoch in epochs:", "epoch % args.often == 0", True),
    ],
)
def test_known_counts_and_shipped_settings_pick_the_branch(loop, test, reported):
    program = (
        "import argparse\nimport torch\nfrom torch.utils.tensorboard import SummaryWriter\n\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--epochs', type=int, default=200)\n"
        "parser.add_argument('--phase', default='train')\n"
        "parser.add_argument('--save', action='store_true')\n"
        "parser.add_argument('--no_save', action='store_true')\n"
        "parser.add_argument('--every', type=int, default=1)\n"
        "parser.add_argument('--often', type=int, default=2)\n\n\n"
        "def main(args):\n"
        "    writer = SummaryWriter()\n"
        "    model = torch.nn.Linear(2, 1)\n"
        f"    {loop}\n"
        "        writer.add_scalar('loss', 1.0, epoch)\n"
        f"        if {test}:\n"
        "            torch.save(model.state_dict(), 'm.pt')\n\n\n"
        "if __name__ == '__main__':\n"
        "    main(parser.parse_args())\n"
    )
    assert len(lines(CODE, program)) == int(reported)


def test_a_clock_in_a_print_is_quiet():
    """deep_rl's prints show the elapsed time: `time.time()` reads a clock, no work."""
    without_clock = THRESHOLD.replace('        print("Time:", int(time.time() - start))\n', "")
    assert without_clock != THRESHOLD
    assert lines(CODE, without_clock) == lines(CODE, THRESHOLD) == [18]
    slept = THRESHOLD.replace("int(time.time() - start)", "time.sleep(1)")
    assert lines(CODE, slept) == []  # a sleep lets the thread write


def test_formatting_the_elapsed_time_is_quiet():
    """Audit-18 M5: `time.strftime("%H:%M:%S", time.gmtime(...))` formats the elapsed time, as a
    clock read does no work (measured below: the events stay queued)."""
    formatted = THRESHOLD.replace(
        "int(time.time() - start)", 'time.strftime("%H:%M:%S", time.gmtime(time.time() - start))'
    )
    assert formatted != THRESHOLD
    assert lines(CODE, formatted) == [18]
    saved = THRESHOLD.replace("int(time.time() - start)", 'torch.save(policy, time.strftime("%H%M%S") + ".pt")')
    assert lines(CODE, saved) == []  # the save in the same print is work


# -- under torch: what the skipped path leaves queued --------------------------------------------
torch = pytest.importorskip("torch")
tensorboard = pytest.importorskip("torch.utils.tensorboard")


def _queue(writer: object) -> object:
    return writer._get_file_writer().event_writer._async_writer._byte_queue  # type: ignore[attr-defined]


def _drained(queue: object) -> bool:
    start = time.monotonic()
    while queue.qsize() and time.monotonic() - start < 30:  # type: ignore[attr-defined]
        time.sleep(0.001)  # lets go of the interpreter: the thread writes
    time.sleep(0.05)
    return queue.qsize() == 0  # type: ignore[attr-defined]


def test_the_skipped_save_leaves_the_last_events_queued(tmp_path):
    """The tail of SAVE_FREQ's last pass, with no forced switch (an interval of 100 s), as the end
    of a program gives the writer's thread none: where the test is false, the two scalars are
    still queued after it, every time; where it is true, the save gives the thread its turn and
    the queue is empty after it (often: 10 of 10 quiet, 18 of 20 in test_ptl501_tail's measurement
    under load, 4 of 10 once in a loaded full run)."""
    writer = tensorboard.SummaryWriter(str(tmp_path))
    model = torch.nn.Linear(8, 1)
    queue = _queue(writer)
    interval = sys.getswitchinterval()
    after: dict[bool, list[int]] = {False: [], True: []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a warning printed to stderr would be I/O
            for epoch in range(20):
                saves = epoch % 2 == 0
                assert _drained(queue)
                sys.setswitchinterval(100)
                try:
                    writer.add_scalar("train/loss", 1.0, epoch)
                    writer.add_scalar("eval/loss", 2.0, epoch)
                    if saves:
                        torch.save(model.state_dict(), str(tmp_path / f"epoch_{epoch}.pt"))
                    after[saves].append(queue.qsize())  # type: ignore[attr-defined]
                finally:
                    sys.setswitchinterval(interval)
        assert after[False] == [2] * 10
        # how often the save lets the thread drain depends on the machine's load (10 of 10 quiet,
        # 4 of 10 once in the session-8 suite on 2 loaded cores): that it can is what is checked
        assert any(size == 0 for size in after[True])
        assert _drained(queue)
    finally:
        sys.setswitchinterval(interval)
        writer.close()


def test_formatting_a_time_leaves_the_last_events_queued(tmp_path):
    """What `test_formatting_the_elapsed_time_is_quiet` assumes: with no forced switch, formatting
    the elapsed time after the last events gives the writer's thread no turn (10 of 10)."""
    writer = tensorboard.SummaryWriter(str(tmp_path))
    queue = _queue(writer)
    interval = sys.getswitchinterval()
    left = []
    begun = time.time() - 5.0
    try:
        for epoch in range(10):
            assert _drained(queue)
            sys.setswitchinterval(100)
            try:
                writer.add_scalar("train/loss", 1.0, epoch)
                writer.add_scalar("eval/loss", 2.0, epoch)
                shown = "Time: " + time.strftime("%H:%M:%S", time.gmtime(time.time() - begun))
                left.append(queue.qsize())  # type: ignore[attr-defined]
            finally:
                sys.setswitchinterval(interval)
        assert shown.startswith("Time: 00:")
        assert left == [2] * 10
    finally:
        sys.setswitchinterval(interval)
        writer.close()


@pytest.mark.parametrize(("stop", "reported"), [(10, True), (9, False)])
def test_an_event_that_the_last_pass_skips_is_followed_by_that_pass(stop, reported):
    """Logging every other epoch: in range(9) the last pass (8) logs nothing and trains after
    epoch 7's event; in range(10) the last pass (9) logs, and the program ends right after."""
    program = (
        "import torch\nfrom torch.utils.tensorboard import SummaryWriter\n\n"
        "model = torch.nn.Linear(2, 1)\nwriter = SummaryWriter('runs/odd')\n"
        f"for epoch in range({stop}):\n"
        "    loss = model(torch.randn(4, 2)).pow(2).mean()\n    loss.backward()\n"
        "    if epoch % 2 == 1:\n        writer.add_scalar('loss', loss.item(), epoch)\n"
    )
    assert len(lines(CODE, program)) == int(reported)
