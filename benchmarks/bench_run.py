"""What `pt-lsp run`'s checks cost on small real training loops (CPU): an MLP classifier, an LSTM
language model (truncated BPTT) and DCGAN steps, each run plain and under the checker, runs
alternated in one process (torch imported once; best of N). Target: the default checks within
1.5x of the plain run; the opt-in checks (PTL102's corruption, PTL403) are measured beside them.

    python benchmarks/bench_run.py [--runs N] [--steps-scale F] [--output FILE]

Settings: the default checks with the cross-check (static pass of the script, line coverage of its
static findings), the default checks without it (--no-crosscheck), and the default checks plus
the opt-in ones (PTL102's saved-tensor hooks, PTL403's snapshots).
"""

from __future__ import annotations

import argparse
import os
import platform
import runpy
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from pt_lsp.core.selection import Selection
from pt_lsp.runtime.run.session import Program, run

MLP = """
import torch
from torch import nn

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
data = torch.randn(STEPS, 32, 64)
labels = torch.randint(0, 10, (STEPS, 32))
for x, y in zip(data, labels):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    accuracy = (model(data[0]).argmax(1) == labels[0]).float().mean().item()
"""

LSTM = """
import torch
from torch import nn


class LanguageModel(nn.Module):
    def __init__(self, vocab=100, size=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, size)
        self.lstm = nn.LSTM(size, size, batch_first=True)
        self.out = nn.Linear(size, vocab)

    def forward(self, tokens, state):
        output, state = self.lstm(self.embed(tokens), state)
        return self.out(output), state


model = LanguageModel()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
criterion = nn.CrossEntropyLoss()
stream = torch.randint(0, 100, (8, 20 * STEPS + 1))
state = (torch.zeros(1, 8, 64), torch.zeros(1, 8, 64))
for i in range(0, 20 * STEPS, 20):
    state = tuple(s.detach() for s in state)
    inputs, targets = stream[:, i : i + 20], stream[:, i + 1 : i + 21]
    logits, state = model(inputs, state)
    loss = criterion(logits.reshape(-1, 100), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
"""

DCGAN = """
import torch
from torch import nn

G = nn.Sequential(
    nn.ConvTranspose2d(32, 64, 4, 1, 0), nn.BatchNorm2d(64), nn.ReLU(),
    nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh(),
)
D = nn.Sequential(
    nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
    nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
    nn.Conv2d(64, 1, 4, 1, 0), nn.Flatten(),
)
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
for step in range(STEPS):
    real = torch.randn(16, 1, 16, 16)
    fake = G(torch.randn(16, 32, 1, 1))
    d_loss = bce(D(real), torch.ones(16, 1)) + bce(D(fake.detach()), torch.zeros(16, 1))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    g_loss = bce(D(fake), torch.ones(16, 1))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
"""

LOOPS = {"mlp": (MLP, 400), "lstm-lm": (LSTM, 60), "dcgan": (DCGAN, 40)}


def _plain(path: str) -> None:
    runpy.run_path(path, run_name="__main__")


def _checked(crosscheck: bool, extra: tuple[str, ...] = ()) -> Callable[[str], None]:
    selection = Selection.of(["PTL", *extra]) if extra else Selection()

    def checked(path: str) -> None:
        result = run(Program(path), selection, explicit=extra, crosscheck=crosscheck)
        assert result.exception is None and not result.findings, (result.exception, result.findings)

    return checked


def _time(action: Callable[[str], None], path: str, clock: Callable[[], float]) -> float:
    started = clock()
    action(path)
    return clock() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps-scale", type=float, default=1.0)
    parser.add_argument("--output", type=Path, help="also write the table here")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: this process's CPU time (default; steady on a shared machine, and equal to the wall "
        "time of a one-thread run on an idle one); wall: elapsed time",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # the shared 2-core machine: one thread is steadier
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    warnings.simplefilter("ignore")
    settings: dict[str, Callable[[str], None]] = {
        "plain": _plain,
        "checked": _checked(True),
        "no-crosscheck": _checked(False),
        "opt-in too": _checked(True, ("PTL102", "PTL403")),
    }
    lines = [
        f"pt-lsp run overhead, torch {torch.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, 1 thread, best of {args.runs} ({args.clock} seconds; ratio to plain)",
        f"{'loop':10} " + " ".join(f"{name:>16}" for name in settings),
    ]
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="pt-lsp-bench-run-") as folder:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            for name, (source, steps) in LOOPS.items():
                path = str(Path(folder) / f"{name}.py")
                Path(path).write_text(source.replace("STEPS", str(max(1, int(steps * args.steps_scale)))))
                best = {setting: float("inf") for setting in settings}
                _plain(path)  # warm-up: first-call costs of torch's kernels
                for _ in range(args.runs):
                    for setting, action in settings.items():  # alternated: drifts hit every setting alike
                        torch.manual_seed(0)
                        best[setting] = min(best[setting], _time(action, path, clock))
                plain = best["plain"]
                cells = [f"{best[s]:7.3f} ({best[s] / plain:4.2f}x)" for s in settings]
                worst = max(worst, best["checked"] / plain)
                lines.append(f"{name:10} " + " ".join(f"{cell:>16}" for cell in cells))
        finally:
            os.chdir(cwd)
    lines.append(f"worst default (checked) ratio: {worst:.2f}x (target 1.5x)")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
