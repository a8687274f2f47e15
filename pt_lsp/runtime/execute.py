"""The parent side: runs one program in a fresh interpreter, with a timeout, and reads its result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .harness import RESULT_MARKER

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding pt_lsp/


@dataclass(frozen=True)
class ProgramJob:
    source: str
    device: str  # the torch device string: "cpu", "cuda" or "meta"
    probe: str | None = None
    outputs: str = ""
    seed: int = 0


@dataclass
class Observation:
    """What one run showed. ``status``: ran | timeout | crashed (the harness itself failed)."""

    status: str
    seconds: float = 0.0
    completed: bool = False
    exception: dict | None = None  # type, mro, message, line, lines
    warnings: list[dict] = field(default_factory=list)
    probe: dict | None = None  # symptom, error
    outputs: object = None
    outputs_error: str | None = None
    stdout: str = ""
    problem: str = ""  # why there is no result (timeout, crash)

    def to_json(self) -> dict:
        data = {
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "completed": self.completed,
            "exception": self.exception,
            "warnings": self.warnings,
            "probe": self.probe,
        }
        if self.problem:
            data["problem"] = self.problem
        return data


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    env.setdefault("OMP_NUM_THREADS", "1")  # parallel jobs must not oversubscribe the cores
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the whole group: an example may start children
    except (ProcessLookupError, PermissionError):
        process.kill()


def run_program(job: ProgramJob, timeout: float) -> Observation:
    payload = json.dumps(job.__dict__)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pt-lsp-verify-") as workdir:  # files an example writes
        process = subprocess.Popen(
            [sys.executable, "-m", "pt_lsp.runtime.harness"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=child_environment(),
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(payload, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            return Observation("timeout", time.monotonic() - started, problem=f"timed out after {timeout:g} s")
    seconds = time.monotonic() - started
    return _read_result(stdout, stderr, process.returncode, seconds)


def _read_result(stdout: str, stderr: str, returncode: int, seconds: float) -> Observation:
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if not lines:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        return Observation("crashed", seconds, problem=f"the example process died (exit {returncode}): {tail}")
    return observation_from_result(json.loads(lines[-1][len(RESULT_MARKER) :]), seconds)


def observation_from_result(data: dict, seconds: float) -> Observation:
    """The Observation of a harness result (``harness.run``'s dict)."""
    return Observation(
        "ran",
        seconds,
        completed=data["completed"],
        exception=data["exception"],
        warnings=data["warnings"],
        probe=data["probe"],
        outputs=data["outputs"],
        outputs_error=data["outputs_error"],
        stdout=data.get("stdout", ""),
    )
