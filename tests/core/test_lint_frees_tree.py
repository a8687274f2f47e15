"""Issue 15: when a file's lint ends its tree and flow facts are freed by reference counts, not left
to the collector (the flow engine's parts refer to one another and to the file's context: over
torch's source the collector walked about a million such objects a run)."""

from __future__ import annotations

import gc
import weakref

import pytest

from pt_lsp.core import context
from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow import facts

SOURCE = """
import torch

def train(model, x, opt):
    loss = model(x).sum()
    loss.backward()
    loss.backward()
    opt.step()
    return loss.data
"""


@pytest.fixture
def made(monkeypatch):
    """Weak references to the tree of every FileContext and to every FlowFacts made."""
    refs: list[weakref.ref[object]] = []
    init_context, init_facts = context.FileContext.__init__, facts.FlowFacts.__init__

    def context_init(self, path, doc, tree, *args, **kwargs):
        init_context(self, path, doc, tree, *args, **kwargs)
        refs.append(weakref.ref(tree))

    def facts_init(self, *args, **kwargs):
        init_facts(self, *args, **kwargs)
        refs.append(weakref.ref(self))

    monkeypatch.setattr(context.FileContext, "__init__", context_init)
    monkeypatch.setattr(facts.FlowFacts, "__init__", facts_init)
    return refs


def test_the_tree_and_the_facts_go_when_the_lint_ends_without_a_collection(made):
    gc.collect()
    gc.disable()
    try:
        result = lint_source(SOURCE, "train.py")
        assert {f.code for f in result.findings} >= {"PTL102", "PTL201"}  # the flow engine ran
        assert len(made) >= 2
        assert [ref() for ref in made] == [None] * len(made)
    finally:
        gc.enable()
