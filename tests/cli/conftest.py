"""Helpers for the CLI tests: run `pt-lsp` in-process, and test-only rules with fixes."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from pt_lsp.cli import main
from pt_lsp.core import rule as rule_module

from .fake_rules import FAKE_RULES


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Each test its own cache (`pt-lsp check` keeps one by default): no test is answered from
    another's results, and none writes into the checkout."""
    monkeypatch.setenv("PT_LSP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def fake_rules(monkeypatch):
    """Register the test rules for one test only."""
    rule_module.all_rules()  # load the real ones first, so the fakes are the only addition
    for code, rule in FAKE_RULES.items():
        monkeypatch.setitem(rule_module._REGISTRY, code, rule)
    return FAKE_RULES


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli("check", path, ..., stdin=b"...")`` -> Run(code, out, err)."""

    def run(*args: str, stdin: bytes | None = None) -> Run:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def only_fakes():
    """``--select`` arguments that run the test rules alone."""
    return ["--select", "PTL9"]
