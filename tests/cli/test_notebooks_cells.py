"""Notebooks as they are: a cell that does not parse, IPython magics, shell escapes and help."""

from __future__ import annotations

import json

from .test_notebooks import notebook, write

VARIABLE = "import torch\nx = torch.autograd.Variable(torch.ones(1))"
BROKEN = "print 'epoch', epoch\nloss = 1"


def sources(path):
    return ["".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def check_json(cli, path, *args):
    return json.loads(cli("check", path, "--output-format", "json", *args).out)


def test_a_broken_cell_does_not_hide_the_other_cells(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    write(path, notebook(("markdown", "# t"), ("code", BROKEN), ("code", VARIABLE)))
    run = cli("check", path, "--select", "PTL000,PTL101")
    assert run.code == 1
    assert f"{path}:cell 2:1:1: PTL000 SyntaxError:" in run.out
    assert f"{path}:cell 3:2:5: PTL101" in run.out
    items = check_json(cli, path, "--select", "PTL000,PTL101")
    assert [(i["code"], i["cell"], i["location"]) for i in items] == [
        ("PTL000", 2, {"row": 1, "column": 1}),
        ("PTL101", 3, {"row": 2, "column": 5}),
    ]


def test_names_from_cells_before_a_broken_one_still_count(cli, tmp_path):
    """The program is the other cells together: a CUDA tensor from cell 1 reaches cell 3."""
    path = tmp_path / "nb.ipynb"
    write(
        path, notebook(("code", "import torch\nx = torch.ones(3).cuda()"), ("code", BROKEN), ("code", "y = x.numpy()"))
    )
    items = check_json(cli, path, "--select", "PTL000,PTL401")
    assert [(i["code"], i["cell"], i["location"]["row"]) for i in items] == [("PTL000", 2, 1), ("PTL401", 3, 1)]


def test_magics_shell_escapes_and_help_are_not_syntax_errors(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    first = "%matplotlib inline\n%load_ext autoreload\n!pip install torch\nfiles = !ls\nt = %time sum(files)\ntorch?\n?torch"
    last = "torch??\nfor f in files:\n    !echo $f\n" + VARIABLE
    write(path, notebook(("code", first), ("code", last)))
    items = check_json(cli, path, "--select", "PTL000,PTL101")
    assert [(i["code"], i["cell"], i["location"]) for i in items] == [("PTL101", 2, {"row": 5, "column": 5})]


def test_a_bash_cell_is_skipped(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    write(
        path, notebook(("code", "%%bash\nfor f in *; do echo $f; done\n" + VARIABLE), ("code", "%%writefile a.py\n("))
    )
    run = cli("check", path, "--select", "PTL000,PTL101")
    assert run.code == 0, run.out


def test_the_body_of_a_time_cell_is_linted(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    write(path, notebook(("code", "%%time\n" + VARIABLE), ("code", "%%capture out\nprint 1")))
    items = check_json(cli, path, "--select", "PTL000,PTL101")
    assert [(i["code"], i["cell"], i["location"]["row"]) for i in items] == [("PTL101", 1, 3), ("PTL000", 2, 2)]


def test_fix_leaves_the_broken_cell_and_magic_lines_byte_identical(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    magic = "%matplotlib inline\n!pip install torch\nfiles = !ls\n" + VARIABLE + "\nx?"
    write(path, notebook(("code", BROKEN), ("markdown", "m"), ("code", magic), ("code", "%%bash\necho 1")))
    before = json.loads(path.read_text(encoding="utf-8"))
    run = cli("check", path, "--select", "PTL000,PTL101", "--fix")
    assert run.code == 1  # the broken cell remains
    assert f"{path}:cell 1:1:1: PTL000" in run.out
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after["cells"][0] == before["cells"][0]
    assert after["cells"][3] == before["cells"][3]
    assert (
        sources(path)[2] == "%matplotlib inline\n!pip install torch\nfiles = !ls\nimport torch\nx = torch.ones(1)\nx?"
    )
    assert cli("check", path, "--select", "PTL101").code == 0


def test_fix_with_the_test_rules_next_to_magics(cli, tmp_path, fake_rules, only_fakes):
    """Fixes that insert lines and change columns in cells with magics and a broken cell."""
    path = tmp_path / "nb.ipynb"
    write(
        path,
        notebook(
            ("code", "!nvidia-smi\nstep()\n%time a = x.numpy()\nb = x.numpy()"),
            ("code", "def f(:\n    step()"),
            ("code", "%%time\nstep()"),
        ),
    )
    cli("check", path, *only_fakes, "--fix")
    assert sources(path) == [
        "!nvidia-smi\nzero_grad()\nstep()\n%time a = x.numpy()\nb = x.cpu().numpy()",
        "def f(:\n    step()",
        "%%time\nzero_grad()\nstep()",
    ]


def test_a_finding_inside_time_is_reported_at_its_column_and_not_fixed(cli, tmp_path):
    path = tmp_path / "nb.ipynb"
    source = "import torch\nfor i in range(2):\n    %time v = torch.autograd.Variable(torch.ones(1))\nv.sum()"
    write(path, notebook(("code", source)))
    run = cli("check", path, "--select", "PTL000,PTL101", "--fix")
    assert f"{path}:cell 1:3:15: PTL101" in run.out
    assert sources(path) == [source]


def test_a_fix_reading_a_name_a_later_cell_binds_is_not_applied(cli, tmp_path, fake_rules):
    # The fix inserts `zero_grad()`; here `zero_grad` is defined in the next cell, so the inserted
    # line would raise NameError when the cells run in order: as in files, the fix is refused.
    path = tmp_path / "nb.ipynb"
    write(path, notebook(("code", "step()"), ("code", "def zero_grad():\n    pass\n\ndef step():\n    pass")))
    before = path.read_text(encoding="utf-8")
    run = cli("check", path, "--select", "PTL903", "--fix")
    assert run.code == 1 and "PTL903" in run.out
    assert path.read_text(encoding="utf-8") == before
    # Bound in an earlier cell, the same fix is applied.
    write(path, notebook(("code", "def zero_grad():\n    pass\n\ndef step():\n    pass"), ("code", "step()")))
    assert cli("check", path, "--select", "PTL903", "--fix").code == 0
    assert sources(path)[1] == "zero_grad()\nstep()"
