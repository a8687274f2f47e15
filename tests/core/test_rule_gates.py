"""The text tests rules start with, made cheaper, still answer exactly what their regex answers.

A rule's first test of the file's text decides whether anything else runs. Where a regex without
a literal prefix scanned slowly, a substring test and a search from the first place a match may
start replaced it; these tests hold the new form to the regex it stands for."""

from __future__ import annotations

import ast
import re

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.rule import all_rules
from pt_lsp.rules.autograd import backward_through_freed_graph as ptl201
from pt_lsp.rules.autograd import implicit_grad_non_scalar as ptl202

# PTL202's gate before 997fd3c: backward() or a call of autograd.grad (not `no_grad(`); the rule
# now answers it with substring searches, held here to the regex
PTL202_REGEX = re.compile(r"backward\(|\bgrad\(")

CRAFTED = [
    "",
    "grad(",
    "xgrad(",
    "xgrad( grad(",
    "requires_grad(x)\ny = torch.autograd.grad(z, w)",
    "_grad(",
    "\u00e4grad(",
    "1grad(",
    ".grad(",
    "xgrad(\ngrad(",
    "backward(",
    "a.backward(",
    "a.backward (",
    "loss.backward()",
    "autograd",
    "autograd.grad(",
    "torch.autograd.grad(y, x)",
    "torch.autograd.backward([y])",
    "autograd.gradcheck(f, x)",
    "from torch.autograd import grad",
    "from torch.autograd import Function, grad\n",
    "from torch.autograd import gradcheck",
    "from torch.autograd import (grad)",
    "from  torch.autograd import grad",
    "x = 1\nfrom torch.autograd import grad",
    "import torch.autograd\nfrom torch.autograd import grad as g",
    "autograd\n" * 3 + "from torch.autograd import Variable, grad",
    "# autograd\nfrom torch.autograd import Variable\ny = grad",
]


def _examples(code: str) -> list[str]:
    return [example.code for example in all_rules()[code].examples]


def _gate_passed(rule: type, text: str) -> bool:
    """Whether ``rule``'s check got past its text test: it then asks for the node index or the
    flow facts."""
    ctx = FileContext("<gate>", Document(text), ast.parse("pass"))
    list(rule().check(ctx))
    return "flow" in ctx.__dict__ or "index" in ctx.__dict__


@pytest.mark.parametrize("text", CRAFTED + _examples("PTL201"))
def test_ptl201_runs_exactly_where_its_regex_matches(text):
    expected = ptl201._MAY_BACKWARD.search(text) is not None
    assert _gate_passed(ptl201.BackwardThroughFreedGraph, text) is expected


def test_the_crafted_texts_cover_both_answers():
    for regex in (ptl201._MAY_BACKWARD, PTL202_REGEX):
        assert {regex.search(text) is not None for text in CRAFTED} == {True, False}


@pytest.mark.parametrize("text", CRAFTED + _examples("PTL202"))
def test_ptl202_runs_exactly_where_its_regex_matches(text):
    expected = PTL202_REGEX.search(text) is not None
    assert _gate_passed(ptl202.ImplicitGradNonScalar, text) is expected
