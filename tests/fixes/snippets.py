"""Buggy (and correct) PyTorch snippets composed from templates with chosen names, import
styles, indentation and nesting, for the property tests."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from mutations import reindent

# Placeholders: {torch} {nn} {np} {Variable} are import aliases; the others are variable names.
TEMPLATES = {
    "rnn_hidden": """
        {model} = {nn}.LSTM(4, 8)
        {opt} = {torch}.optim.SGD({model}.parameters(), lr=0.1)
        {hidden} = ({torch}.zeros(1, 2, 8), {torch}.zeros(1, 2, 8))
        for {i} in range(3):
            {out}, {hidden} = {model}({torch}.randn(5, 2, 4), {hidden})
            {loss} = {out}.pow(2).mean()
            {opt}.zero_grad()
            {loss}.backward()
            {opt}.step()
    """,
    "rnn_detached": """
        {model} = {nn}.GRU(4, 8)
        {hidden} = {torch}.zeros(1, 2, 8)
        for {i} in range(3):
            {hidden} = {hidden}.detach()
            {out}, {hidden} = {model}({torch}.randn(5, 2, 4), {hidden})
            {out}.sum().backward()
    """,
    "gan": """
        {gen} = {nn}.Sequential({nn}.Linear(2, 8), {nn}.ReLU(), {nn}.Linear(8, 2))
        {disc} = {nn}.Sequential({nn}.Linear(2, 8), {nn}.ReLU(), {nn}.Linear(8, 1))
        {fake} = {gen}({torch}.randn(4, 2))
        {d_loss} = {disc}({fake}).mean() - {disc}({torch}.randn(4, 2)).mean()
        {d_loss}.backward()
        {g_loss} = -{disc}({fake}).mean()
        {g_loss}.backward()
    """,
    "multi_loss": """
        {model} = {nn}.Linear(3, 4)
        {out} = {torch}.relu({model}({torch}.randn(2, 3)))
        {loss} = {out}.pow(2).sum()
        {d_loss} = {out}.abs().sum()
        {loss}.backward()
        {d_loss}.backward()
    """,
    "data_update": """
        {model} = {nn}.Linear(3, 1)
        {loss} = {model}({torch}.randn(4, 3)).sum()
        {loss}.backward()
        for {p} in {model}.parameters():
            {p}.data.add_({p}.grad.data, alpha=-0.1)
            {p}.grad.data.zero_()
        {w} = {torch}.randn(3, requires_grad=True)
        {w}.data = {w}.data * 2
        print({loss}.data, {w}.data.norm())
    """,
    "variable": """
        {x} = {Variable}({torch}.randn(2, 3), requires_grad=True)
        {out} = {Variable}({x} * 2)
        {w} = {torch}.autograd.Variable({torch}.ones(3), volatile=True)
        {out}.sum().backward()
    """,
    "numpy_device": """
        {device} = {torch}.device("cuda" if {torch}.cuda.is_available() else "cpu")
        {model} = {nn}.Linear(3, 2).to({device})
        {out} = {model}({torch}.randn(4, 3).to({device}))
        {arr} = {out}.detach().numpy()
        {arr2} = {np}.asarray({out}.argmax(1))
        {ok} = {out}.detach().cpu().numpy()
    """,
    "param": """
        class {Cls}({nn}.Module):
            def __init__(self, {x}=3):
                super().__init__()
                self.{a} = {torch}.randn({x}, requires_grad=True)
                self.{b} = []
                for {i} in range(2):
                    self.{b}.append({nn}.Linear({x}, {x}))
                self.{c} = [{nn}.Linear({x}, {x}) for {p} in range(2)]
                self.{d} = {nn}.ModuleList([{nn}.Linear({x}, {x})])
                self.{ok} = [1, 2, 3]

            def forward(self, {w}):
                return {w} * self.{a}
    """,
}
NAME_SLOTS = (
    "model",
    "opt",
    "hidden",
    "i",
    "out",
    "loss",
    "gen",
    "disc",
    "fake",
    "d_loss",
    "g_loss",
    "p",
    "w",
    "x",
    "device",
    "arr",
    "arr2",
    "ok",
    "Cls",
    "a",
    "b",
    "c",
    "d",
)
TORCH_IMPORTS = {"torch": "import torch", "T": "import torch as T", "th": "import torch as th"}
NN_IMPORTS = ("import torch.nn as nn", "from torch import nn", "from torch import nn as tnn")
VARIABLE_IMPORTS = (
    "from torch.autograd import Variable",
    "from torch.autograd import Variable as V",
    "from torch.autograd import Variable, grad",
)
WRAPPERS = ("function", "method", "main_guard", "loop", "no_wrapper", "if_branch", "try")


@dataclass(frozen=True)
class Snippet:
    templates: tuple[str, ...]
    names: tuple[str, ...]  # one per NAME_SLOTS entry, distinct
    torch_alias: str = "torch"
    nn_import: str = NN_IMPORTS[0]
    variable_import: str = VARIABLE_IMPORTS[0]
    wrappers: tuple[str, ...] = ()
    indent: str = "    "


def _wrap(body: str, wrapper: str, n: int) -> str:
    inner = textwrap.indent(body, "    ")
    header = {
        "function": f"def run_{n}():\n",
        "method": f"class Job{n}:\n    def run(self):\n",
        "main_guard": 'if __name__ == "__main__":\n',
        "loop": f"for epoch_{n} in range(2):\n",
        "if_branch": f"if flag_{n}:\n    pass\nelse:\n",
        "try": "try:\n",
    }.get(wrapper)
    if wrapper == "method":
        inner = textwrap.indent(body, "        ")
    if wrapper == "try":
        return header + inner + "except RuntimeError:\n    raise\n"
    return body if header is None else header + inner


def render(snippet: Snippet) -> str:
    aliases = {
        "torch": snippet.torch_alias,
        "nn": "tnn" if snippet.nn_import.endswith("as tnn") else "nn",
        "np": "np",
        "Variable": "V" if snippet.variable_import.endswith("as V") else "Variable",
    }
    values = {**dict(zip(NAME_SLOTS, snippet.names)), **aliases}
    imports = [TORCH_IMPORTS[snippet.torch_alias], snippet.nn_import, snippet.variable_import, "import numpy as np"]
    if snippet.torch_alias != "torch":
        imports.insert(0, "import torch")  # `from torch import nn` needs nothing more; kept realistic
    body = "".join(textwrap.dedent(TEMPLATES[t]).strip("\n").format(**values) + "\n\n" for t in snippet.templates)
    for n, wrapper in enumerate(snippet.wrappers):
        body = _wrap(body, wrapper, n)
    return reindent("\n".join(imports) + "\n\n" + body, snippet.indent)
