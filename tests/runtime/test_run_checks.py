"""The runtime checks one by one, in this process: what each reports and what it leaves alone, and
that torch is as it was after the run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from pt_lsp.core.selection import Selection  # noqa: E402
from pt_lsp.runtime.run.session import Program, RunResult, run  # noqa: E402


def _run(tmp_path: Path, source: str, select: tuple[str, ...] = ()) -> RunResult:
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(source))
    selection = Selection.of(list(select)) if select else Selection()
    return run(Program(str(script)), selection, explicit=select, crosscheck=False)


def _found(result: RunResult) -> list[tuple[int, str]]:
    return [(entry.finding.line, entry.finding.code) for entry in result.findings]


CORRUPTION = """\
    import torch

    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    scores = (torch.ones(2, 3) @ w).exp()
    scores.data.clamp_(max=2.0)
    scores.sum().backward()
    for i in range(2):
        (w * 2).sigmoid().sum().backward()
        w.data.clamp_(-0.5, 0.5)
"""


def test_the_corruption_through_data_names_the_backward_that_used_it(tmp_path: Path) -> None:
    result = _run(tmp_path, CORRUPTION, ("PTL102",))
    assert _found(result) == [(5, "PTL102"), (9, "PTL102")]
    corrupted, clipped = (entry.finding for entry in result.findings)
    assert corrupted.message.startswith("changed through `.data` after autograd saved it")
    assert [r.span.start.line for r in corrupted.related] == [6]
    # Clipped after the backward: the next graph saves the clipped values, nothing is corrupted.
    assert clipped.message.startswith("`.data` read on a tensor that requires grad") and not clipped.related


def test_the_corruption_check_is_opt_in(tmp_path: Path) -> None:
    result = _run(tmp_path, CORRUPTION)
    assert _found(result) == [(5, "PTL102"), (9, "PTL102")]
    assert all(entry.finding.message.startswith("`.data` read") for entry in result.findings)


def test_data_taken_by_torch_itself_is_not_the_users(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """\
        import torch

        model = torch.nn.Linear(2, 2).to(torch.float64)  # Module._apply assigns param.data
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        """,
    )
    assert _found(result) == []


@pytest.mark.parametrize(
    "reset",
    ["optimizer.zero_grad()", "model.zero_grad()", "model.weight.grad = None", "model.weight.grad.zero_()"],
)
def test_any_gradient_reset_between_steps_satisfies_ptl204(tmp_path: Path, reset: str) -> None:
    source = f"""\
        import torch

        model = torch.nn.Linear(3, 1, bias=False)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(3):
            model(torch.randn(4, 3)).sum().backward()
            optimizer.step()
            {reset}
        """
    assert _found(_run(tmp_path, source)) == []
    accumulating = source.replace(reset, "pass")
    result = _run(tmp_path, accumulating)
    assert _found(result) == [(7, "PTL204")]
    assert result.findings[0].count == 1  # once per optimizer, not once per step
    assert result.findings[0].finding.related[0].span.start.line == 7


def test_a_plain_tensor_left_behind_by_to(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """\
        import torch

        class Scale(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = torch.nn.Linear(3, 3)
                self.factor = torch.full((3,), 2.0)

        model = Scale().to(torch.float64)
        """,
    )
    assert _found(result) == [(7, "PTL302")]
    assert "left it on cpu (torch.float32)" in result.findings[0].finding.message
    assert result.findings[0].finding.related[0].span.start.line == 9


def test_a_module_owning_a_parameter_of_several_values_moves(tmp_path: Path) -> None:
    """The check of tensors left behind by ``.to()`` took the truth of the module's first parameter,
    which raises for a tensor of several values: the user's program failed under ``pt-lsp run``."""
    result = _run(
        tmp_path,
        """\
        import torch

        class Kernel(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = torch.nn.Parameter(torch.randn(4, 2))
                self.scale = torch.full((2,), 2.0)

        model = Kernel().to(torch.float64)
        assert model.weight.dtype == torch.float64
        """,
    )
    assert result.exception is None, result.exception
    assert _found(result) == [(7, "PTL302")]


def test_variable_keeps_answering_isinstance(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """\
        import torch

        x = torch.autograd.Variable(torch.ones(2))
        assert isinstance(x, torch.autograd.Variable) and type(x) is torch.Tensor
        assert isinstance(torch.ones(1), torch.autograd.Variable)
        """,
    )
    assert result.exception is None, result.exception
    assert _found(result) == [(3, "PTL101")]


def test_torch_is_restored_after_the_run(tmp_path: Path) -> None:
    before = (
        torch.autograd.backward,
        torch.autograd.grad,
        torch.autograd.Variable,
        torch.Tensor.numpy,
        torch.from_numpy,
        torch.nn.Module.__call__,
        torch.nn.Module.__setattr__,
        torch.optim.Optimizer.zero_grad,
    )
    _run(tmp_path, CORRUPTION, ("PTL",))
    after = (
        torch.autograd.backward,
        torch.autograd.grad,
        torch.autograd.Variable,
        torch.Tensor.numpy,
        torch.from_numpy,
        torch.nn.Module.__call__,
        torch.nn.Module.__setattr__,
        torch.optim.Optimizer.zero_grad,
    )
    assert before == after
    assert type(torch.Tensor.__dict__.get("data", None)) is not property  # torch's own descriptor again
    assert torch._C._autograd._top_saved_tensors_default_hooks(False) is None  # the corruption check's hooks


def test_ptl204_keeps_one_entry_per_parameter_however_long_the_training() -> None:
    from pt_lsp.runtime.run.checks.autograd import ZeroGradCheck
    from pt_lsp.runtime.run.frames import UserCode
    from pt_lsp.runtime.run.recorder import Recorder

    check = ZeroGradCheck(Recorder(UserCode((__file__,))))
    check.install()
    try:
        model = torch.nn.Linear(3, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(30):
            model(torch.randn(4, 3)).sum().backward()
            optimizer.step()
            if step % 2:
                optimizer.zero_grad()  # new gradient tensors at the next backward
            else:
                for p in model.parameters():
                    p.grad = None
        assert len(check._by_storage) <= 2 and len(check._storage_of) <= 2 and len(check._stepped) <= 2
        assert not check.rec.findings
    finally:
        check.remove()


def test_a_check_that_cannot_install_is_a_note_and_the_others_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pt_lsp.runtime.run.checks.writers import WriterCheck

    def broken(self: WriterCheck) -> None:
        self.patch(torch, "from_numpy", None)  # half installed, then fails
        raise AttributeError("no such hook in this torch")

    monkeypatch.setattr(WriterCheck, "install", broken)
    original = torch.from_numpy
    result = _run(tmp_path, CORRUPTION)
    assert torch.from_numpy is original  # the half-installed patch was undone
    assert "PTL501 not checked: AttributeError: no such hook in this torch" in result.notes
    assert "PTL501" not in result.checked and "PTL102" in result.checked
    assert _found(result) == [(5, "PTL102"), (9, "PTL102")]


def test_ptl201_names_what_still_holds_the_freed_graph(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        """\
        import torch

        G, D = torch.nn.Linear(2, 4), torch.nn.Linear(4, 1)
        fake = G(torch.randn(3, 2))
        d_loss = D(fake).mean()
        d_loss.backward()
        g_loss = -D(fake).mean()
        g_loss.backward()
        """,
    )
    assert _found(result) == [(8, "PTL201")]
    finding = result.findings[0].finding
    # `d_loss` holds a freed graph too, but not one this backward goes through.
    assert finding.message.endswith("freed by the backward() at line 6: `fake` still holds that graph")
    assert [r.span.start.line for r in finding.related] == [6]


def test_torchs_warnings_point_at_the_users_line_as_without_the_checker(tmp_path: Path) -> None:
    # In a fresh process: torch gives some warnings once per process (the NumPy one), and an
    # earlier test of this session may have used them up.
    import subprocess
    import sys

    script = tmp_path / "program.py"
    script.write_text(
        textwrap.dedent(
            """\
            import numpy as np
            import torch

            v = torch.autograd.Variable(torch.ones(2), volatile=True)
            t = torch.from_numpy(np.frombuffer(bytes(16), dtype=np.float32))
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-W", "always", "-m", "pt_lsp", "run", "--no-save", "--no-crosscheck", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    warned = [line for line in done.stderr.splitlines() if "Warning: " in line]
    assert any(line.startswith(f"{script}:4: ") and "volatile was removed" in line for line in warned), warned
    assert any(line.startswith(f"{script}:5: ") and "The given NumPy array" in line for line in warned), warned
    assert not [line for line in warned if "pt_lsp" in line.split(": ")[0]]
