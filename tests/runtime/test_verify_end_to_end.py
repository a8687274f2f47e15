"""verify end to end, on test-only rules (PTL9xx) whose examples cover every verdict."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from verify_test_rules import DataAttributeRule, NumpyCallRule, make_rule, registered  # noqa: F401  (fixture)

from pt_lsp.core.examples import Example, Probe, Raises, Runs, Runtime
from pt_lsp.core.findings import Applicability
from pt_lsp.runtime.devices import TorchInfo
from pt_lsp.runtime.runner import verify

NO_CUDA = TorchInfo(torch.__version__, cuda_available=False, gpu=None, cuda_version=None)
CUDA_NUMPY = Raises("TypeError", r"can't convert cuda:0 device type tensor to numpy")


def numpy_on_cuda(code: str) -> Example:
    return Example(
        "numpy of a cuda tensor",
        f"""
        import torch
        x = torch.arange(3.0, device="cuda")
        y = (x * 2).numpy()  # expect: {code}
        """,
        runtime=Runtime(CUDA_NUMPY, cuda_only=True, outputs="y"),
    )


NUMPY_ON_CUDA = numpy_on_cuda("PTL961")
NO_NUMPY = Example("tolist instead", "import torch\ny = torch.arange(3.0).tolist()\n", runtime=Runtime())
CLAIMS_TOO_MUCH = Example(  # .numpy() of a CPU tensor works: the claimed symptom never shows
    "claims a failure that does not happen",
    """
    import torch
    y = torch.ones(2).numpy()  # expect: PTL962
    """,
    runtime=Runtime(Raises("TypeError", "can't convert")),
)
WRONG_MESSAGE = Example(
    "claims the wrong message",
    """
    import torch
    y = torch.ones(2, device="cuda").numpy()  # expect: PTL963
    """,
    runtime=Runtime(Raises("TypeError", "some other message"), cuda_only=True),
)
HANGS = Example("hangs", "import time\nwhile True:\n    time.sleep(0.05)\n", runtime=Runtime())
CRASHES = Example(  # it claims a TypeError but is broken: a NameError is an error, not a verdict
    "crashes", "import torch\ny = undefined_name.numpy()  # expect: PTL964\n", runtime=Runtime(CUDA_NUMPY)
)
MISMARKED = Example(  # the marker is on the wrong line
    "marker on the wrong line",
    """
    import torch  # expect: PTL965
    y = torch.ones(2).numpy()
    """,
    runtime=Runtime(),
)
DATA_READ = """
    import torch
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    scale = w.data.sum()  # expect: {code}
    (w * scale).sum().backward()
"""
DATA_READ_RUNS = Runs("the value read through .data is the one the program means")
INTENDED_THROUGH_SCALE = """
    import torch
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    scale = w.sum()
    (w * scale).sum().backward()
"""
SIGMOID_GRAD = """
    import torch
    s = torch.sigmoid(torch.tensor([0.5, -1.0]))
    symptom = not torch.allclose(x.grad, s * (1 - s))
"""
DATA_CORRUPTS_GRADIENT = Example(
    "in-place change through .data",
    """
    import torch
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    out = x.sigmoid()
    out.data.zero_()  # expect: PTL969
    out.sum().backward()
    """,
    runtime=Runtime(
        Probe(SIGMOID_GRAD, "the gradient differs from sigmoid's"),
        after_fix=Raises("RuntimeError", "modified by an inplace operation"),
    ),
)
TOO_NEW = Example("needs a future torch", "x = 1\n", runtime=Runtime(torch=">=99"))
NEEDS_MISSING = Example("needs a missing module", "x = 1\n", runtime=Runtime(needs=("no_such_module_pt_lsp",)))


@pytest.fixture(scope="module")
def report():
    with registered() as make:
        make("PTL961", NumpyCallRule, NUMPY_ON_CUDA, NO_NUMPY)
        make("PTL962", NumpyCallRule, CLAIMS_TOO_MUCH)
        make("PTL963", NumpyCallRule, WRONG_MESSAGE)
        make("PTL964", NumpyCallRule, HANGS, CRASHES, NO_NUMPY)
        make("PTL965", NumpyCallRule, MISMARKED)
        make(
            "PTL966",
            DataAttributeRule,
            Example(
                "safe .detach()", DATA_READ.format(code="PTL966"), runtime=Runtime(DATA_READ_RUNS, outputs="w.grad")
            ),
        )
        make(
            "PTL967",
            DataAttributeRule,
            Example(
                "safe fix, other reference",
                DATA_READ.format(code="PTL967"),
                runtime=Runtime(DATA_READ_RUNS, outputs="w.grad", reference=INTENDED_THROUGH_SCALE),
            ),
        )
        make(
            "PTL968",
            DataAttributeRule,
            Example(
                "unsafe fix, other reference",
                DATA_READ.format(code="PTL968"),
                runtime=Runtime(DATA_READ_RUNS, outputs="w.grad", reference=INTENDED_THROUGH_SCALE),
            ),
            applicability=Applicability.UNSAFE,
        )
        make(
            "PTL973",
            DataAttributeRule,
            Example(
                "unsafe fix, the example as reference",
                DATA_READ.format(code="PTL973"),
                runtime=Runtime(DATA_READ_RUNS, outputs="w.grad"),
            ),
            applicability=Applicability.UNSAFE,
        )
        make("PTL969", DataAttributeRule, DATA_CORRUPTS_GRADIENT, TOO_NEW, NEEDS_MISSING)
        codes = [f"PTL96{i}" for i in range(1, 10)] + ["PTL973"]
        yield verify(codes, device="all", jobs=2, timeout=8, info=NO_CUDA)


def rows(report, code, title=None, device=None):
    return [
        row
        for row in report.rows
        if row.case.code == code and title in (None, row.case.example.title) and device in (None, row.case.device.name)
    ]


def verdicts(row) -> tuple:
    fixed = row.fixed_runtime.verdict.value if row.fixed_runtime else None
    return row.case.static.verdict.value, row.runtime.verdict.value, fixed, row.agree


def test_cuda_only_symptom_runs_on_the_fake_cuda_proxy_and_runs_cleanly_on_cpu(report):
    (cpu,) = rows(report, "PTL961", NUMPY_ON_CUDA.title, "cpu")
    (proxy,) = rows(report, "PTL961", NUMPY_ON_CUDA.title, "fake-cuda")
    assert verdicts(proxy) == ("confirmed", "confirmed", "confirmed", True)
    assert "can't convert cuda:0 device type tensor to numpy" in proxy.runtime.detail
    assert proxy.case.device.proxy == "fake-cuda"
    # The proxy holds real values: the safe fix runs there and gives the example's values.
    assert proxy.outputs_match is True
    # On the CPU the claim is that the program runs cleanly; its fix is judged on the proxy row.
    assert verdicts(cpu) == ("confirmed", "confirmed", "skipped", True)
    assert cpu.runtime.detail.startswith("runs cleanly on the CPU (the symptom needs CUDA)")
    assert "judged on the cuda or fake-cuda row" in cpu.fixed_runtime.detail
    assert cpu.fixed_observed is None


def test_good_examples_run_on_cpu_only_without_cuda(report):
    good = rows(report, "PTL961", NO_NUMPY.title)
    assert [(row.case.device.name, verdicts(row)) for row in good] == [("cpu", ("confirmed", "confirmed", None, True))]


def test_a_symptom_claimed_but_not_produced_is_refuted(report):
    (row,) = rows(report, "PTL962")
    assert verdicts(row)[1] == "refuted" and row.agree is False
    assert "without raising TypeError" in row.runtime.detail
    assert report.failed


def test_a_wrong_message_is_refuted(report):
    (row,) = rows(report, "PTL963", device="fake-cuda")
    assert row.runtime.verdict.value == "refuted"
    assert "does not match" in row.runtime.detail


def test_a_hanging_example_is_a_timeout_and_a_crash_an_error_for_that_example_only(report):
    (hang,) = rows(report, "PTL964", HANGS.title)
    assert verdicts(hang)[1:] == ("error", None, False)
    assert hang.runtime.detail == "timed out after 8 s"
    (crash,) = rows(report, "PTL964", CRASHES.title)
    assert crash.runtime.verdict.value == "error"
    assert "NameError" in crash.runtime.detail
    (fine,) = rows(report, "PTL964", NO_NUMPY.title)
    assert fine.agree is True


def test_a_static_mismatch_is_refuted(report):
    (row,) = rows(report, "PTL965")
    assert row.case.static.verdict.value == "refuted"
    assert row.case.static.detail == "expected lines [1], reported [2]"
    assert row.agree is False


def test_a_safe_fix_is_compared_with_the_example(report):
    (row,) = rows(report, "PTL966")
    assert verdicts(row) == ("confirmed", "confirmed", "confirmed", True)
    assert row.outputs_match is True


def test_a_safe_fix_that_changes_the_results_is_refuted(report):
    (row,) = rows(report, "PTL967")
    assert row.fixed_runtime.verdict.value == "refuted"
    assert "values differ" in row.fixed_runtime.detail
    assert row.outputs_match is False


def test_an_unsafe_fix_is_compared_with_the_reference_too(report):
    (differs,) = rows(report, "PTL968")
    assert differs.fixed_runtime.verdict.value == "refuted"
    assert "the unsafe fix changed the results" in differs.fixed_runtime.detail
    assert differs.outputs_match is False
    (same,) = rows(report, "PTL973")
    assert verdicts(same) == ("confirmed", "confirmed", "confirmed", True)
    assert same.outputs_match is True


def test_a_silent_wrong_gradient_is_probed_and_the_fix_raises_instead(report):
    (row,) = rows(report, "PTL969", DATA_CORRUPTS_GRADIENT.title)
    assert verdicts(row) == ("confirmed", "confirmed", "confirmed", True)
    assert "differs from sigmoid" in row.runtime.detail
    assert "modified by an inplace operation" in row.fixed_runtime.detail


def test_version_range_and_missing_modules_skip_with_the_reason(report):
    (too_new,) = rows(report, "PTL969", TOO_NEW.title)
    assert verdicts(too_new)[1] == "skipped" and too_new.agree is None
    assert f"holds for torch >=99; installed {torch.__version__}" in too_new.runtime.detail
    (missing,) = rows(report, "PTL969", NEEDS_MISSING.title)
    assert missing.runtime.detail == "needs no_such_module_pt_lsp (not installed)"


def test_a_bad_example_without_a_symptom_is_a_declaration_error(make_rule):
    # Stating nothing would let a bad example that lost its bug agree; a deprecated spelling says Runs.
    silent = Example("states nothing", "import torch\ny = torch.ones(2).numpy()  # expect: PTL974\n", runtime=Runtime())
    runs_without_outputs = Example(
        "runs, outputs not stated",
        "import torch\nz = torch.ones(2).numpy()  # expect: PTL974\n",
        runtime=Runtime(Runs("ok")),
    )
    make_rule("PTL974", NumpyCallRule, silent, runs_without_outputs)
    report = verify(["PTL974"], device="cpu", jobs=1, info=NO_CUDA)
    details = {row.case.example.title: row.runtime for row in report.rows}
    assert details["states nothing"].verdict.value == "error"
    assert "a bad example states its symptom" in details["states nothing"].detail
    assert "must state its outputs" in details["runs, outputs not stated"].detail
    assert report.failed


def test_coverage_counts_bad_and_good_examples(report):
    assert report.coverage["PTL961"] == {"bad": 1, "good": 1}
    assert report.coverage["PTL969"] == {"bad": 1, "good": 2}


def test_device_cuda_without_a_gpu_runs_only_the_proxy(make_rule):
    make_rule("PTL971", NumpyCallRule, numpy_on_cuda("PTL971"), NO_NUMPY)
    report = verify(["PTL971"], device="cuda", jobs=2, info=NO_CUDA)
    # The good example never asks for CUDA: on the proxy it would run exactly as on the CPU.
    assert [(r.case.device.name, r.case.kind) for r in report.rows] == [("fake-cuda", "bad")]
    assert [d.name for d in report.devices] == ["fake-cuda"]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here (torch.cuda.is_available() is False)")
def test_the_cuda_symptom_runs_on_the_gpu(make_rule):
    make_rule("PTL972", NumpyCallRule, numpy_on_cuda("PTL972"), NO_NUMPY)
    report = verify(["PTL972"], device="cuda", jobs=2)
    (bad,) = rows(report, "PTL972", NUMPY_ON_CUDA.title, "cuda")
    assert verdicts(bad) == ("confirmed", "confirmed", "confirmed", True)
    assert "cuda:0" in bad.runtime.detail
    assert torch.cuda.get_device_name(0) in report.devices[0].description


def test_a_fixed_source_the_fixer_does_not_produce_is_refuted(make_rule):
    # The example promises `.detach()`; the fixer writes `.cpu()`: what the docs show is not what users get.
    source = "import torch\nw = torch.ones(2, requires_grad=True)\ny = w.data.sum()  # expect: PTL975\n"
    promised = Example(
        "fixed source differs",
        source,
        fixed="import torch\nw = torch.ones(2, requires_grad=True)\ny = w.cpu().sum()\n",
        runtime=Runtime(DATA_READ_RUNS, outputs="y"),
    )
    make_rule("PTL975", DataAttributeRule, promised)
    (row,) = verify(["PTL975"], device="cpu", jobs=1, info=NO_CUDA).rows
    assert row.fixed_runtime.verdict.value == "refuted"
    assert row.fixed_runtime.detail == "the fixer's output differs from the example's fixed source"


class ReportsWithoutFix(NumpyCallRule):
    def check(self, ctx):
        for finding in super().check(ctx):
            yield dataclasses.replace(finding, fixes=())


def test_a_fixed_source_stated_where_the_fixer_gives_none_is_refuted(make_rule):
    example = Example(
        "no fix produced",
        "import torch\ny = torch.ones(2).numpy()  # expect: PTL976\n",
        fixed="import torch\ny = torch.ones(2).cpu().numpy()\n",
        runtime=Runtime(Runs("numpy() of a CPU tensor works"), outputs="y"),
    )
    make_rule("PTL976", ReportsWithoutFix, example)
    (row,) = verify(["PTL976"], device="cpu", jobs=1, info=NO_CUDA).rows
    assert row.fixed_runtime.verdict.value == "refuted"
    assert "the fixer produced no fix" in row.fixed_runtime.detail
