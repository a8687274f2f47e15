"""Runs the user's program in this process, like ``python script.py`` or ``python -m module``,
with the runtime checks installed, and gives back what happened."""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys
import traceback
from dataclasses import dataclass, field
from typing import TextIO

from pt_lsp.core.selection import Selection

from ..devices import FAKE_CUDA, PROXY_BLIND_SPOTS, PROXY_DESCRIPTION
from ..fake_cuda import fake_cuda
from .checks import CHECKS, Check
from .checks.errors import ErrorCheck
from .crosscheck import Coverage, CrossCheck, compare
from .frames import UserCode
from .recorder import Recorder, RuntimeFinding, StopOnFinding


class ProgramNotFound(Exception):
    """The script or module does not exist (python's own "can't open file" / "No module named")."""


@dataclass(frozen=True)
class Program:
    script: str | None = None  # a path, or
    module: str | None = None  # a module name (-m)
    args: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"-m {self.module}" if self.module else str(self.script)


@dataclass
class RunResult:
    program: Program
    main_file: str
    exit_code: int = 0
    exception: BaseException | None = None  # raised by the program (not SystemExit)
    stopped: RuntimeFinding | None = None  # --fail-fast stopped the program at this finding
    findings: list[RuntimeFinding] = field(default_factory=list)
    crosscheck: CrossCheck = field(default_factory=CrossCheck)
    checked: set[str] = field(default_factory=set)  # rule codes the installed checks report
    notes: list[str] = field(default_factory=list)


def main_file(program: Program) -> str:
    if program.script is not None:
        if not os.path.isfile(program.script):
            raise ProgramNotFound(f"can't open file {os.path.abspath(program.script)!r}: no such file")
        return os.path.abspath(program.script)
    assert program.module is not None
    try:
        spec = importlib.util.find_spec(program.module)
        if spec is not None and spec.submodule_search_locations is not None:  # a package: its __main__
            spec = importlib.util.find_spec(program.module + ".__main__")
    except (ImportError, ValueError) as error:
        raise ProgramNotFound(f"No module named {program.module!r} ({error})") from None
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        raise ProgramNotFound(f"No module named {program.module!r}")
    return os.path.abspath(spec.origin)


def selected_checks(selection: Selection, explicit: tuple[str, ...]) -> list[type[Check]]:
    """The checks whose rules are enabled; an opt-in check only when one of its codes is named
    exactly in ``--select``."""
    chosen = []
    for check in CHECKS:
        codes = [code for code in check.codes if selection.enabled(code)]
        if codes and (not check.opt_in or any(code in explicit for code in codes)):
            chosen.append(check)
    return chosen


def run(
    program: Program,
    selection: Selection | None = None,
    explicit: tuple[str, ...] = (),
    fail_fast: bool = False,
    crosscheck: bool = True,
    device: str | None = None,
) -> RunResult:
    """Run ``program`` under the checks. Never raises for the program's own errors: they are in
    the result (``exception``, ``exit_code``)."""
    selection = selection or Selection()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    # python puts the script's folder (with -m: the working directory) first on sys.path
    sys.path.insert(0, os.getcwd() if program.module else os.path.dirname(os.path.abspath(program.script or ".")))
    try:
        path = main_file(program)
    except ProgramNotFound:
        sys.path[:] = saved_path
        raise
    result = RunResult(program, path)
    user = UserCode((path,))
    user.boundary.add(_execute.__code__)
    recorder = Recorder(user, selection, fail_fast)
    coverage = Coverage(user, selection)
    if crosscheck:
        coverage.lint(path)
    checks = [check(recorder) for check in selected_checks(selection, explicit)]
    installed: list[Check] = []
    try:
        for check in checks:
            try:
                check.install()
            except Exception as error:  # this torch lacks a hook: the other checks still run
                check.remove()
                recorder.notes.append(f"{', '.join(check.codes)} not checked: {type(error).__name__}: {error}")
                continue
            installed.append(check)
        sys.argv = [program.script or path, *program.args]  # runpy sets argv[0] of -m itself
        if crosscheck:
            coverage.start()
        if device == FAKE_CUDA:
            recorder.notes.append(f"--device {FAKE_CUDA}: {PROXY_DESCRIPTION}; it cannot see {PROXY_BLIND_SPOTS}")
            with fake_cuda():
                _execute(program, path, result)
        else:
            _execute(program, path, result)
    finally:
        coverage.stop()
        for check in installed:
            try:
                check.finish()
            except StopOnFinding as stop:
                result.stopped = result.stopped or stop.finding
            except Exception as error:  # a bug of ours costs its check's findings at exit, not the report
                recorder.notes.append(f"internal error in {type(check).__name__}: {type(error).__name__}: {error}")
        for check in reversed(installed):
            check.remove()
        sys.argv = saved_argv
        sys.path[:] = saved_path
    result.checked = {code for check in installed for code in check.codes if selection.enabled(code)}
    recorder.fail_fast = False  # the program has stopped already
    if result.exception is not None:
        for check in installed:
            if isinstance(check, ErrorCheck):
                check.explain(result.exception)
    result.findings = recorder.ordered()
    result.notes = recorder.notes
    if crosscheck:
        result.crosscheck = compare(coverage, result.findings, result.checked)
    return result


def _execute(program: Program, path: str, result: RunResult) -> None:
    try:
        if program.module is not None:
            runpy.run_module(program.module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(path, run_name="__main__")
    except SystemExit as exit_:
        result.exit_code = _exit_code(exit_.code)
    except StopOnFinding as stop:
        result.stopped = stop.finding
        result.exit_code = 1
    except BaseException as error:  # the program's own exception: kept, reported after the report
        result.exception = error
        result.exit_code = 130 if isinstance(error, KeyboardInterrupt) else 1


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what python does with sys.exit("message")
    return 1


def print_exception(error: BaseException, stream: TextIO | None = None) -> None:
    """The traceback python would print: without the runner's frames (pt-lsp's, runpy's)."""
    report = traceback.TracebackException(type(error), error, error.__traceback__)
    _trim(report, set())
    print("".join(report.format()), end="", file=stream or sys.stderr)


def _trim(report: traceback.TracebackException, seen: set[int]) -> None:
    if id(report) in seen:
        return
    seen.add(id(report))
    ours = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    kept = [
        frame
        for frame in report.stack
        if not frame.filename.startswith((ours + os.sep, "<frozen runpy>")) and frame.filename != runpy.__file__
    ]
    report.stack = traceback.StackSummary.from_list(kept)
    for chained in (report.__cause__, report.__context__):
        if chained is not None:
            _trim(chained, seen)
