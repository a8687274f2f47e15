"""The issue-2 bar on the realistic corpus: precision >= 0.9, recall >= 0.8, no internal error.

The corpus (``files/case_*.py``) was written from real bug reports and forum questions, not
from the rule implementations; ``evaluate.py`` prints the per-rule figures and every miss.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate


@pytest.fixture(scope="module")
def evaluation() -> evaluate.Evaluation:
    return evaluate.evaluate()


def test_corpus_is_realistic_in_size_and_mix():
    files = evaluate.corpus_files()
    assert len(files) >= 40
    expected = set().union(*map(evaluate.expected_findings, files))
    for code in evaluate.CORE_CODES:
        assert sum(1 for key in expected if key[2] == code) >= 8, code
    silent = [f for f in files if not evaluate.expected_findings(f)]
    assert len(silent) >= 10  # correct code that must stay silent, not only bugs


@pytest.mark.parametrize("path", evaluate.corpus_files(), ids=lambda p: p.name)
def test_corpus_file_parses_and_markers_sit_on_code(path: Path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    code_lines = {n.lineno for n in ast.walk(tree) if hasattr(n, "lineno")}
    for name, line, code in evaluate.expected_findings(path):
        assert line in code_lines, f"{name}:{line}: marker {code} on a line without code"


def test_scores_count_matches_and_misses():
    files = [Path("a.py")]
    ev = evaluate.Evaluation(
        files, {("a.py", 1, "PTL201"), ("a.py", 2, "PTL401")}, {("a.py", 1, "PTL201"): "m", ("a.py", 3, "PTL401"): "m"}
    )
    assert (ev.score().tp, ev.score().fp, ev.score().fn) == (1, 1, 1)
    assert ev.score("PTL201").precision == 1.0 and ev.score("PTL401").recall == 0.0
    assert ev.false_positives == [("a.py", 3, "PTL401")]
    assert ev.false_negatives == [("a.py", 2, "PTL401")]
    assert not ev.meets_bar()


def test_no_internal_error(evaluation: evaluate.Evaluation):
    assert evaluation.errors == []


def test_precision_and_recall_meet_the_bar(evaluation: evaluate.Evaluation):
    total = evaluation.score()
    details = evaluate.report(evaluation)
    assert total.precision >= evaluate.PRECISION_BAR, details
    assert total.recall >= evaluate.RECALL_BAR, details
