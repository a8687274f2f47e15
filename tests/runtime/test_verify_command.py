"""`pt-lsp verify` as a command: exit codes, JSON shape, and the message when torch is missing."""

import json
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
