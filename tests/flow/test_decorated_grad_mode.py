"""A function decorated with a grad-mode manager (``@torch.no_grad()``, ``@torch.inference_mode``,
any spelling the vocabulary knows, with or without the call) runs its body in that mode whatever
its callers do: what it returns from a model does not require grad, so ``.numpy()`` of it works
(audit-3 A3, PTL402). The same for a method, and for a function of another project file. Each
program is ours; the silent ones run under torch, the reported ones raise there."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

REQUIRES_GRAD = "requires grad"

HELPER = """
import torch
from torch import nn
{imports}

{decorator}
def features(net, x):
    return net(x) * 2


net = nn.Linear(4, 2)
array = features(net, torch.rand(3, 4)).numpy()
"""

OFF = {
    "@torch.no_grad()": ("", "@torch.no_grad()"),
    "@torch.no_grad": ("", "@torch.no_grad"),
    "@torch.inference_mode()": ("", "@torch.inference_mode()"),
    "@torch.inference_mode": ("", "@torch.inference_mode"),
    "@no_grad() imported from torch": ("from torch import no_grad", "@no_grad()"),
    "@torch.autograd.no_grad()": ("", "@torch.autograd.no_grad()"),
    "@torch.set_grad_enabled(False)": ("", "@torch.set_grad_enabled(False)"),
    "@no_grad() nearest the def, @enable_grad() outside": ("", "@torch.enable_grad()\n@torch.no_grad()"),
}

ON = {
    "no decorator": ("", ""),
    "@torch.enable_grad() called under no_grad": ("", "@torch.enable_grad()"),
    "@no_grad() outside, @enable_grad() nearest the def": ("", "@torch.no_grad()\n@torch.enable_grad()"),
}

METHOD = """
import torch
from torch import nn


class Extractor:
    def __init__(self):
        self.net = nn.Linear(4, 2)

    {decorator}
    def extract(self, x):
        return self.net(x)


array = Extractor().extract(torch.rand(3, 4)).numpy()
"""

IMPORTED = """
import torch
from helpers import features
from torch import nn

net = nn.Linear(4, 2)
array = features(net, torch.rand(3, 4)).numpy()
"""


def program(template: str, imports: str, decorator: str) -> str:
    return template.format(imports=imports, decorator=decorator)


def lines(source: str, path: str = "<decorated>") -> list[int]:
    result = lint_source(source, path, selection=Selection.of(["PTL402"]))
    assert result.errors == []
    return [f.line for f in result.findings]


def run(source: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "decorated", **names}
    exec(compile(source, "<decorated>", "exec"), namespace)
    return namespace


def numpy_line(source: str) -> int:
    return next(n for n, text in enumerate(source.splitlines(), start=1) if ".numpy()" in text)


def under_no_grad(source: str) -> str:
    # the call moved under `with torch.no_grad():`: the caller's mode, which a decorator overrides
    return source.replace("array = features(", "with torch.no_grad():\n    out = features(").replace(
        ").numpy()", ")\narray = out.numpy()"
    )


@pytest.mark.parametrize("name", sorted(OFF))
def test_result_of_a_grad_off_function_is_silent(name: str) -> None:
    assert lines(program(HELPER, *OFF[name])) == []


@pytest.mark.parametrize("name", sorted(ON))
def test_result_of_a_grad_on_function_is_reported(name: str) -> None:
    source = under_no_grad(program(HELPER, *ON[name])) if "enable_grad" in name else program(HELPER, *ON[name])
    assert lines(source) == [numpy_line(source)]


@pytest.mark.parametrize("name", sorted(OFF))
def test_grad_off_programs_run_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    assert run(program(HELPER, *OFF[name]))["array"].shape == (3, 2)


@pytest.mark.parametrize("name", sorted(ON))
def test_grad_on_programs_raise_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    source = under_no_grad(program(HELPER, *ON[name])) if "enable_grad" in name else program(HELPER, *ON[name])
    with pytest.raises(RuntimeError, match=REQUIRES_GRAD):
        run(source)


def test_a_decorated_method() -> None:
    silent = METHOD.format(decorator="@torch.no_grad()")
    reported = METHOD.format(decorator="")
    assert lines(silent) == []
    assert lines(reported) == [numpy_line(reported)]
    pytest.importorskip("torch")
    assert run(silent)["array"].shape == (3, 2)
    with pytest.raises(RuntimeError, match=REQUIRES_GRAD):
        run(reported)


@pytest.mark.parametrize("decorator", ["@torch.no_grad()", ""])
def test_a_decorated_function_of_another_project_file(tmp_path: Path, decorator: str) -> None:
    helpers = f"import torch\n\n\n{decorator}\ndef features(net, x):\n    return net(x) * 2\n"
    (tmp_path / "helpers.py").write_text(helpers)
    main = tmp_path / "main.py"
    main.write_text(textwrap.dedent(IMPORTED))
    assert lines(main.read_text(), str(main)) == ([] if decorator else [numpy_line(IMPORTED)])
