"""Parallel `check`: chunks of files per worker, only the outcomes worth sending come back, and the
result is the serial run's, file by file."""

from __future__ import annotations

import gc

from pt_lsp.commands.check import SERIAL_BELOW, run_tasks
from pt_lsp.commands.lint_file import CHECK, FileOutcome, FileTask, is_clean, process, process_chunk
from pt_lsp.core.selection import Selection

BAD = 'import torch\nx = torch.ones(2, device="cuda")\ny = x.numpy()\n'


def _tree(tmp_path, count):
    paths = []
    for i in range(count):
        path = tmp_path / f"m{i:03}.py"
        if i % 5 == 0:
            path.write_text(BAD * (1 + i % 3))  # findings, files of several sizes
        elif i % 7 == 0:
            path.write_text("")  # empty: an outcome to send back
        elif i % 11 == 0:
            path.write_text("def broken(:\n")  # a syntax error: a finding
        else:
            path.write_text(f"value_{i} = {i}\n" * (i % 4 + 1))  # clean
        paths.append(str(path))
    return [FileTask(path, Selection(), CHECK) for path in paths]


def _summary(outcome: FileOutcome):
    return (
        outcome.path,
        [(loc.finding.code, loc.finding.span, loc.finding.message) for loc in outcome.findings],
        outcome.empty,
        outcome.skipped,
        outcome.errors,
    )


def test_two_jobs_give_the_serial_outcomes_in_the_order_of_the_tasks(tmp_path):
    tasks = _tree(tmp_path, 3 * SERIAL_BELOW)
    serial = run_tasks(tasks, 1)
    parallel = run_tasks(tasks, 2)
    assert [o.path for o in parallel] == [t.path for t in tasks]
    assert [_summary(o) for o in parallel] == [_summary(o) for o in serial]
    assert sum(len(o.findings) for o in parallel) > 0 and any(o.empty for o in parallel)
    assert any(loc.finding.code == "PTL000" for o in parallel for loc in o.findings)


def test_a_chunk_sends_back_only_the_files_with_something_to_say(tmp_path):
    tasks = _tree(tmp_path, 12)
    back = process_chunk(list(enumerate(tasks)))
    expected = [i for i, task in enumerate(tasks) if not is_clean(process(task))]
    assert [i for i, _ in back] == expected
    assert 0 < len(expected) < len(tasks)
    assert all(not is_clean(outcome) for _, outcome in back)
    assert is_clean(FileOutcome("x.py")) and not is_clean(FileOutcome("x.py", empty=True))


def test_the_collector_settings_are_restored_after_a_run(tmp_path):
    before = gc.get_threshold()
    run_tasks(_tree(tmp_path, 3), 1)
    run_tasks(_tree(tmp_path, SERIAL_BELOW), 2)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
