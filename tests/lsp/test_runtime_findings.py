"""The ``runtimeFindings`` setting: diagnostics tagged with the latest `pt-lsp run` report, runtime
findings the static pass missed added, and nothing when the report does not match the file."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pt_lsp.core.selection import Selection
from pt_lsp.lsp.client import ClientFeatures
from pt_lsp.lsp.linting import lint_document
from pt_lsp.lsp.runtime_findings import RUNTIME_SOURCE
from pt_lsp.lsp.settings import Settings, editor_settings

PROGRAM = """\
import torch

w = torch.ones(3, requires_grad=True)
loss = (w * 2).sigmoid().sum()
loss.backward()
loss.backward()
z = make()
print(z.data)
"""


def _entry(path: Path, source: str, code: str, row: int, column: int, crosscheck: str, **extra) -> dict:
    return {
        "code": code,
        "name": "name",
        "message": f"{code} message",
        "severity": "error",
        "filename": str(path),
        "location": {"row": row, "column": column},
        "end_location": {"row": row, "column": column + 6},
        "related": [],
        "source": source,
        "crosscheck": crosscheck,
        **extra,
    }


def _project(tmp_path: Path, entries_for) -> Path:
    script = tmp_path / "train.py"
    script.write_text(PROGRAM)
    report = tmp_path / ".pt-lsp" / "run.json"
    report.parent.mkdir()
    report.write_text(json.dumps(entries_for(script)))
    later = time.time() + 5
    os.utime(report, (later, later))  # written after the file it ran
    return script


def _lint(script: Path, text: str | None = None, enabled: bool = True):
    settings = Settings(runtime_findings=enabled)
    return lint_document(
        "file:///x", 1, text or script.read_text(), str(script), Selection(), settings, ClientFeatures()
    )


def _entries(script: Path) -> list[dict]:
    return [
        _entry(script, "runtime", "PTL201", 6, 1, "confirmed"),
        _entry(script, "static", "PTL201", 6, 1, "confirmed"),
        _entry(
            script,
            "runtime",
            "PTL102",
            8,
            7,
            "runtime-only",
            related=[{"message": "taken here", "filename": str(script), "location": {"row": 7, "column": 1}}],
        ),
    ]


def test_confirmed_diagnostics_are_tagged_and_misses_added(tmp_path: Path) -> None:
    script = _project(tmp_path, _entries)
    lint = _lint(script)
    by_code = {(d.code, d.source): d for d in lint.diagnostics}
    confirmed = by_code[("PTL201", "pt-lsp")]
    assert confirmed.message.endswith("(confirmed at runtime)")
    added = by_code[("PTL102", RUNTIME_SOURCE)]
    assert added.message == "PTL102 message (seen at runtime; not found by the static analysis)"
    assert (added.range.start.line, added.range.start.character) == (7, 6)
    assert added.related_information[0].location.range.start.line == 6


def test_off_by_default_and_parsed_from_the_editor(tmp_path: Path) -> None:
    script = _project(tmp_path, _entries)
    assert Settings().runtime_findings is False
    plain = _lint(script, enabled=False)
    assert all(d.source == "pt-lsp" and "runtime" not in d.message for d in plain.diagnostics)
    warnings: list[str] = []
    assert editor_settings({"runtimeFindings": True}, warnings.append) == {"runtime_findings": True}
    assert editor_settings({"runtimeFindings": "yes"}, warnings.append) == {} and warnings


def test_an_edited_buffer_or_an_older_report_is_not_used(tmp_path: Path) -> None:
    script = _project(tmp_path, _entries)
    edited = _lint(script, text="# a new first line\n" + PROGRAM)
    assert all("runtime" not in d.message and d.source == "pt-lsp" for d in edited.diagnostics)
    report = tmp_path / ".pt-lsp" / "run.json"
    earlier = time.time() - 60
    os.utime(report, (earlier, earlier))
    stale = _lint(script)
    assert all("runtime" not in d.message and d.source == "pt-lsp" for d in stale.diagnostics)


def test_a_broken_report_changes_nothing(tmp_path: Path) -> None:
    script = _project(tmp_path, _entries)
    (tmp_path / ".pt-lsp" / "run.json").write_text("{not json")
    lint = _lint(script)
    assert lint.diagnostics and all(d.source == "pt-lsp" for d in lint.diagnostics)


@pytest.mark.requires_torch
def test_the_report_written_by_pt_lsp_run_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pt_lsp.runtime.run.command import main

    script = tmp_path / "train.py"
    script.write_text(PROGRAM.replace("z = make()\n", "z = torch.ones(2, requires_grad=True) + 0\n"))
    monkeypatch.chdir(tmp_path)
    assert main([str(script)]) == 1
    lint = _lint(script)
    messages = {d.code: d.message for d in lint.diagnostics if d.source == "pt-lsp"}
    assert messages["PTL201"].endswith("(confirmed at runtime)")


@pytest.mark.asyncio
async def test_the_server_tags_and_adds_runtime_findings(bare_client, tmp_path: Path) -> None:
    """Through the real server (pytest-lsp): the setting from initializationOptions, the report
    found above the opened file."""
    from lsp_session import start
    from pytest_lsp import client_capabilities

    script = _project(tmp_path, _entries)
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"runtimeFindings": True})
    diagnostics = await ed.diagnostics(ed.open(script.read_text(), name="train.py"))
    by_code = {(d.code, d.source): d.message for d in diagnostics}
    assert by_code[("PTL201", "pt-lsp")].endswith("(confirmed at runtime)")
    assert by_code[("PTL102", RUNTIME_SOURCE)].startswith("PTL102 message (seen at runtime")
