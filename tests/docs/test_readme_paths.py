"""The README's evidence-path output is what `pt-lsp check --output-format full` prints."""

from __future__ import annotations

import pathlib
import re

from pt_lsp.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = """\
import torch
net = torch.nn.Linear(3, 1)
if torch.cuda.is_available():
    net = net.cuda()
x = torch.randn(4, 3)
h = torch.zeros(4, 1)
for i in range(3):
    h = net(x) + h
    loss = h.sum()
    loss.backward()
out = net(x.cuda())
print(out.numpy())
"""


def test_readme_full_output_is_real(tmp_path, monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Findings that explain themselves", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    shown = [line for line in block.strip().splitlines() if re.match(r"^(train\.py|  = )", line)]
    assert len(shown) >= 8
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.py").write_text(PROGRAM)
    assert main(["check", "train.py", "--output-format", "full"]) == 1
    out = capsys.readouterr().out.splitlines()
    for line in shown:
        assert line in out, line
