"""The fixed versions of the RNN, GAN, multi-loss and `.data` programs run under torch without
the error, and compute what the intended program computes.

Programs: the standalone ones in ``programs/`` (each sets ``OUTPUT``) and the bad examples of
PTL201 and PTL102 that say how they run (``runtime``). Each is fixed with ``fix_source`` (all
fixes, as ``--unsafe-fixes``) and run in a fresh process with the installed torch on the CPU.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from harness_support import PROGRAMS

from pt_lsp.core.examples import Probe, Raises
from pt_lsp.core.fixes import fix_source
from pt_lsp.core.rule import all_rules

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")

FREED_GRAPH = "Trying to backward through the graph a second time"
TIMEOUT = 180.0
TOLERANCE = 1e-5


@dataclass(frozen=True)
class Program:
    name: str
    fixed_by: str  # the rule whose fix must have been applied
    raises: bool  # the original program raises the freed-graph error
    reference: tuple[tuple[str, str], ...] = ()  # edits of the original giving the intended program


PROGRAM_SPECS = (
    Program(
        "rnn_lstm_tuple.py",
        "PTL201",
        True,
        (("    out, state = lstm(", "    state = tuple(s.detach() for s in state)\n    out, state = lstm("),),
    ),
    Program(
        "rnn_gru_model_hidden.py",
        "PTL201",
        True,
        (
            (
                "        pred, hidden = model(x, hidden)",
                "        hidden = hidden.detach()\n        pred, hidden = model(x, hidden)",
            ),
        ),
    ),
    Program(
        "gan_discriminator_step.py",
        "PTL201",
        True,
        (("bce(D(fake), torch.zeros(8, 1))", "bce(D(fake.detach()), torch.zeros(8, 1))"),),
    ),
    Program(
        "multi_loss_shared_trunk.py", "PTL201", True, (("cls_loss.backward()", "cls_loss.backward(retain_graph=True)"),)
    ),
    # For `.data` the original update is the reference: the fix must keep the weights.
    Program("data_manual_sgd.py", "PTL102", False),
    Program("data_module_updates.py", "PTL102", False),
)


def _reference(spec: Program, source: str) -> str:
    for old, new in spec.reference:
        assert source.count(old) == 1, f"{spec.name}: reference edit {old!r} does not match once"
        source = source.replace(old, new)
    return source


def _rule_examples():
    rules = all_rules()
    for code in ("PTL201", "PTL102"):
        for index, example in enumerate(rules[code].examples if code in rules else ()):
            runtime = example.runtime
            if runtime is None or not example.expected or runtime.cuda_only or runtime.after_fix is not None:
                continue  # not runnable here, or the fix is meant to fail loudly instead
            if any(importlib.util.find_spec(m) is None for m in runtime.needs):
                continue
            if fix_source(example.code, "<example>", unsafe=True).text == example.code:
                continue  # no automatic fix for this case (display-only)
            yield f"{code}-{index}-{example.title[:40]}", example


RULE_EXAMPLES = dict(_rule_examples())


def _job(source: str, probe: str | None = None, outputs: str = ""):
    from pt_lsp.runtime.execute import ProgramJob

    return ProgramJob(source=source, device="cpu", probe=probe, outputs=outputs, seed=0)


def _plan() -> dict[str, object]:
    """Every program to run, by a name the tests look up."""
    jobs = {}
    for spec in PROGRAM_SPECS:
        source = (PROGRAMS / spec.name).read_text(encoding="utf-8")
        fixed = fix_source(source, spec.name, unsafe=True).text
        jobs[f"{spec.name}:original"] = _job(source, outputs="OUTPUT")
        jobs[f"{spec.name}:fixed"] = _job(fixed, outputs="OUTPUT")
        if spec.reference:
            jobs[f"{spec.name}:reference"] = _job(_reference(spec, source), outputs="OUTPUT")
    for name, example in RULE_EXAMPLES.items():
        runtime = example.runtime
        probe = runtime.symptom.code if isinstance(runtime.symptom, Probe) else None
        fixed = fix_source(example.code, "<example>", unsafe=True).text
        # The driver (if any) calls what the example defines, so the fixed lines really run.
        jobs[f"{name}:fixed"] = _job(example.program(fixed), probe, runtime.outputs)
        if runtime.outputs and runtime.reference is not None:
            jobs[f"{name}:reference"] = _job(example.program(runtime.reference), probe, runtime.outputs)
    return jobs


@pytest.fixture(scope="module")
def runs():
    from pt_lsp.runtime.execute import run_program
    from pt_lsp.runtime.forkserver import ForkServer, ForkServerError

    jobs = _plan()
    try:
        server = ForkServer()
    except ForkServerError:
        server = None
    run = server.run if server else run_program
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            observed = dict(zip(jobs, pool.map(lambda job: run(job, TIMEOUT), jobs.values())))
    finally:
        if server:
            server.close()
    return observed


def _describe(observation) -> str:
    exception = observation.exception or {}
    return (
        f"status={observation.status} completed={observation.completed} "
        f"{exception.get('type', '')}: {exception.get('message', '')[:300]} {observation.problem}"
    )


def _assert_same_outputs(actual, expected, what: str) -> None:
    from pt_lsp.runtime.compare import difference

    assert actual.outputs_error is None and expected.outputs_error is None, (
        actual.outputs_error,
        expected.outputs_error,
    )
    found = difference(actual.outputs, expected.outputs, TOLERANCE)
    assert found is None, f"{what}: {found}"


@pytest.mark.parametrize("spec", PROGRAM_SPECS, ids=lambda s: s.name)
def test_fixed_program_runs_and_matches_the_intended_program(spec, runs):
    source = (PROGRAMS / spec.name).read_text(encoding="utf-8")
    outcome = fix_source(source, spec.name, unsafe=True)
    assert spec.fixed_by in {f.code for f in outcome.fixed}, f"no {spec.fixed_by} fix was applied"

    original, fixed = runs[f"{spec.name}:original"], runs[f"{spec.name}:fixed"]
    if spec.raises:  # the program really has the bug...
        assert original.exception and FREED_GRAPH in original.exception["message"], _describe(original)
    else:
        assert original.completed, _describe(original)
    assert fixed.completed, _describe(fixed) + "\n--- fixed source ---\n" + outcome.text
    expected = runs[f"{spec.name}:reference"] if spec.reference else original
    assert expected.completed, _describe(expected)
    _assert_same_outputs(fixed, expected, spec.name)


@pytest.mark.parametrize("name", sorted(RULE_EXAMPLES))
def test_fixed_rule_example_runs_without_the_symptom(name, runs):
    example = RULE_EXAMPLES[name]
    fixed = runs[f"{name}:fixed"]
    symptom = example.runtime.symptom
    assert fixed.completed, _describe(fixed)
    if isinstance(symptom, Probe):
        assert fixed.probe and fixed.probe["error"] is None and fixed.probe["symptom"] is False, fixed.probe
    if isinstance(symptom, Raises):
        assert fixed.exception is None
    reference = runs.get(f"{name}:reference")
    if reference is not None:
        assert reference.completed, _describe(reference)
        _assert_same_outputs(fixed, reference, name)


def test_the_rules_have_runnable_freed_graph_examples():
    # Guards the parametrised test above against passing on an empty list.
    assert any(name.startswith("PTL201") for name in RULE_EXAMPLES)
