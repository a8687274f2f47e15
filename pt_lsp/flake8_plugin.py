"""flake8 plugin (entry point ``flake8.extension``, prefix ``PTL``): the same findings inside an
existing flake8 set-up. flake8 selects codes and honours ``# noqa`` itself; the project's
``[tool.pt-lsp]`` (select, ignore, per-file-ignores, target-torch) still decides which rules
run, as it does for ``pt-lsp check``, among the codes flake8 would report at all (flake8 runs
every installed plugin and filters its output by ``--select``/``--ignore``: a rule whose code it
would drop is not run). A configuration it cannot read is said once on stderr
and the defaults are used (flake8 has no way to stop on it)."""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
from collections.abc import Iterator

import pt_lsp
from pt_lsp.core.engine import lint_source, selected_rules
from pt_lsp.core.findings import FileResult
from pt_lsp.core.rule import SYNTAX_ERROR, Rule
from pt_lsp.core.selection import Selection

_FINDER = None  # one ConfigFinder for the flake8 process: each directory's lookup is cached
_SAID: set[str] = set()


def _say_once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        print(f"pt-lsp: {message}; using the defaults for it", file=sys.stderr)


def selection_for(filename: str) -> Selection | None:
    """The ``[tool.pt-lsp]`` selection of ``filename`` (None for stdin: the defaults)."""
    global _FINDER
    if filename in ("-", "<stdin>", "stdin"):
        return None
    from pt_lsp.core.config import ConfigFinder

    if _FINDER is None:
        _FINDER = ConfigFinder(_say_once)
    config = _FINDER.for_path(filename)
    if config.excludes(filename):
        return Selection.of([])  # excluded in [tool.pt-lsp]: nothing to report
    return config.selection(filename)


class Plugin:
    name = "pt-lsp"
    version = pt_lsp.__version__

    # the rule codes flake8 would drop whatever they found (None: no flake8 options seen, run them all)
    flake8_drops: tuple[str, ...] | None = None

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 calls this once per process, before it forks its workers: decide here which
        codes flake8 reports, and import the rules here, so that the workers inherit them."""
        try:
            flake8 = importlib.import_module("flake8.style_guide")  # untyped: imported as a value
            engine = flake8.DecisionEngine(options)
            if not any(
                p.startswith("PTL") or "PTL".startswith(p) for p in (*engine.selected, *engine.selected_explicitly)
            ):
                cls.flake8_drops = ("PTL",)  # no PTL code can be selected: nothing imported, nothing run
                return
            decide, selected = engine.decision_for, flake8.Decision.Selected
            codes = [rule.code for rule in selected_rules(Selection.of(["ALL"]))]
            cls.flake8_drops = tuple(code for code in codes if decide(code) is not selected)
        except Exception as error:  # another flake8: run every rule, flake8 still filters
            _say_once(f"cannot read flake8's selection ({error})")
            cls.flake8_drops = None

    def __init__(self, tree: ast.AST, filename: str = "<stdin>", lines: list[str] | None = None) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def _source(self) -> str:
        if self.lines is not None:
            return "".join(self.lines)
        if self.filename not in ("-", "<stdin>", "stdin"):
            with open(self.filename, "rb") as file:
                from pt_lsp.core.filefix import SourceFile

                return SourceFile.decode(file.read()).text
        return ast.unparse(self.tree)

    def _lint_tree(self, source: str, tree: ast.Module, selection: Selection, rules: list[type[Rule]]) -> FileResult:
        """The rules on flake8's own parse of ``source`` (one parse per file, not two); the
        engine's ``lint_source`` where anything is unusual (a rule that crashes says so there)."""
        from pt_lsp.core.context import FileContext
        from pt_lsp.core.document import Document
        from pt_lsp.core.rule import IMPORT_ERRORS

        if IMPORT_ERRORS:
            return lint_source(source, self.filename, selection, honour_noqa=False)
        ctx = FileContext(self.filename, Document(source), tree, selection.target_torch)
        result = FileResult(self.filename)
        for rule in rules:
            try:
                result.findings.extend(rule().check(ctx))
            except Exception:
                return lint_source(source, self.filename, selection, honour_noqa=False)
        unique = {(f.code, f.span, f.message): f for f in result.findings if selection.enabled(f.code)}
        result.findings = sorted(unique.values(), key=lambda f: (f.span, f.code))
        return result

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if self.flake8_drops == ("PTL",):
            return
        selection = selection_for(self.filename) or Selection()
        if self.flake8_drops:
            selection = selection.extend(self.flake8_drops)
        rules = selected_rules(selection)
        if not rules:
            return  # flake8 would report none of the codes these rules find: no work
        try:
            source = self._source()
        except Exception as error:  # flake8 reports unreadable files itself
            print(f"pt-lsp: skipping {self.filename}: {error}", file=sys.stderr)
            return
        if self.lines is not None and isinstance(self.tree, ast.Module):
            result = self._lint_tree(source, self.tree, selection, rules)
        else:
            result = lint_source(source, self.filename, selection, honour_noqa=False)
        for problem in result.errors:
            print(f"pt-lsp: {self.filename}: {problem}", file=sys.stderr)
        for finding in result.findings:
            if finding.code == SYNTAX_ERROR:
                continue  # flake8 already reports E999
            yield finding.line, finding.span.start.col, f"{finding.code} {finding.message}", type(self)
