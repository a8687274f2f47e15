"""Issue 15: a file's analysis is freed when its lint ends (behaviour; the speed is the bench's).

A file's tree and facts refer to one another (the flow engine refers back to the file's context),
so reference counting alone never frees them: the runner collects once per file, while that
garbage is young."""

from __future__ import annotations

import gc
import weakref

import pytest

from pt_lsp.commands import lint_file
from pt_lsp.commands.check import run_tasks
from pt_lsp.commands.lint_file import CHECK, FileTask, process, process_collected
from pt_lsp.core import context
from pt_lsp.core.selection import Selection

SOURCE = """
import torch

def train(model, x, opt):
    loss = model(x).sum()
    loss.backward()
    opt.step()
    return loss.data
"""


@pytest.fixture
def contexts(monkeypatch):
    """Weak references to every FileContext made."""
    made: list[weakref.ref[context.FileContext]] = []
    original = context.FileContext.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(context.FileContext, "__init__", init)
    return made


def test_a_files_context_outlives_its_lint_without_a_collection(tmp_path, contexts):
    (tmp_path / "a.py").write_text(SOURCE)
    gc.disable()  # the premise: the flow facts refer back to the context
    try:
        process(FileTask(str(tmp_path / "a.py"), Selection(), CHECK))
        assert contexts and contexts[-1]() is not None
    finally:
        gc.enable()
        gc.collect()


def test_the_runner_frees_each_files_context_when_its_lint_ends(tmp_path, contexts):
    (tmp_path / "a.py").write_text(SOURCE)
    gc.disable()  # only the runner's own collection may free it
    try:
        outcome = process_collected(FileTask(str(tmp_path / "a.py"), Selection(), CHECK))
        assert [f.finding.code for f in outcome.findings] == ["PTL102"]
        assert contexts and contexts[-1]() is None
    finally:
        gc.enable()


def test_one_collection_per_file_but_the_last_in_a_one_job_run(tmp_path, monkeypatch):
    """The young generations are collected after each file but the last: the run ends next, and
    for a one-file check that collection would walk every object the start-up made (1405baa)."""
    paths = []
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(SOURCE)
        paths.append(str(tmp_path / f"{name}.py"))
    generations: list[int] = []
    collect = gc.collect
    monkeypatch.setattr(
        lint_file.gc, "collect", lambda generation=2: generations.append(generation) or collect(generation)
    )
    outcomes = run_tasks([FileTask(p, Selection(), CHECK) for p in paths], jobs=1)
    assert [len(o.findings) for o in outcomes] == [1, 1, 1]
    assert generations == [1, 1]
