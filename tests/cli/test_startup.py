"""Issue 15: what `pt-lsp check` imports, and that its worker processes die with it.

Real subprocesses: the import list of a fresh interpreter and a killed process tree cannot be
seen from inside the test process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

HEAVY = ("pygls", "lsprotocol", "torch")
PROBE = """
import sys
from pt_lsp.cli import main
code = main(sys.argv[1:])
print("MODULES", " ".join(sorted(sys.modules)))
"""


def modules_after(tmp_path, *args: str) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    line = next(line for line in run.stdout.splitlines() if line.startswith("MODULES "))
    return set(line.split()[1:])


def test_check_imports_neither_the_server_nor_torch(tmp_path):
    (tmp_path / "a.py").write_text("import torch\ny = torch.ones(2).cuda().numpy()\n")
    for args in (["check", "a.py", "--no-cache"], ["check", "a.py", "--output-format", "json"], ["rule", "PTL201"]):
        loaded = modules_after(tmp_path, *args)
        assert not [m for m in loaded if m.split(".")[0] in HEAVY], args


def test_a_run_answered_from_the_cache_loads_no_rule(tmp_path):
    (tmp_path / "a.py").write_text("import torch\ny = torch.ones(2).cuda().numpy()\n")
    cold = modules_after(tmp_path, "check", "a.py")
    assert "pt_lsp.core.engine" in cold
    warm = modules_after(tmp_path, "check", "a.py")
    assert not [m for m in warm if m.startswith(("pt_lsp.rules", "pt_lsp.core.engine", "concurrent.futures"))]


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_a_killed_fix_run(tmp_path, how):
    body = "".join(f"def f{i}(x):\n    y = x.numpy()\n    return y.data\n" for i in range(150))
    for index in range(48):
        (tmp_path / f"m{index}.py").write_text(body)
    process = subprocess.Popen(
        [sys.executable, "-m", "pt_lsp", "check", "--fix", "--unsafe-fixes", "--jobs", "2", "--no-cache", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= children(process.pid)
        time.sleep(0.01)
    assert workers, "the run ended before its workers could be seen: make the files bigger"
    process.send_signal(how)
    process.wait(30)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".pt-lsp-tmp")]
