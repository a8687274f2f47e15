"""What verify will run: one case per rule x example x device, and the programs each case needs."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

from pt_lsp.core.examples import Example, Probe, Runs, Runtime
from pt_lsp.core.findings import Applicability
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

from .devices import CPU, CUDA, FAKE_CUDA, Device
from .execute import ProgramJob
from .verdicts import Judgement, judge_static
from .versions import VersionSpecError, satisfies

DEVICE_STRING = {CPU: "cpu", CUDA: "cuda", FAKE_CUDA: "fake-cuda"}
BAD, GOOD = "bad", "good"


@dataclass(frozen=True)
class FixPlan:
    """The preferred fixes applied to a bad example (``text`` None: no automatic fix)."""

    text: str | None
    applicability: str | None = None  # safe when every applied fix is safe, else unsafe
    problem: str = ""  # the fixer reported an error
    reason: str = ""  # why there is no automatic fix (e.g. "display-only")


@dataclass
class Case:
    code: str
    rule_name: str
    example: Example
    kind: str
    device: Device
    static: Judgement
    fix: FixPlan | None  # bad examples only
    skip_runtime: str = ""  # why the example's run is not judged here
    skip_fixed: str = ""
    not_runnable: str = ""  # nothing runs at all (version range, missing module)
    problem: str = ""  # the example's declaration is unusable: an error row
    jobs: dict[str, ProgramJob] = field(default_factory=dict)  # role -> program

    @property
    def runtime(self):
        return self.example.runtime


def plan_fix(code: str, example: Example) -> FixPlan:
    outcome = fix_source(example.code, path=f"<{code} example>", selection=Selection.of([code]), unsafe=True)
    if outcome.errors and outcome.text == example.code:
        return FixPlan(None, problem="; ".join(outcome.errors))
    if not outcome.fixed or outcome.text == example.code:
        shown = any(f.fix is not None and f.code == code for f in outcome.remaining)
        return FixPlan(None, reason="display-only" if shown else "")
    safe = all(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in outcome.fixed)
    return FixPlan(outcome.text, "safe" if safe else "unsafe", "; ".join(outcome.errors))


def _not_runnable(runtime: Runtime, torch_version: str) -> str:
    if runtime.torch:
        try:
            if not satisfies(torch_version, runtime.torch):
                return f"the behaviour holds for torch {runtime.torch}; installed {torch_version}"
        except VersionSpecError as exc:
            return f"invalid torch range: {exc}"
    missing = [name for name in runtime.needs if importlib.util.find_spec(name.split(".")[0]) is None]
    return f"needs {', '.join(missing)} (not installed)" if missing else ""


def problem_of(code: str, example: Example) -> str:
    """What makes an example's declaration unusable by verify ("" when it is fine)."""
    runtime, bad = example.runtime, example.is_bad_for(code)
    if runtime is None:
        return ""
    if example.static_only:
        return "declares both a runtime and static_only"
    if bad and runtime.symptom is None:
        return "a bad example states its symptom (Raises, Probe, or Runs for a deprecated spelling)"
    if isinstance(runtime.symptom, Runs) and not runtime.outputs:
        return "a bad example that Runs must state its outputs, for the fix to be compared"
    return ""


def wants_comparison(case: Case) -> bool:
    """A fix that runs cleanly is compared with the intended program where the example states its
    outputs: safe fixes must keep the meaning, unsafe ones must compute what the reference does."""
    return bool(case.fix and case.fix.text and case.runtime.outputs and case.runtime.after_fix is None)


def _add_jobs(case: Case) -> None:
    runtime, device, example = case.runtime, DEVICE_STRING[case.device.name], case.example
    probe = runtime.symptom.code if isinstance(runtime.symptom, Probe) else None
    program = ProgramJob(example.program(), device, probe, runtime.outputs)
    if not case.skip_runtime or (wants_comparison(case) and runtime.reference is None):
        case.jobs["example"] = program  # also the reference when none is stated
    if case.fix and case.fix.text and not case.skip_fixed:
        case.jobs["fixed"] = ProgramJob(example.program(case.fix.text), device, probe, runtime.outputs)
        if wants_comparison(case) and runtime.reference is not None:
            case.jobs["reference"] = ProgramJob(example.program(runtime.reference), device, None, runtime.outputs)
        elif wants_comparison(case) and runtime.cuda_only and device != "cpu":
            # The symptom needs CUDA and the program runs cleanly on the CPU: what it computes
            # there is what the fixed program must compute on CUDA.
            case.jobs["reference"] = ProgramJob(example.program(), "cpu", None, runtime.outputs)


def plan_cases(rules: dict, devices: list[Device], torch_version: str) -> list[Case]:
    cases: list[Case] = []
    for code, rule in rules.items():
        for example in rule.examples:
            if example.runtime is None:
                continue  # a fragment, not a program
            kind = BAD if example.is_bad_for(code) else GOOD
            static = judge_static(code, example)
            fix = plan_fix(code, example) if kind == BAD else None
            not_runnable = _not_runnable(example.runtime, torch_version)
            problem = problem_of(code, example)
            for device in devices:
                case = _case_for_device(code, rule.name, example, kind, device, static, fix)
                if case is None:
                    continue
                if problem:
                    case.problem = problem
                elif not_runnable:
                    case.not_runnable = not_runnable
                else:
                    _add_jobs(case)
                cases.append(case)
    return cases


def uses_cuda(example: Example) -> bool:
    return "cuda" in example.code


def _case_for_device(code, name, example, kind, device, static, fix) -> Case | None:
    cuda_only = example.runtime.cuda_only
    case = Case(code, name, example, kind, device, static, fix)
    if device.name == FAKE_CUDA and not uses_cuda(example):
        return None  # the proxy differs from the CPU only where a program asks for CUDA
    if device.name == CPU and cuda_only and kind == BAD:
        # On the CPU the program must run cleanly (the claim is that the symptom needs CUDA); its
        # fix is judged where the symptom shows, on the cuda or fake-cuda row.
        case.skip_fixed = "the symptom needs CUDA: the fix is judged on the cuda or fake-cuda row"
    return case
