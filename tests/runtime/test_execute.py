"""One program in a fresh interpreter: exceptions with their line, warnings, probes, outputs, timeouts."""
import textwrap

from pt_lsp.runtime.execute import ProgramJob, run_program


def run(source: str, device: str = "cpu", timeout: float = 60, **job) -> object:
    return run_program(ProgramJob(textwrap.dedent(source), device, **job), timeout)


def test_meta_proxy_raises_the_numpy_conversion_error():
    observed = run("""\
        import torch
        x = torch.ones(3, device="cuda")
        y = (x * 2).numpy()
    """, device="meta")
    assert observed.status == "ran" and not observed.completed
    assert observed.exception["type"] == "TypeError"
    assert "can't convert meta device type tensor to numpy" in observed.exception["message"]
    assert observed.exception["line"] == 3


def test_exception_line_is_the_innermost_example_frame_and_prints_are_captured():
    observed = run("""\
        import torch
        print("hello from the example")

        def step(loss):
            loss.backward()

        w = torch.ones(2, requires_grad=True)
        loss = (w * w).sum()
        step(loss)
        step(loss)
    """)
    assert observed.exception["type"] == "RuntimeError"
    assert "backward through the graph a second time" in observed.exception["message"]
    assert observed.exception["line"] == 5
    assert observed.exception["lines"] == [10, 5]
    assert "hello from the example" in observed.stdout


def test_warnings_probe_and_outputs_are_reported():
    observed = run("""\
        import warnings
        import torch
        warnings.warn("careful", UserWarning)
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        (w * 3).sum().backward()
    """, probe="symptom = bool((w.grad == 3).all())", outputs="{'w': w, 'grad': w.grad, 'n': 2}")
    assert observed.completed
    assert observed.warnings == [{"category": "UserWarning", "message": "careful", "line": 3}]
    assert observed.probe == {"symptom": True, "error": None}
    assert observed.outputs["dict"]["grad"] == {"shape": [2], "dtype": "torch.float32", "values": [3.0, 3.0]}
    assert observed.outputs["dict"]["n"] == 2


def test_a_probe_that_forgets_the_symptom_is_an_error():
    observed = run("x = 1\n", probe="y = 2")
    assert observed.probe == {"symptom": None, "error": "the probe did not set `symptom`"}


def test_runs_are_seeded_alike():
    source = "import torch\nx = torch.randn(4)\n"
    first, second = run(source, outputs="x"), run(source, outputs="x")
    assert first.outputs == second.outputs


def test_a_hanging_program_times_out():
    observed = run("import time\nwhile True:\n    time.sleep(0.05)\n", timeout=4)
    assert observed.status == "timeout"
    assert observed.problem == "timed out after 4 s"


def test_a_dying_process_is_reported_not_raised():
    observed = run("import os\nos._exit(3)\n")
    assert observed.status == "crashed"
    assert "exit 3" in observed.problem


def test_a_syntax_error_is_an_exception_with_its_line():
    observed = run("x = 1\ny = (\n")
    assert observed.exception["type"] == "SyntaxError"
    assert observed.exception["line"] == 2
