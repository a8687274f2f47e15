"""Exit codes (0 clean, 1 findings, 2 usage or internal error) and error messages."""

from __future__ import annotations

import pt_lsp


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_file_exits_0(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "ok.py", "x = 1\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 0
    assert "All checks passed!" in run.out


def test_findings_exit_1_and_exit_zero_exits_0(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "bad.py", "y = x.numpy()\n")
    assert cli("check", tmp_path, *only_fakes).code == 1
    run = cli("check", tmp_path, *only_fakes, "--exit-zero")
    assert run.code == 0
    assert "PTL901" in run.out


def test_missing_path_is_an_error_but_others_are_linted(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "bad.py", "y = x.numpy()\n")
    run = cli("check", tmp_path / "bad.py", tmp_path / "nope.py", *only_fakes)
    assert run.code == 2
    assert "nope.py: no such file or directory" in run.err
    assert "bad.py:1:5: PTL901" in run.out


def test_crashing_rule_is_reported_and_other_files_go_on(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "a.py", "# CRASH\ny = x.numpy()\n")
    write(tmp_path / "b.py", "y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 2
    assert f"error: {tmp_path / 'a.py'}: PTL904 crashed: RuntimeError: boom" in run.err
    # the crash cost neither the other rules on that file nor the other file
    assert "a.py:2:5: PTL901" in run.out
    assert "b.py:1:5: PTL901" in run.out


def test_unknown_selector_is_a_usage_error(cli, tmp_path):
    write(tmp_path / "ok.py", "x = 1\n")
    run = cli("check", tmp_path, "--select", "XYZ1")
    assert run.code == 2
    assert "unknown rule selector" in run.err and "XYZ1" in run.err


def test_bad_option_and_no_command_are_usage_errors(cli):
    assert cli("check", "--output-format", "yaml").code == 2
    assert cli("check", "--jobs", "0").code == 2
    assert cli().code == 2


def test_version(cli):
    run = cli("--version")
    assert run.code == 0
    assert pt_lsp.__version__ in run.out


def test_select_and_ignore_prefixes(cli, tmp_path, fake_rules):
    write(tmp_path / "a.py", "y = x.numpy()\nz = w.data\n")
    run = cli("check", tmp_path, "--select", "PTL90")
    assert "PTL901" in run.out and "PTL902" in run.out
    run = cli("check", tmp_path, "--select", "PTL90", "--ignore", "PTL901")
    assert "PTL901" not in run.out and "PTL902" in run.out
    run = cli("check", tmp_path, "--select", "PTL901,PTL902", "--ignore", "PTL902")
    assert "PTL901" in run.out and "PTL902" not in run.out
    # repeated options add up
    run = cli("check", tmp_path, "--select", "PTL901", "--select", "PTL902")
    assert "PTL901" in run.out and "PTL902" in run.out


def test_noqa_is_honoured(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "a.py", "a = x.numpy()  # noqa: PTL901\nb = x.numpy()  # noqa\nc = x.numpy()  # noqa: PTL902\n")
    run = cli("check", tmp_path, *only_fakes)
    assert run.code == 1
    assert ":3:5: PTL901" in run.out
    assert ":1:" not in run.out and ":2:" not in run.out


def test_syntax_error_is_a_finding(cli, tmp_path):
    write(tmp_path / "broken.py", "def f(:\n    pass\n")
    run = cli("check", tmp_path)
    assert run.code == 1
    assert "broken.py:1:7: PTL000 SyntaxError" in run.out
    assert "Traceback" not in run.err


def test_same_error_in_many_files_is_said_once(cli, tmp_path, fake_rules, only_fakes):
    for index in range(6):
        write(tmp_path / f"m{index}.py", "# CRASH\n")
    run = cli("check", tmp_path, *only_fakes, "--jobs", "1")
    assert run.code == 2
    assert run.err.count("PTL904 crashed") == 1
    assert "(in 6 files, e.g." in run.err


def test_too_deeply_nested_file_is_skipped(cli, tmp_path, fake_rules, only_fakes):
    write(tmp_path / "deep.py", "x = " + "-" * 20000 + "1\n")  # the parser runs out of memory
    write(tmp_path / "long.py", "x = " + "1 + " * 100000 + "1\n")  # ... or of recursion
    write(tmp_path / "ok.py", "y = x.numpy()\n")
    run = cli("check", tmp_path, *only_fakes)
    assert "ok.py:1:5: PTL901" in run.out
    assert "skipping" in run.err and "deep.py: too deeply nested" in run.err
    assert "long.py: too deeply nested" in run.err
    assert "Traceback" not in run.err


def test_a_missing_path_is_not_reported_as_all_checks_passed(cli, tmp_path):
    run = cli("check", tmp_path / "nonexist.py")
    assert run.code == 2
    assert "no such file or directory" in run.err
    assert "All checks passed" not in run.out + run.err
