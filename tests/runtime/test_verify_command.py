"""`pt-lsp verify` as a command: exit codes, JSON shape, and the message when torch is missing."""

import json
import re
import subprocess
import sys

from verify_test_rules import NumpyCallRule, make_rule  # noqa: F401  (fixture)

from pt_lsp.core.examples import Example, Raises, Runs, Runtime
from pt_lsp.runtime.command import INSTALL_HINT, main

REQUIRED_ROW_FIELDS = {"code", "example", "kind", "device", "static", "runtime", "fixed_runtime", "agree"}

GOOD = Example("tolist", "import torch\ny = torch.ones(2).tolist()\n", runtime=Runtime())


def bad(code: str, claim: Raises | Runs | None) -> Example:
    return Example(
        "numpy on the cpu",
        f"import torch\ny = torch.ones(2).numpy()  # expect: {code}\n",
        runtime=Runtime(claim, outputs="y" if isinstance(claim, Runs) else ""),
    )


def test_json_report_and_exit_0_when_everything_agrees(make_rule, capsys):
    make_rule("PTL981", NumpyCallRule, bad("PTL981", Runs("numpy() of a CPU tensor works")), GOOD)
    assert main(["PTL981", "--device", "cpu", "--output-format", "json", "--jobs", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["torch_version"].split("+")[0][0].isdigit()
    assert [d["device"] for d in report["devices"]] == ["cpu"]
    assert {row["kind"] for row in report["results"]} == {"bad", "good"}
    for row in report["results"]:
        assert REQUIRED_ROW_FIELDS <= set(row)
        assert (row["code"], row["device"], row["static"], row["runtime"], row["agree"]) == (
            "PTL981",
            "cpu",
            "confirmed",
            "confirmed",
            True,
        )
    counts = ("rows", "agree", "disagree", "not_judged")
    assert {key: report["summary"][key] for key in counts} == {"rows": 2, "agree": 2, "disagree": 0, "not_judged": 0}
    assert report["summary"]["bad_examples"] == report["summary"]["bad_run"] == 1
    assert report["summary"]["static_only"] == 0
    assert {row["proxy"] for row in report["results"]} == {None}


def test_a_refuted_example_makes_exit_1_and_the_table_says_why(make_rule, capsys):
    make_rule("PTL982", NumpyCallRule, bad("PTL982", Raises("TypeError", "can't convert")))
    assert main(["PTL982", "--device", "cpu"]) == 1
    out = capsys.readouterr().out
    assert "refuted" in out and " NO" in out
    assert "ran to the end without raising TypeError" in out
    assert "torch " in out.splitlines()[0]


def test_unknown_code_and_bad_arguments_are_usage_errors(capsys):
    assert main(["PTL999"]) == 2
    assert "no rule matches PTL999" in capsys.readouterr().err
    assert main(["--device", "tpu"]) == 2
    assert main(["--jobs", "0"]) == 2


BLOCK_TORCH = """
import sys

class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return None

sys.meta_path.insert(0, BlockTorch())
from pt_lsp.runtime.command import main
sys.exit(main(sys.argv[1:]))
"""


def test_missing_torch_gives_the_install_command_not_a_traceback():
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH, "--device", "cpu"], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert INSTALL_HINT in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_the_command_module_does_not_import_torch():
    probe = "import sys, pt_lsp.runtime.command; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False"


def test_progress_names_each_rule_as_it_finishes_on_stderr(make_rule, capsys):
    make_rule("PTL983", NumpyCallRule, bad("PTL983", Runs("numpy() of a CPU tensor works")), GOOD)
    assert main(["PTL983", "--device", "cpu", "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    # The bad example, its fixed program and the good example.
    assert re.fullmatch(r"PTL983: done \(3/3 programs, \d+\.\d s\)", lines[0]), lines
    assert re.fullmatch(r"verify: 3 programs in \d+\.\d s", lines[-1]), lines
    assert "PTL983" not in captured.out.splitlines()[0]  # the report on stdout is not mixed with it
    assert main(["PTL983", "--device", "cpu", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_nothing_judged_at_run_time_is_exit_2_not_a_proof(make_rule, capsys):
    skipped = Example(
        "needs a missing module",
        "import torch\ny = torch.ones(2).numpy()  # expect: PTL984\n",
        runtime=Runtime(Raises("TypeError", "x"), needs=("no_such_module_pt_lsp",)),
    )
    make_rule("PTL984", NumpyCallRule, skipped)
    assert main(["PTL984", "--device", "cpu", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "nothing was judged at run time" in captured.err
    assert "needs no_such_module_pt_lsp (not installed)" in captured.out


def test_a_torch_outside_the_supported_range_is_warned_about(monkeypatch):
    import torch

    from pt_lsp.runtime import command

    assert command.unsupported_torch() is None  # the torch these tests run on is supported
    monkeypatch.setattr(torch, "__version__", "2.0.1")
    assert command.unsupported_torch() == ("torch 2.0.1 is outside the supported range (>=2.1): verdicts may not hold")


def test_the_supported_range_is_the_runtime_extras():
    from pathlib import Path

    import tomllib

    from pt_lsp.runtime.command import SUPPORTED_TORCH

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    assert f"torch{SUPPORTED_TORCH}" in project["optional-dependencies"]["runtime"]
