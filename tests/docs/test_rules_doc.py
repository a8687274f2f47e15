"""docs/rules.md, the page every finding links to, is generated and agrees with the registry."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from pt_lsp.core.rule import all_rules

ROOT = Path(__file__).resolve().parents[2]
RULES_DOC = ROOT / "docs" / "rules.md"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs_script", ROOT / "scripts" / "gen_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc() -> str:
    return RULES_DOC.read_text(encoding="utf-8")


def test_committed_rules_doc_is_the_generated_one():
    assert _doc() == _generator().render(all_rules()), "docs/rules.md is stale: run scripts/gen_rule_docs.py"


def test_check_mode_exits_zero_on_the_committed_file():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_check_mode_exits_one_on_a_stale_file(tmp_path):
    generator = _generator()
    stale = tmp_path / "docs" / "rules.md"
    stale.parent.mkdir()
    stale.write_text(_doc().replace("## PTL201", "## PTL201 (old)"), encoding="utf-8")
    generator.load_rules = lambda root: all_rules()  # the rules of this checkout, docs/ under tmp_path
    assert generator.main(["--check", "--root", str(tmp_path)]) == 1
    assert generator.main(["--root", str(tmp_path)]) == 0
    assert generator.main(["--check", "--root", str(tmp_path)]) == 0
    assert stale.read_text(encoding="utf-8") == _doc()


def test_every_rule_url_fragment_is_an_anchor_of_its_section():
    doc = _doc()
    for code, rule in all_rules().items():
        url = urlparse(rule.url())
        assert url.fragment == code.lower()
        anchor = f'<a id="{url.fragment}"></a>'
        assert doc.count(anchor) == 1, code
        section = doc.split(anchor, 1)[1].lstrip("\n")
        assert section.startswith(f"## {code} {rule.name}\n"), code


def test_every_rule_url_names_a_file_of_this_repository():
    for code, rule in all_rules().items():
        url = urlparse(rule.url())
        # https://github.com/<owner>/<repo>/blob/<branch>/<path>
        parts = url.path.strip("/").split("/")
        assert url.netloc == "github.com" and parts[2] == "blob", rule.url()
        assert (ROOT / Path(*parts[4:])).is_file(), f"{code}: {rule.url()} names a missing file"


def test_rules_doc_readme_and_cli_list_the_same_codes():
    registry = set(all_rules())
    in_doc = set(re.findall(r"^## (PTL\d{3}) ", _doc(), flags=re.MULTILINE))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    in_readme = set(re.findall(r"^\| (PTL\d{3}) \|", readme, flags=re.MULTILINE))
    output = subprocess.run(
        [sys.executable, "-m", "pt_lsp", "rule", "--all", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    in_cli = {entry["code"] for entry in json.loads(output)}
    assert in_doc == registry
    assert in_readme == registry
    assert in_cli == registry
