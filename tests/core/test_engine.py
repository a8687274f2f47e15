"""The engine: one parse, every selected rule, crashes contained, noqa honoured."""

from pt_lsp.core.engine import lint_source
from pt_lsp.core.rule import Rule, all_rules
from pt_lsp.core.selection import Selection

BAD = 'import torch\nx = torch.ones(2, device="cuda")\ny = x.numpy()\n'


class _Crashing(Rule, register=False):
    code = "PTL998"
    name = "always-crashes"

    def check(self, ctx):
        raise ZeroDivisionError("boom")


def test_a_crashing_rule_is_an_error_and_the_other_rules_still_report():
    rules = [_Crashing, all_rules()["PTL401"]]
    result = lint_source(BAD, "bad.py", rules=rules)
    assert [f.code for f in result.findings] == ["PTL401"]
    assert len(result.errors) == 1 and "PTL998 crashed: ZeroDivisionError: boom" in result.errors[0]


def test_syntax_error_becomes_a_finding_at_its_position():
    result = lint_source("import torch\nx = (1,\ny = 2\n")
    (finding,) = result.findings
    assert finding.code == "PTL000" and finding.span.start.line == 2
    assert lint_source("x = '\0'\n").findings[0].code == "PTL000"  # NUL bytes: no ValueError


def test_noqa_comments():
    assert lint_source(BAD.replace("numpy()", "numpy()  # noqa")).findings == []
    assert lint_source(BAD.replace("numpy()", "numpy()  # noqa: PTL401")).findings == []
    assert lint_source(BAD.replace("numpy()", "numpy()  # noqa: PTL201")).findings != []


def test_selection_prefixes_longest_match_wins():
    selection = Selection.of(["PTL4"], ["PTL401"])
    assert not selection.enabled("PTL401") and selection.enabled("PTL402")
    assert not Selection.of(["PTL2"]).enabled("PTL401")
    assert Selection.of(["PTL"], ["PTL4"]).enabled("PTL201")
    assert Selection.of(["PTL401"], ["PTL4"]).enabled("PTL401")
    assert lint_source(BAD, selection=Selection.of(["PTL2"])).findings == []


def test_every_registered_rule_documents_itself():
    for code, rule in all_rules().items():
        assert rule.name and rule.summary, code
        assert isinstance(rule.examples, tuple)
