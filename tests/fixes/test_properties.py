"""Property tests: on generated snippets and on mutated corpus files, linting never raises nor
reports an internal error, applying every fix keeps all the harness invariants, and findings do
not depend on names, indentation or unrelated statements (the analysis works on evidence)."""

from __future__ import annotations

import ast
import builtins
import keyword

from harness_support import corpus_files, fix_harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import (
    fresh_name,
    insert_lines,
    insertion_points,
    local_names,
    reindent,
    rename,
)
from snippets import (
    NAME_SLOTS,
    NN_IMPORTS,
    TEMPLATES,
    TORCH_IMPORTS,
    VARIABLE_IMPORTS,
    WRAPPERS,
    Snippet,
    render,
)

from pt_lsp.core.engine import lint_source

RESERVED = {
    "torch",
    "T",
    "th",
    "nn",
    "tnn",
    "np",
    "V",
    "Variable",
    "grad",
    "self",
    "super",
    "print",
    "range",
    "run",
    "flag",
    "epoch",
} | set(dir(builtins))
identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in RESERVED and not n.startswith(("run_", "flag_", "epoch_"))
)
INDENTS = ("    ", "  ", "\t", "        ", "   ")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def snippets(draw) -> Snippet:
    return Snippet(
        templates=tuple(draw(st.lists(st.sampled_from(sorted(TEMPLATES)), min_size=1, max_size=3))),
        names=tuple(draw(st.lists(identifiers, min_size=len(NAME_SLOTS), max_size=len(NAME_SLOTS), unique=True))),
        torch_alias=draw(st.sampled_from(sorted(TORCH_IMPORTS))),
        nn_import=draw(st.sampled_from(NN_IMPORTS)),
        variable_import=draw(st.sampled_from(VARIABLE_IMPORTS)),
        wrappers=tuple(draw(st.lists(st.sampled_from(WRAPPERS), max_size=3))),
        indent=draw(st.sampled_from(INDENTS)),
    )


def findings_of(text: str) -> set[tuple[int, str]]:
    result = lint_source(text, "<property>")
    assert result.errors == [], result.errors
    assert result.message is None
    return {(f.line, f.code) for f in result.findings}


def assert_fixes_safe(text: str) -> None:
    report = fix_harness.check_source(text, "<property>")
    assert report.parsed
    assert report.violations == [], "\n".join(report.violations) + "\n--- source ---\n" + text


@SETTINGS
@given(snippets())
def test_generated_snippets_lint_and_fix_safely(snippet):
    text = render(snippet)
    ast.parse(text)  # the generator itself must produce valid code
    findings_of(text)
    assert_fixes_safe(text)


@SETTINGS
@given(snippets(), st.sampled_from(INDENTS))
def test_findings_of_snippets_do_not_depend_on_indentation(snippet, indent):
    text = render(snippet)
    assert findings_of(reindent(text, indent)) == findings_of(text)


CORPUS = corpus_files()
CONTENTS = ("pass", "# a comment", "", "_pt_lsp_probe = 0", "print('step')")


@st.composite
def mutated_corpus(draw) -> tuple[str, str, dict[int, int]]:
    """(original text, mutated text, old line -> new line)."""
    path = draw(st.sampled_from(CORPUS))
    original = path.read_text(encoding="utf-8")
    text = original
    candidates = local_names(text)
    if candidates:
        for old in draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True)):
            text = rename(text, old, fresh_name(text, draw(st.from_regex(r"[a-z]{1,4}", fullmatch=True))))
    text = reindent(text, draw(st.sampled_from(INDENTS)))
    points = insertion_points(text)
    chosen = draw(st.lists(st.sampled_from(points), max_size=4, unique=True)) if points else []
    insertions = [(line, indent + draw(st.sampled_from(CONTENTS))) for line, indent in chosen]
    text, mapping = insert_lines(text, insertions)
    return original, text, mapping


@SETTINGS
@given(mutated_corpus())
def test_mutated_corpus_files_keep_their_findings_and_fix_safely(case):
    original, mutated, mapping = case
    ast.parse(mutated)  # the mutations keep the file valid
    expected = {(mapping[line], code) for line, code in findings_of(original)}
    assert findings_of(mutated) == expected
    assert_fixes_safe(mutated)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CORPUS), st.data())
def test_lint_never_raises_on_truncated_or_spliced_files(path, data):
    # Half-typed code in an editor: cut the file anywhere, or splice two corpus files.
    text = path.read_text(encoding="utf-8")
    cut = data.draw(st.integers(0, len(text)))
    other = data.draw(st.sampled_from(CORPUS)).read_text(encoding="utf-8")
    for candidate in (text[:cut], text[:cut] + other[cut:], text[cut:]):
        result = lint_source(candidate, "<edit>")
        assert result.errors == []
