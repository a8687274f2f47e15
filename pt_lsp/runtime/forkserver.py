"""Fast isolation: a server process imports torch once, then forks one fresh child per program.

Importing torch costs about a second, far more than an example runs; forking a process that has
only imported torch gives each program a fresh process for a few milliseconds. CUDA stays
usable in the children because the server never initialises it. Where ``os.fork`` is missing,
``execute.run_program`` (a new interpreter per program) is used instead.

Protocol, one JSON object per line. Controller -> server: ``{"id", "job", "workdir", "result"}``.
Server -> controller: ``{"ready"}`` once, then ``{"id", "pid"}`` when a child is forked and
``{"id", "exit"}`` when it ended.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import IO

from .execute import Observation, ProgramJob, child_environment, observation_from_result

_START_TIMEOUT = 300.0  # importing torch on a cold disk can be slow
_LOG = "output.log"


# -- server side (a process of its own) -----------------------------------------------------------
def _send(message: dict) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _child(request: dict, harness) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        os.setsid()  # its own process group, so that a timeout kills what it started too
        os.chdir(request["workdir"])
        log = os.open(_LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)  # the protocol pipe must never see the example's output
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        result = harness.run(request["job"])
        partial = request["result"] + ".partial"
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(result, out)
        os.replace(partial, request["result"])
    except BaseException:
        traceback.print_exc()
        code = 70
    finally:
        os._exit(code)


def serve() -> None:
    import importlib

    import torch  # noqa: F401  the whole point: imported once, before any fork

    # Imports only, no tensor work: building an optimizer imports torch._dynamo lazily (~1 s).
    for name in ("numpy", "torch.optim", "torch._dynamo"):
        try:
            importlib.import_module(name)
        except Exception:
            pass
    from . import harness

    _send({"ready": True})
    children: dict[int, int] = {}  # pid -> request id
    pending, listening = b"", True
    while listening or children:
        readable, _, _ = select.select([0] if listening else [], [], [], 0.02)
        if readable:
            data = os.read(0, 1 << 16)
            if not data:  # the controller is gone: nobody wants the results
                listening = False
                for pid in children:
                    _kill_group(pid)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request, harness)
                children[pid] = request["id"]
                _send({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid in children:
                _send({"id": children.pop(pid), "exit": os.waitstatus_to_exitcode(status)})


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# -- controller side (in the verify process) ------------------------------------------------------
class ForkServerError(RuntimeError):
    pass


class _Pending:
    def __init__(self) -> None:
        self.pid: int | None = None
        self.exit: int | None = None
        self.forked = threading.Event()
        self.exited = threading.Event()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    """One of the server's pipes (it is started with all three)."""
    if stream is None:
        raise ForkServerError("the fork server has no pipe")
    return stream


class ForkServer:
    """Runs programs in children forked from one torch-importing server; thread-safe."""

    def __init__(self) -> None:
        self._workdir = tempfile.TemporaryDirectory(prefix="pt-lsp-verify-")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pt_lsp.runtime.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self._workdir.name,
            env=child_environment(),
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count()
        self._dead = ""
        ready = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(ready,), daemon=True)
        self._reader.start()
        if not ready.wait(_START_TIMEOUT) or self._dead:
            self.close()
            raise ForkServerError(self._dead or "the fork server did not start")

    def _read(self, ready: threading.Event) -> None:
        for line in _pipe(self._process.stdout):
            message = json.loads(line)
            if message.get("ready"):
                ready.set()
                continue
            with self._lock:
                pending = self._pending.get(message["id"])
            if pending is None:
                continue
            if "pid" in message:
                pending.pid = message["pid"]
                pending.forked.set()
            else:
                pending.exit = message["exit"]
                pending.exited.set()
        stderr = _pipe(self._process.stderr).read().decode(errors="replace").strip().splitlines()
        self._dead = "the fork server died" + (f": {stderr[-1]}" if stderr else "")
        ready.set()
        with self._lock:
            for pending in self._pending.values():
                pending.forked.set()
                pending.exited.set()

    def run(self, job: ProgramJob, timeout: float) -> Observation:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="pt-lsp-example-") as workdir:
            result = Path(workdir) / "result.json"
            pending, ident = _Pending(), next(self._ids)
            request = {"id": ident, "job": job.__dict__, "workdir": workdir, "result": str(result)}
            with self._lock:
                self._pending[ident] = pending
                try:
                    stdin = _pipe(self._process.stdin)
                    stdin.write((json.dumps(request) + "\n").encode())
                    stdin.flush()
                except OSError:
                    self._dead = self._dead or "the fork server is gone"
            try:
                return self._await(pending, result, Path(workdir) / _LOG, timeout, started)
            finally:
                with self._lock:
                    self._pending.pop(ident, None)

    def _await(self, pending: _Pending, result: Path, log: Path, timeout: float, started: float) -> Observation:
        pending.forked.wait(_START_TIMEOUT)
        if pending.pid is None:
            return Observation("crashed", time.monotonic() - started, problem=self._dead or "no child was forked")
        if not pending.exited.wait(max(0.0, timeout - (time.monotonic() - started))):
            _kill_group(pending.pid)
            pending.exited.wait(10)
            return Observation("timeout", time.monotonic() - started, problem=f"timed out after {timeout:g} s")
        seconds = time.monotonic() - started
        if pending.exit == 0 and result.exists():
            return observation_from_result(json.loads(result.read_text(encoding="utf-8")), seconds)
        tail = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
        reason = self._dead if pending.exit is None else f"exit {pending.exit}"
        return Observation(
            "crashed", seconds, problem=f"the example process died ({reason}): {tail[-1] if tail else 'no output'}"
        )

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            _kill_group(self._process.pid)
            self._process.wait()
        self._workdir.cleanup()

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    serve()
