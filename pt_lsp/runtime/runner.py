"""Runs the planned programs in parallel subprocesses and turns them into report rows."""

from __future__ import annotations

import os
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

from pt_lsp.core.examples import Runs
from pt_lsp.core.rule import all_rules
from pt_lsp.core.selection import Selection

from .compare import difference
from .devices import CPU, CUDA, Device, TorchInfo, plan_devices, torch_info
from .execute import Observation, ProgramJob, run_program
from .forkserver import ForkServer, ForkServerError
from .plan import BAD, Case, plan_cases, plan_fix, wants_comparison
from .progress import Progress
from .verdicts import Judgement, Verdict, confirmed, error, judge_run, refuted, skipped

DEFAULT_TIMEOUT = 60.0
SAFE_FIX_RAISES = "the safe fix makes the program raise"


@dataclass
class Row:
    case: Case
    runtime: Judgement
    fixed_runtime: Judgement | None  # None: a good example has no fix to run
    outputs_match: bool | None = None  # None: the fixed program's outputs were not compared
    observed: Observation | None = None
    fixed_observed: Observation | None = None

    @property
    def agree(self) -> bool | None:
        """Static, runtime and fixed verdicts all confirm; None where the runtime was not judged."""
        verdicts = [self.case.static.verdict, self.runtime.verdict]
        if self.fixed_runtime is not None:
            verdicts.append(self.fixed_runtime.verdict)
        if any(v in (Verdict.REFUTED, Verdict.ERROR) for v in verdicts):
            return False
        return None if self.runtime.verdict is Verdict.SKIPPED else True


@dataclass
class Report:
    torch: TorchInfo
    devices: list[Device]
    rows: list[Row] = field(default_factory=list)
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> {bad, good}
    proof: dict[str, int] = field(default_factory=dict)  # how much of the examples the runs proved
    static_only: list[tuple[str, str, str]] = field(default_factory=list)  # code, title, reason

    @property
    def failed(self) -> bool:
        return any(row.agree is False for row in self.rows)


def select_rules(codes: list[str] | None) -> dict:
    rules = all_rules()
    if not codes:
        return rules
    selection = Selection.of(codes)
    return {code: rule for code, rule in rules.items() if selection.enabled(code)}


def default_isolation(devices: list[Device] | None = None) -> str:
    # fork after importing torch is well trodden on Linux; macOS and Windows get a new interpreter.
    # With a GPU in the plan every program is spawned: a process that has touched CUDA must never
    # be forked, and spawning makes that true whatever the server process did.
    if any(device.name == CUDA for device in devices or ()):
        return "spawn"
    return "fork" if sys.platform.startswith("linux") and hasattr(os, "fork") else "spawn"


def run_jobs(
    cases: list[Case], jobs: int, timeout: float, isolation: str, progress: TextIO | None = None
) -> dict[ProgramJob, Observation]:
    """Run every program the cases need once; ``progress`` (a stream) hears as each rule finishes."""
    owner: dict[ProgramJob, str] = {}
    for case in cases:
        for job in case.jobs.values():
            owner.setdefault(job, case.code)
    pending = Counter({case.code: 0 for case in cases})  # a rule with nothing to run is said so
    pending.update(owner.values())
    tracker = Progress(progress, pending)
    if not owner:
        tracker.close()
        return {}
    server = None
    if isolation == "fork":
        try:
            server = ForkServer()
        except ForkServerError:
            server = None  # fall back to a new interpreter per program
    run = server.run if server else run_program

    def one(job: ProgramJob) -> Observation:
        observation = run(job, timeout)
        tracker.finished(owner[job])
        return observation

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return dict(zip(owner, pool.map(one, owner)))
    finally:
        tracker.close()
        if server:
            server.close()


def verify(
    codes: list[str] | None = None,
    device: str = "all",
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    info: TorchInfo | None = None,
    isolation: str | None = None,
    progress: TextIO | None = None,
) -> Report:
    """Run the examples of the rules matching ``codes`` (all rules: None) on ``device``
    (cpu | cuda | all). ``isolation``: fork (a child of a torch-importing server per program) or
    spawn (a new interpreter per program); default fork on Linux."""
    info = info or torch_info()
    rules = select_rules(codes)
    report = Report(info, plan_devices(device, info))
    cases = plan_cases(rules, report.devices, info.version)
    isolation = isolation or default_isolation(report.devices)
    observed = run_jobs(cases, jobs or os.cpu_count() or 1, timeout, isolation, progress)
    report.rows = [judge_case(case, observed) for case in cases]
    for code, rule in rules.items():
        runnable = [e for e in rule.examples if e.runtime is not None]
        bad = sum(1 for e in runnable if e.is_bad_for(code))
        report.coverage[code] = {"bad": bad, "good": len(runnable) - bad}
    report.proof = _proof(rules, report.rows)
    report.static_only = [
        (code, e.title, e.static_only) for code, rule in rules.items() for e in rule.examples if e.static_only
    ]
    return report


def _declared_failure_seen(row: Row) -> bool:
    after_fix = row.case.runtime.after_fix if row.case.runtime else None
    verdict = row.fixed_runtime.verdict if row.fixed_runtime else None
    return after_fix is not None and row.fixed_observed is not None and verdict is Verdict.CONFIRMED


def _proof(rules: dict, rows: list[Row]) -> dict[str, int]:
    """Counted per bad example (not per row): how many ran, have a fix, had it run and compared."""
    ran, fixed_ran, compared = set(), set(), set()
    for row in rows:
        key = (row.case.code, id(row.case.example))
        if row.case.kind == BAD and row.observed is not None and row.runtime.verdict is not Verdict.SKIPPED:
            ran.add(key)
        if row.fixed_observed is not None:
            fixed_ran.add(key)
        if row.outputs_match is not None or _declared_failure_seen(row):
            compared.add(key)  # with the intended program's outputs, or with the failure it declares
    bad = [(code, example) for code, rule in rules.items() for example in rule.examples if example.is_bad_for(code)]
    # The fixes planned for the runs are reused; only examples that did not run are fixed here.
    planned = {(row.case.code, id(row.case.example)): row.case.fix for row in rows if row.case.fix is not None}

    def has_fix(code: str, example) -> bool:
        fix = planned.get((code, id(example))) or plan_fix(code, example)
        return fix.text is not None

    # A static-only example cannot run its fix either: it is counted under static_only.
    fixes = sum(1 for code, example in bad if not example.static_only and has_fix(code, example))
    return {
        "bad_examples": len(bad),
        "bad_run": len(ran),
        "static_only": sum(1 for _, example in bad if example.static_only),
        "fixes": fixes,
        "fixes_run": len(fixed_ran),
        "fixes_compared": len(compared),
        "skipped": sum(1 for row in rows if row.runtime.verdict is Verdict.SKIPPED),
    }


def _expected_lines(case: Case) -> set[int]:
    symptom = case.runtime.symptom
    if getattr(symptom, "line", None):
        return {symptom.line}
    return {line for line, code in case.example.expected if code == case.code}


def _expects_symptom(case: Case) -> bool:
    """The bad program must show its symptom here (not a deprecated spelling that Runs, nor a
    CUDA symptom on the CPU, where the program must run cleanly)."""
    symptom = case.runtime.symptom
    if case.kind != BAD or symptom is None or isinstance(symptom, Runs):
        return False
    return not (case.runtime.cuda_only and case.device.name == CPU)


def judge_case(case: Case, observed: dict[ProgramJob, Observation]) -> Row:
    if case.problem:
        problem = error(f"the example's declaration: {case.problem}")
        return Row(case, problem, problem if case.kind == BAD else None)
    if case.not_runnable:
        reason = skipped(case.not_runnable)
        return Row(case, reason, reason if case.kind == BAD else None)
    example_job = case.jobs.get("example")
    example_run = observed.get(example_job) if example_job is not None else None
    runtime = case.runtime
    if case.skip_runtime:
        verdict = skipped(case.skip_runtime)
    else:
        assert example_run is not None  # a case judged at run time has run its example
        verdict = judge_run(runtime.symptom, example_run, _expects_symptom(case), _expected_lines(case))
        if case.kind == BAD and runtime.cuda_only and case.device.name == CPU and verdict.verdict is Verdict.CONFIRMED:
            verdict = confirmed(f"runs cleanly on the CPU (the symptom needs CUDA): {verdict.detail}")
    row = Row(case, verdict, None, observed=example_run)
    if case.kind == BAD:
        row.fixed_runtime = _judge_fixed(case, observed, row)
    return row


def _judge_fixed(case: Case, observed: dict[ProgramJob, Observation], row: Row) -> Judgement:
    fix = case.fix
    if case.skip_fixed:
        return skipped(case.skip_fixed)
    stated = case.example.fixed
    if fix is None or fix.text is None:
        if fix and fix.problem:
            return error(f"the fixer failed: {fix.problem}")
        if stated is not None and stated != case.example.code:
            return refuted("the example states a fixed source, but the fixer produced no fix")
        return skipped(f"no automatic fix ({fix.reason})" if fix and fix.reason else "no automatic fix")
    if stated is not None and fix.text != stated:
        return refuted("the fixer's output differs from the example's fixed source")
    run = row.fixed_observed = observed[case.jobs["fixed"]]
    runtime = case.runtime
    if runtime.after_fix is not None:
        judgement = judge_run(runtime.after_fix, run, expect_symptom=True)
        if fix.applicability == "safe" and judgement.verdict is Verdict.CONFIRMED:
            # Declared, but a user must see it: a fix labelled safe makes this program raise.
            return confirmed(f"{SAFE_FIX_RAISES}, as declared: {judgement.detail}")
        return judgement
    judgement = judge_run(runtime.symptom, run, expect_symptom=False)
    if judgement.verdict is Verdict.CONFIRMED and not runtime.outputs:
        return confirmed(f"{judgement.detail}; outputs not compared (the example states none)")
    if judgement.verdict is not Verdict.CONFIRMED or not wants_comparison(case):
        return judgement
    return _compare_with_reference(case, observed, run, row, judgement)


def _compare_with_reference(case: Case, observed, run: Observation, row: Row, judgement: Judgement) -> Judgement:
    """The fixed program's verdict once its outputs are compared with the intended program's."""
    role = "reference" if "reference" in case.jobs else "example"
    reference = observed[case.jobs[role]]
    name = "the reference program" if role == "reference" else "the example"
    if reference.status != "ran":
        return error(f"{name}: {reference.problem}")
    if not reference.completed:
        if role == "example":  # it raises: nothing to compare against without a stated reference
            return confirmed(f"{judgement.detail}; outputs not compared (no reference program)")
        return error(f"{name} raised {reference.exception['type']}: {reference.exception['message']}")
    for label, program in (("the fixed program", run), (name, reference)):
        if program.outputs_error:
            return error(f"evaluating outputs in {label}: {program.outputs_error}")
    found = difference(run.outputs, reference.outputs, case.runtime.tolerance)
    row.outputs_match = found is None
    if found:
        applicability = case.fix.applicability if case.fix else None
        return refuted(f"the {applicability} fix changed the results: {found}")
    return confirmed(f"{judgement.detail}; outputs equal {name}'s")
