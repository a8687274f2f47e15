"""The cache between runs (issue 15) and --profile."""

from __future__ import annotations

import os
import time

import pytest

from pt_lsp.commands import check as check_module
from pt_lsp.core.cache import MAX_AGE, Cache, finding_from_json, finding_to_json
from pt_lsp.core.engine import lint_source

SOURCE = "y = x.numpy()\nz = w.data\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PT_LSP_CACHE_DIR", raising=False)
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(SOURCE)
    return tmp_path


def linted(monkeypatch) -> list[str]:
    """The paths the run actually analyses (not answered from the cache)."""
    seen: list[str] = []
    real = check_module.run_tasks

    def spy(tasks, jobs):
        seen.extend(task.path for task in tasks)
        return real(tasks, jobs)

    monkeypatch.setattr(check_module, "run_tasks", spy)
    return seen


def test_warm_run_answers_from_the_cache_with_the_same_output(cli, project, fake_rules, only_fakes, monkeypatch):
    seen = linted(monkeypatch)
    cold = cli("check", ".", *only_fakes, "--output-format", "json")
    assert sorted(seen) == ["a.py", "b.py"]
    assert (project / ".pt_lsp_cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    seen.clear()
    warm = cli("check", ".", *only_fakes, "--output-format", "json")
    assert seen == [] and warm.out == cold.out and warm.code == cold.code == 1
    # an edited file is analysed again, and only it
    (project / "b.py").write_text("y = 1\n")
    after_edit = cli("check", ".", *only_fakes)
    assert seen == ["b.py"] and "b.py" not in after_edit.out and "a.py:1:5: PTL901" in after_edit.out


def test_settings_are_part_of_the_key(cli, project, fake_rules, monkeypatch):
    seen = linted(monkeypatch)
    cli("check", ".", "--select", "PTL901")
    seen.clear()
    run = cli("check", ".", "--select", "PTL902")
    assert sorted(seen) == ["a.py", "b.py"] and "PTL902" in run.out and "PTL901" not in run.out
    seen.clear()
    cli("check", ".", "--select", "PTL902", "--target-torch", "2.1")
    assert sorted(seen) == ["a.py", "b.py"]


def test_no_cache_and_where_the_cache_lives(cli, project, fake_rules, only_fakes, monkeypatch, tmp_path):
    cli("check", ".", *only_fakes, "--no-cache")
    assert not (project / ".pt_lsp_cache").exists()
    cli("check", ".", *only_fakes, "--cache-dir", "elsewhere")
    assert (project / "elsewhere" / ".gitignore").exists()
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path / "env"))
    cli("check", ".", *only_fakes)
    assert (tmp_path / "env" / "CACHEDIR.TAG").exists() and not (project / ".pt_lsp_cache").exists()


def test_fix_uses_the_cache_only_where_there_is_nothing_to_fix(cli, project, fake_rules, only_fakes, monkeypatch):
    seen = linted(monkeypatch)
    cli("check", ".", *only_fakes)
    seen.clear()
    cli("check", ".", *only_fakes, "--fix")  # a.py and b.py have a safe fix: both analysed and fixed
    assert sorted(seen) == ["a.py", "b.py"]
    assert (project / "a.py").read_text().startswith("y = x.cpu().numpy()")
    seen.clear()
    # what is left (an unsafe fix only) was stored under the fixed content: nothing to do again
    run = cli("check", ".", *only_fakes, "--fix")
    assert seen == [] and run.code == 1 and "a.py:2:5: PTL902" in run.out
    assert "PTL902" in cli("check", ".", *only_fakes).out and seen == []  # and so does check
    # with --unsafe-fixes the same entries have a fix to apply: analysed again
    cli("check", ".", *only_fakes, "--fix", "--unsafe-fixes")
    assert sorted(seen) == ["a.py", "b.py"]


def test_findings_round_trip_through_json(fake_rules):
    source = (
        "import torch\nnet = torch.nn.Linear(3, 1)\nx = torch.randn(4, 3)\nh = torch.zeros(4, 1)\n"
        "for i in range(3):\n    h = net(x) + h\n    loss = h.sum()\n    loss.backward()\n"
    )
    findings = lint_source(source, "t.py").findings + lint_source(SOURCE, "a.py").findings
    assert findings and any(f.related for f in findings) and any(f.fixes for f in findings)
    assert [finding_from_json(finding_to_json(f)) for f in findings] == findings


def test_entries_are_written_atomically_and_pruned(tmp_path):
    cache = Cache(str(tmp_path / "c"), build="build-test")
    key = cache.key("settings", "a.py", b"x = 1\n")
    cache.store(key, {"findings": []})
    assert cache.load(key) == {"findings": []}
    entries = [name for _, _, files in os.walk(tmp_path / "c" / "build-test") for name in files]
    assert len(entries) == 1 and entries[0].endswith(".json")  # no temporary file left behind
    (tmp_path / "c" / "build-old").mkdir()
    old = cache.key("settings", "b.py", b"")
    cache.store(old, {"findings": []})
    stale = time.time() - MAX_AGE - 10
    os.utime(cache._entry(old), (stale, stale))
    assert cache.prune() == 2  # the other build's folder and the unused entry
    assert cache.load(key) is not None and cache.load(old) is None
    assert not (tmp_path / "c" / "build-old").exists()
    assert cache.prune() == 0  # at most once a day


def test_an_unwritable_cache_does_not_stop_the_run(cli, project, fake_rules, only_fakes):
    (project / "blocked").write_text("a file where the cache folder would be\n")
    run = cli("check", ".", *only_fakes, "--cache-dir", "blocked/cache")
    assert run.code == 1 and "a.py:1:5: PTL901" in run.out


def test_profile_prints_phases_and_rules(cli, project, fake_rules, only_fakes, monkeypatch):
    run = cli("check", ".", *only_fakes, "--profile")
    assert run.code == 1 and "a.py:1:5: PTL901" in run.out
    for row in ("read", "parse", "index", "names", "flow", "rule PTL901"):
        assert f"\n{row} " in run.err, row
    monkeypatch.setenv("PT_LSP_PROFILE", "1")
    assert "rule PTL902" in cli("check", ".", *only_fakes).err
