"""What verify will run: one case per rule x example x device, and the programs each case needs."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

from pt_lsp.core.examples import Example, Raises, Runtime
from pt_lsp.core.findings import Applicability
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.selection import Selection

from .devices import CPU, CUDA, META_PROXY, Device
from .execute import ProgramJob
from .verdicts import Judgement, judge_static
from .versions import VersionSpecError, satisfies

DEVICE_STRING = {CPU: "cpu", CUDA: "cuda", META_PROXY: "meta"}
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


def wants_comparison(case: Case) -> bool:
    """Safe fixes promise the same results: compare where the example states its outputs."""
    runtime = case.runtime
    return bool(
        case.fix
        and case.fix.text
        and case.fix.applicability == "safe"
        and runtime.outputs
        and runtime.after_fix is None
    )


def _add_jobs(case: Case) -> None:
    runtime, device = case.runtime, DEVICE_STRING[case.device.name]
    probe = runtime.symptom.code if runtime.symptom is not None and not isinstance(runtime.symptom, Raises) else None
    program = ProgramJob(case.example.code, device, probe, runtime.outputs)
    if not case.skip_runtime or (wants_comparison(case) and runtime.reference is None):
        case.jobs["example"] = program  # also the reference when none is stated
    if case.fix and case.fix.text and not case.skip_fixed:
        case.jobs["fixed"] = ProgramJob(case.fix.text, device, probe, runtime.outputs)
        if wants_comparison(case) and runtime.reference is not None:
            case.jobs["reference"] = ProgramJob(runtime.reference, device, None, runtime.outputs)


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
            for device in devices:
                case = _case_for_device(code, rule.name, example, kind, device, static, fix)
                if case is None:
                    continue
                if not_runnable:
                    case.not_runnable = not_runnable
                else:
                    _add_jobs(case)
                cases.append(case)
    return cases


def _case_for_device(code, name, example, kind, device, static, fix) -> Case | None:
    cuda_only = example.runtime.cuda_only
    case = Case(code, name, example, kind, device, static, fix)
    if device.name == META_PROXY:
        if not (cuda_only and kind == BAD):
            return None  # the proxy only stands in for a CUDA symptom; it holds no data to compute with
        case.skip_fixed = "meta tensors hold no data: the fixed program runs on the cpu row"
    elif device.name == CPU and cuda_only and kind == BAD:
        case.skip_runtime = "the symptom needs a CUDA tensor: see the cuda or meta-proxy row"
    return case
