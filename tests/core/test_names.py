"""Name resolution through imports, aliases, shadowing and star imports."""

import ast

import pytest

from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.names import Names


def qualname_of_call(source: str, line: int) -> str | None:
    tree = ast.parse(source)
    names = Names(tree)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.lineno == line)
    return names.qualname(call.func)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import torch as T\nT.autograd.Variable(x)\n", "torch.autograd.Variable"),
        ("from torch.autograd import Variable as V\nV(x)\n", "torch.autograd.Variable"),
        ("from torch import nn\nnn.Linear(2, 3)\n", "torch.nn.Linear"),
        ("import torch.nn as nn\nnn.Linear(2, 3)\n", "torch.nn.Linear"),
        ("import torch.nn.functional as F\nF.relu(x)\n", "torch.nn.functional.relu"),
        ("import torch.nn\ntorch.nn.Linear(1, 1)\n", "torch.nn.Linear"),
        ("from torch import *\ntensor([1])\n", "torch.tensor"),
        ("from torch.autograd.variable import Variable\nVariable(x)\n", "torch.autograd.Variable"),
        ("import torch\nV = torch.autograd.Variable\nV(x)\n", "torch.autograd.Variable"),
    ],
)
def test_imports_and_aliases_resolve(source, expected):
    assert qualname_of_call(source, source.count("\n")) == expected


@pytest.mark.parametrize(
    "source",
    [
        # an assignment shadows the import
        "from torch.autograd import Variable\nVariable = object\nVariable(x)\n",
        # a parameter shadows it inside the function
        "from torch.autograd import Variable\ndef f(Variable):\n    return Variable(x)\n",
        # another import shadows it
        "from torch.autograd import Variable\nfrom tensorflow import Variable\nVariable(x)\n",
        # the user's own class
        "class Variable:\n    pass\nVariable(x)\n",
        # a local assignment later in the function makes the name local throughout
        "from torch.autograd import Variable\ndef f():\n    Variable(x)\n    Variable = 1\n",
    ],
)
def test_shadowed_names_do_not_resolve_to_torch(source):
    tree = ast.parse(source)
    names = Names(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert all(names.qualname(c.func) != "torch.autograd.Variable" for c in calls)


def test_function_sees_module_import_and_class_body_does_not_enclose_methods():
    source = "import torch\nclass M:\n    torch = None\n    def f(self):\n        return torch.zeros(1)\n"
    assert qualname_of_call(source, 5) == "torch.zeros"


def test_module_subclasses_found_through_local_bases():
    source = (
        "from torch import nn\n"
        "class Base(nn.Module):\n    pass\n"
        "class Child(Base):\n    pass\n"
        "class Plain:\n    pass\n"
        "class Seq(nn.Sequential):\n    pass\n"
    )
    ctx = FileContext("m.py", Document(source), ast.parse(source))
    assert ctx.classes["Base"].is_module
    assert ctx.classes["Child"].is_module
    assert ctx.classes["Seq"].is_module
    assert not ctx.classes["Plain"].is_module
