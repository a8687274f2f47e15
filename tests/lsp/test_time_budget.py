"""A time budget per document: past it the server shows the findings so far and says they are
partial, once, instead of leaving the editor without diagnostics."""

from __future__ import annotations

import pytest
from lsp_session import start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from pt_lsp.lsp.settings import DEFAULT_TIME_BUDGET, editor_settings

TWO_RULES = "t = make()\nconsume(t)\nconsume(t)\nlegacy_api(t)\n"


@pytest.mark.asyncio
async def test_an_exhausted_budget_is_said_once_as_a_warning(bare_client: LanguageClient, tmp_path):
    # A nanosecond: every lint runs out of time before its first rule.
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"), {"timeBudget": 1e-9})
    uri = ed.open(TWO_RULES)
    assert await ed.diagnostics(uri) == []  # no rule ran: nothing to show, and the user is told why
    notices = [m for m in bare_client.messages if "time budget" in m.message]
    assert len(notices) == 1 and notices[0].type == types.MessageType.Warning
    assert "diagnostics shown are partial" in notices[0].message and "timeBudget" in notices[0].message
    assert "not run: PTL" in notices[0].message
    mark = len(ed.published.items)
    ed.replace(uri, "legacy_api(t)", "legacy_api(t)  # edited")
    await ed.diagnostics(uri, after=mark)
    assert len([m for m in bare_client.messages if "time budget" in m.message]) == 1  # not on every keystroke


@pytest.mark.asyncio
async def test_the_default_budget_lints_everything(bare_client: LanguageClient, tmp_path):
    ed = await start(bare_client, tmp_path, client_capabilities("visual-studio-code"))
    assert sorted(str(d.code) for d in await ed.diagnostics(ed.open(TWO_RULES))) == ["PTL901", "PTL903"]
    assert not [m for m in bare_client.messages if "time budget" in m.message]


def test_the_setting_is_validated():
    warnings: list[str] = []
    assert editor_settings({"timeBudget": 2}, warnings.append) == {"time_budget": 2.0}
    assert editor_settings({"timeBudget": 0}, warnings.append) == {"time_budget": 0.0}  # no limit
    assert editor_settings({"timeBudget": "fast"}, warnings.append) == {}
    assert warnings == ["setting 'timeBudget' must be a number of seconds (0-600, 0: no limit), got 'fast'; ignored"]
    assert DEFAULT_TIME_BUDGET == 5.0
