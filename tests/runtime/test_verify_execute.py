"""One program in a fresh process, spawned or forked: exceptions with their line, warnings,
probes, outputs, timeouts, crashes."""

import sys
import textwrap

import pytest

from pt_lsp.runtime.execute import ProgramJob, run_program
from pt_lsp.runtime.forkserver import ForkServer


@pytest.fixture(scope="module")
def fork_server():
    with ForkServer() as server:
        yield server


@pytest.fixture(params=["spawn", "fork"])
def run(request):
    execute = run_program if request.param == "spawn" else request.getfixturevalue("fork_server").run

    def run(source: str, device: str = "cpu", timeout: float = 60, **job):
        return execute(ProgramJob(textwrap.dedent(source), device, **job), timeout)

    return run


def test_fake_cuda_proxy_raises_cudas_numpy_conversion_error(run):
    observed = run(
        """\
        import torch
        x = torch.ones(3, device="cuda")
        y = (x * 2).numpy()
    """,
        device="fake-cuda",
    )
    assert observed.status == "ran" and not observed.completed
    assert observed.exception["type"] == "TypeError"
    assert "can't convert cuda:0 device type tensor to numpy" in observed.exception["message"]
    assert observed.exception["line"] == 3


def test_fake_cuda_proxy_computes_real_values(run):
    observed = run(
        """\
        import torch
        assert torch.cuda.is_available()
        x = torch.arange(3.0).cuda()
        y = (x * 2).cpu()
    """,
        device="fake-cuda",
        outputs="(y, x.device.type)",
    )
    assert observed.completed, observed.exception
    assert observed.outputs == {"list": [{"shape": [3], "dtype": "torch.float32", "values": [0.0, 2.0, 4.0]}, "cuda"]}


def test_exception_line_is_the_innermost_example_frame_and_prints_are_captured(run):
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


def test_warnings_probe_and_outputs_are_reported(run):
    observed = run(
        """\
        import warnings
        import torch
        warnings.warn("careful", UserWarning)
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        (w * 3).sum().backward()
    """,
        probe="symptom = bool((w.grad == 3).all())",
        outputs="{'w': w, 'grad': w.grad, 'n': 2}",
    )
    assert observed.completed
    assert observed.warnings == [{"category": "UserWarning", "message": "careful", "line": 3}]
    assert observed.probe == {"symptom": True, "error": None}
    assert observed.outputs["dict"]["grad"] == {"shape": [2], "dtype": "torch.float32", "values": [3.0, 3.0]}
    assert observed.outputs["dict"]["n"] == 2


def test_a_probe_that_forgets_the_symptom_is_an_error(run):
    observed = run("x = 1\n", probe="y = 2")
    assert observed.probe == {"symptom": None, "error": "the probe did not set `symptom`"}


def test_runs_are_seeded_alike(run):
    source = "import torch\nx = torch.randn(4)\n"
    first, second = run(source, outputs="x"), run(source, outputs="x")
    assert first.outputs == second.outputs


def test_a_hanging_program_times_out(run):
    observed = run("import time\nwhile True:\n    time.sleep(0.05)\n", timeout=4)
    assert observed.status == "timeout"
    assert observed.problem == "timed out after 4 s"


def test_a_dying_process_is_reported_not_raised(run):
    observed = run("import os\nos._exit(3)\n")
    assert observed.status == "crashed"
    assert "exit 3" in observed.problem


def test_a_syntax_error_is_an_exception_with_its_line(run):
    observed = run("x = 1\ny = (\n")
    assert observed.exception["type"] == "SyntaxError"
    assert observed.exception["line"] == 2


def test_forked_and_spawned_programs_draw_the_same_numbers(fork_server):
    job = ProgramJob("import torch\nx = torch.randn(4) + torch.rand(4)\n", "cpu", outputs="x")
    assert fork_server.run(job, 60).outputs == run_program(job, 60).outputs


def test_a_program_writing_to_the_real_stdout_cannot_break_the_fork_protocol(fork_server):
    job = ProgramJob('import os\nos.write(1, b\'{"id": 0, "exit": 9}\\n\')\nx = 1\n', "cpu", outputs="x")
    observed = fork_server.run(job, 60)
    assert observed.completed and observed.outputs == 1


def test_with_a_gpu_in_the_plan_every_program_is_spawned_never_forked():
    from pt_lsp.runtime.devices import CPU, CUDA, FAKE_CUDA, Device
    from pt_lsp.runtime.runner import default_isolation

    assert default_isolation([Device(CPU, "cpu"), Device(CUDA, "a GPU")]) == "spawn"
    expected = "fork" if sys.platform.startswith("linux") else "spawn"
    assert default_isolation([Device(CPU, "cpu"), Device(FAKE_CUDA, "proxy")]) == expected
