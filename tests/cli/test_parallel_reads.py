"""With several jobs, a worker sends back only the files worth reporting; a clean file whose
analysis read another project file must still come back with what it read, or the cache keeps
it as clean after that file changes (found in session 10: `--jobs 2` answered "All checks
passed!" from the cache where `--no-cache` reported PTL201)."""

from __future__ import annotations

import json
from pathlib import Path

from pt_lsp.cli import main
from pt_lsp.commands import check as check_module
from pt_lsp.commands.lint_file import FileOutcome, is_clean
from tests.flow.test_project_imports import MODELS, TRAIN, write  # our programs: the imported model, its loop

DETACHED = MODELS.replace("return self.out(y), hidden", "return self.out(y), tuple(h.detach() for h in hidden)")


def test_an_outcome_with_reads_is_sent_back():
    assert is_clean(FileOutcome("a.py"))
    assert not is_clean(FileOutcome("a.py", reads={"/p/models.py": "0123"}))


def test_two_jobs_reanalyse_a_clean_importer_when_the_imported_file_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path / "cache"))
    # enough files for worker processes (fewer are linted in this process)
    fillers = {f"f{i}.py": f"x = {i}\n" for i in range(check_module.SERIAL_BELOW)}
    write(tmp_path, {"models.py": DETACHED, "train.py": TRAIN.format(detach=""), **fillers})

    def run() -> list[tuple[str, int]]:
        capsys.readouterr()
        main(["check", ".", "--select", "PTL201", "--jobs", "2", "--output-format", "json", "--exit-zero"])
        return [(Path(f["filename"]).name, f["location"]["row"]) for f in json.loads(capsys.readouterr().out)]

    assert run() == []  # the model detaches its state: train.py is clean, and read models.py
    write(tmp_path, {"models.py": MODELS})
    assert run() == [("train.py", 10)]  # models.py changed: train.py analysed again
