"""Runs the selected rules over one parse of a file."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable

from .budget import Budget, BudgetExceeded
from .context import FileContext
from .document import Document, Pos, Span
from .findings import FileResult, Finding, Severity
from .noqa import is_suppressed
from .rule import IMPORT_ERRORS, SYNTAX_ERROR, Rule, all_rules
from .selection import Selection
from .walk import MAX_DEPTH

# (selection, the registry) -> the rules it enables: asked once per file linted
_SELECTED: dict[tuple[Selection, tuple[tuple[str, type[Rule]], ...]], tuple[type[Rule], ...]] = {}


def selected_rules(selection: Selection | None = None) -> list[type[Rule]]:
    rules = all_rules()
    selection = selection or Selection()
    key = (selection, tuple(rules.items()))
    try:
        selected = _SELECTED.get(key)
    except TypeError:  # a Selection made with lists (callers may): not hashable, not memoised
        return [rule for code, rule in rules.items() if selection.enabled(code)]
    if selected is None:
        if len(_SELECTED) > 64:  # a server changing its settings: bounded
            _SELECTED.clear()
        selected = _SELECTED[key] = tuple(rule for code, rule in rules.items() if selection.enabled(code))
    return list(selected)


def syntax_error_finding(doc: Document, error: SyntaxError) -> Finding:
    """The PTL000 finding for ``error``, clamped to the document's lines (the rule, in
    ``pt_lsp/rules/syntax``, documents it; the registry gives its name and severity)."""
    rule = all_rules().get(SYNTAX_ERROR)
    line = min(max(error.lineno or 1, 1), doc.line_count)
    text = doc.line_text(line)
    # SyntaxError.offset is a 1-based code-point offset (CPython converts from bytes).
    col = min(max((error.offset or 1) - 1, 0), len(text))
    end = Pos(line, len(text)) if col >= len(text) else Pos(line, col + 1)
    name, severity = (rule.name, rule.severity) if rule is not None else ("syntax-error", Severity.ERROR)
    return Finding(SYNTAX_ERROR, name, f"SyntaxError: {error.msg}", Span(Pos(line, col), end), severity)


def parse(text: str, path: str = "<unknown>") -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences etc. are not our business
        return ast.parse(text, filename=path)


def lint_source(
    text: str,
    path: str = "<stdin>",
    selection: Selection | None = None,
    rules: Iterable[type[Rule]] | None = None,
    honour_noqa: bool = True,
    budget: float | None = None,
) -> FileResult:
    """Lint ``text``. Never raises: a crashing rule becomes an entry of ``result.errors``.

    ``budget``: seconds for the rules (None: no limit). Past it, the rule running is stopped and
    the ones after it are skipped; ``result.stopped`` says which, and the findings of the rules
    that finished are kept (the server shows them as partial rather than showing nothing)."""
    result = FileResult(path)
    rules = list(rules) if rules is not None else selected_rules(selection)
    result.errors.extend(f"rule module {name} failed to import: {error}" for name, error in IMPORT_ERRORS.items())
    doc = Document(text)
    selection = selection or Selection()
    try:
        tree = parse(text, path)
    except (SyntaxError, ValueError) as error:  # ValueError: source with NUL bytes
        if not isinstance(error, SyntaxError):
            error = SyntaxError(str(error), (path, 1, 1, ""))
        if selection.enabled(SYNTAX_ERROR):
            result.findings.append(syntax_error_finding(doc, error))
        return result
    except RecursionError:
        result.message = "too deeply nested to parse"
        return result
    limit = Budget(budget)
    ctx = FileContext(path, doc, tree, selection.target_torch, limit)
    if ctx.index.depth > MAX_DEPTH:  # deterministic, where a RecursionError would depend on the caller's stack
        result.message = f"too deep to analyse (syntax tree nested {ctx.index.depth} levels; at most {MAX_DEPTH})"
        return result
    for position, rule in enumerate(rules):
        try:
            limit.check()
            result.findings.extend(rule().check(ctx))
        except BudgetExceeded:
            missing = ", ".join(r.code for r in rules[position:])
            result.stopped = f"analysis stopped after {budget:g} s (time budget); not run: {missing}"
            break
        except RecursionError:  # below the depth cap, yet the caller's own stack was deep
            result.findings, result.message = [], "too deep to analyse (recursion limit)"
            return result
        except Exception as error:  # one rule's bug must not cost the other findings
            import traceback  # only when something crashed

            frame = traceback.extract_tb(error.__traceback__)[-1]
            result.errors.append(
                f"{rule.code} crashed: {type(error).__name__}: {error} "
                f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            )
    _close(ctx)
    findings = {(f.code, f.span, f.message): f for f in result.findings if selection.enabled(f.code)}
    result.findings = sorted(findings.values(), key=lambda f: (f.span, f.code))
    if honour_noqa:
        result.findings = [f for f in result.findings if not is_suppressed(doc.line_text(f.line), f.code)]
    return result


def _close(ctx: FileContext) -> None:
    """The rules are done with ``ctx``: the flow engine and the project refer back to it, so its
    tree and facts are freed at once (by reference counts) only once those references go."""
    facts = vars(ctx)
    if "flow" in facts:
        ctx.flow.close()
    facts.clear()
