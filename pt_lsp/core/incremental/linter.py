"""The incremental linter: a document's lints that reuse the per-unit findings of units whose
connected units did not change (the package docstring says what is reused and why it is sound)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

from ..budget import Budget, BudgetExceeded
from ..context import FileContext
from ..document import Document, Pos, Span
from ..findings import Edit, FileResult, Finding
from ..noqa import is_suppressed
from ..rule import IMPORT_ERRORS, Rule
from ..selection import Selection
from ..walk import MAX_DEPTH
from .units import (
    Layout,
    Shape,
    Unit,
    components,
    header_depth,
    header_mentions,
    header_parts,
    layout,
    module_paths,
    pinned_units,
    reduced_text,
    scan,
    shape,
    unit_at,
    unit_nodes,
)

_NAMES_LINE = re.compile(r"\blines? \d")
# Text the flow engine looks for anywhere in the file (interpreter.py: frozen parameters weaken
# what a module's output proves): an edit that adds or removes one changes every function's facts.
TEXT_FLAGS = ("requires_grad = False", "requires_grad_(False)")


def _run(
    ctx: FileContext,
    rules: list[type[Rule]],
    result: FileResult,
    budget: Budget,
    seconds: float | None,
    fresh: list[Finding] | None = None,
) -> bool:
    """Run ``rules`` on ``ctx`` in order, as the engine does (the findings of per-unit rules go
    to ``fresh`` when given, the others to ``result``); False when the time budget stopped them."""
    for position, rule in enumerate(rules):
        try:
            budget.check()
            found = list(rule().check(ctx))
            (fresh if fresh is not None and rule.per_unit else result.findings).extend(found)
        except BudgetExceeded:
            missing = ", ".join(r.code for r in rules[position:])
            result.stopped = f"analysis stopped after {seconds:g} s (time budget); not run: {missing}"
            return False
        except RecursionError:
            raise
        except Exception as error:  # one rule's bug must not cost the other findings
            import traceback

            frame = traceback.extract_tb(error.__traceback__)[-1]
            result.errors.append(
                f"{rule.code} crashed: {type(error).__name__}: {error} "
                f"({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            )
    return True


def _shift_span(span: Span, delta: int) -> Span:
    return Span(Pos(span.start.line + delta, span.start.col), Pos(span.end.line + delta, span.end.col))


def shift(finding: Finding, delta: int) -> Finding:
    """``finding`` moved ``delta`` lines down, with its evidence and fixes."""
    if delta == 0:
        return finding
    fixes = tuple(
        replace(fix, edits=tuple(Edit(_shift_span(e.span, delta), e.content) for e in fix.edits))
        for fix in finding.fixes
    )
    related = tuple(
        r if r.path is not None or r.cell is not None else replace(r, span=_shift_span(r.span, delta))
        for r in finding.related
    )
    return replace(finding, span=_shift_span(finding.span, delta), fixes=fixes, related=related)


def _local(finding: Finding, unit: Unit) -> bool:
    """Whether ``finding`` may be shifted with its unit: everything it points at lies inside it."""
    spans = [finding.span, *(e.span for f in finding.fixes for e in f.edits)]
    for item in finding.related:
        if item.path is not None or item.cell is not None:
            continue  # another file's place does not move with this unit
        spans.append(item.span)
    if any(_NAMES_LINE.search(text) for text in (finding.message, *(r.message for r in finding.related))):
        return False  # "freed by the backward on line 30": the number would go stale
    return all(unit.body <= s.start.line and s.end.line <= unit.end for s in spans)


@dataclass
class Stats:
    """What the last lint did, for tests and the benchmark (deterministic counts, not times)."""

    full: bool = True
    units: int = 0  # units in the document
    analysed: int = 0  # units whose bodies the per-unit rules analysed
    reason: str = ""  # why a full run


@dataclass
class _Memo:
    header: str
    paths: frozenset[str]
    rules: tuple[str, ...]
    target: tuple[int, int] | None
    component: dict[str, int]  # unit key -> its component then
    pinned: set[str]  # unit keys that were pinned
    findings: dict[str, tuple[Finding, ...] | None]  # unit key -> its per-unit findings (None: not reusable)
    bodies: dict[str, int]  # unit key -> its body's first line when its findings were made
    budget_used: int  # an upper bound of the followed calls a full run of the current text makes
    flags: tuple[bool, ...] = ()  # TEXT_FLAGS found in the text


@dataclass
class IncrementalLinter:
    """One document's incremental lints (the server keeps one per open text document)."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    memo: _Memo | None = None
    stats: Stats = field(default_factory=Stats)
    # the header's digest, the names its code mentions, its depth, its shape
    header: tuple[str, set[str], int, Shape] | None = None

    def _header_facts(self, plan: Layout, tree: ast.Module) -> tuple[set[str], int, Shape]:
        if self.header is None or self.header[0] != plan.header:
            self.header = (
                plan.header,
                header_mentions(tree),
                header_depth(tree),
                scan(header_parts(tree, plan.units)),
            )
        return self.header[1], self.header[2], self.header[3]

    def lint(
        self,
        text: str,
        path: str,
        selection: Selection,
        rules: list[type[Rule]],
        budget: float | None = None,
    ) -> FileResult:
        from ..engine import lint_source, parse

        self.stats = Stats()
        if not any(rule.per_unit for rule in rules):
            self.memo, self.stats.reason = None, "no per-unit rules"
            return lint_source(text, path, selection, rules, budget=budget)
        doc = Document(text)
        try:
            tree = parse(text, path)
        except (SyntaxError, ValueError, RecursionError):
            self.memo, self.stats.reason = None, "does not parse"
            return lint_source(text, path, selection, rules, budget=budget)
        plan = layout(tree, doc.lines)
        self.stats.units = len(plan.units)
        if not plan.ok:
            return self._full(text, path, selection, rules, budget, "duplicate units")
        shapes = []
        nodes = unit_nodes(tree)
        for unit in plan.units:
            known = self.shapes.get(unit.key)
            if known is None:
                known = self.shapes[unit.key] = shape(nodes[(unit.owner, unit.start)])
            shapes.append(known)
        paths = module_paths(self._header_facts(plan, tree)[2], shapes)
        memo = self.memo
        codes = tuple(r.code for r in rules)
        reason = (
            "first lint"
            if memo is None
            else "header changed"
            if memo.header != plan.header
            else "rules changed"
            if memo.rules != codes or memo.target != selection.target_torch
            else "parameter paths changed"
            if memo.paths != paths
            else "text flags changed"
            if memo.flags != _flags(text)
            else ""
        )

        def full(why: str) -> FileResult:
            return self._full(text, path, selection, rules, budget, why, tree, plan, shapes, paths)

        if reason or memo is None:
            return full(reason)
        comps = components(tree, plan.units, shapes)
        pinned, feeding = pinned_units(self._header_facts(plan, tree)[0], plan.units, shapes, paths)
        keys = {unit.key for unit in plan.units}
        gone = set(memo.component) - keys
        if gone & memo.pinned:
            return full("a pinned unit changed")
        touched = {memo.component[key] for key in gone}
        changed = {index for index, unit in enumerate(plan.units) if unit.key not in memo.component}
        if changed & pinned:
            return full("a pinned unit changed")
        dirty = changed | {
            index
            for index, unit in enumerate(plan.units)
            if index not in changed and (memo.component[unit.key] in touched or memo.findings[unit.key] is None)
        }
        live = {comps[index] for index in dirty | pinned}
        analysed = {index for index, comp in enumerate(comps) if comp in live}
        if 4 * len(analysed) > 3 * len(plan.units):
            return full("most units connected to the edit")  # one program is cheaper than two
        per_unit = [r for r in rules if r.per_unit]
        whole = [r for r in rules if not r.per_unit]
        result = FileResult(path)
        result.errors.extend(f"rule module {n} failed to import: {e}" for n, e in IMPORT_ERRORS.items())
        limit = Budget(budget)
        if (
            max([self._header_facts(plan, tree)[1], *(s.depth + 2 for s in shapes)]) > MAX_DEPTH - 8
        ):  # near it: the engine decides
            return full("too deep")
        whole_ctx = FileContext(path, doc, tree, selection.target_torch, limit)
        fresh: list[Finding] = []
        try:
            done = _run(whole_ctx, whole, result, limit, budget)
            if done and "index" in whole_ctx.__dict__:
                # The whole-file rules built the file's facts: the per-unit rules cost less over
                # them than over a second program.
                done = _run(whole_ctx, per_unit, result, limit, budget, fresh)
                self.stats = Stats(True, len(plan.units), len(plan.units), "whole-file rules analysed the file")
                if done and not result.stopped:
                    self._remember_all(plan, shapes, tree, paths, codes, selection, fresh, whole_ctx, (comps, pinned))
                else:
                    self.memo = None
                result.findings += fresh
                return _finish(result, selection, doc)
            if done:
                # Units feeding the parameter paths stay for the flow survey; their findings are reused.
                reduced = reduced_text(doc.lines, plan.units, analysed | feeding)
                small = FileContext(path, doc, parse(reduced, path), selection.target_torch, limit)
                done = _run(small, per_unit, result, limit, budget, fresh)
                used = _followed_calls(small)
                if small.__dict__.get("project") is not None and small.project.units:
                    return full("imports project files")
                if memo.budget_used + used >= _call_budget() - 1:
                    return full("call budget")
        except RecursionError:
            return full("recursion")
        except (SyntaxError, ValueError):  # not expected: the stubs keep every block whole
            return full("the reduced program does not parse")
        # Findings of the reduced program count outside the bodies left out; theirs come from the memo.
        left_out = [unit for index, unit in enumerate(plan.units) if index not in analysed]
        gaps = {index for index in range(len(plan.units)) if index not in analysed}
        starts = sorted((unit.body, index) for index, unit in enumerate(plan.units))
        findings = [f for f in fresh if unit_at(plan.units, starts, f.span.start.line) not in gaps]
        for unit in left_out:
            delta = unit.body - memo.bodies[unit.key]
            findings += [shift(f, delta) for f in memo.findings[unit.key] or ()]
        result.findings += findings
        self.stats = Stats(False, len(plan.units), len(analysed), "")
        if done and not result.stopped:
            self._remember(
                plan, shapes, comps, pinned, paths, codes, selection, fresh, analysed, memo, used, memo.flags
            )
        else:
            self.memo = None  # partial: the next lint starts over
        return _finish(result, selection, doc)

    def _full(
        self,
        text: str,
        path: str,
        selection: Selection,
        rules: list[type[Rule]],
        budget: float | None,
        reason: str,
        tree: ast.Module | None = None,
        plan: Layout | None = None,
        shapes: list[Shape] | None = None,
        paths: frozenset[str] = frozenset(),
    ) -> FileResult:
        """A whole-file lint; its per-unit findings are remembered when the file splits into units."""
        self.stats = Stats(True, len(plan.units) if plan else 0, len(plan.units) if plan else 0, reason)
        self.memo = None
        doc = Document(text)
        result = FileResult(path)
        result.errors.extend(f"rule module {n} failed to import: {e}" for n, e in IMPORT_ERRORS.items())
        if tree is None or plan is None or shapes is None or not plan.ok:
            from ..engine import lint_source

            return lint_source(text, path, selection, rules, budget=budget)
        limit = Budget(budget)
        ctx = FileContext(path, doc, tree, selection.target_torch, limit)
        try:
            if ctx.index.depth > MAX_DEPTH:
                raise RecursionError
            fresh: list[Finding] = []
            done = _run(ctx, rules, result, limit, budget, fresh)
        except RecursionError:
            from ..engine import lint_source

            return lint_source(text, path, selection, rules, budget=budget)
        if done and not result.stopped:
            self._remember_all(plan, shapes, tree, paths, tuple(r.code for r in rules), selection, fresh, ctx)
        result.findings += fresh
        return _finish(result, selection, doc)

    def _remember_all(
        self,
        plan: Layout,
        shapes: list[Shape],
        tree: ast.Module,
        paths: frozenset[str],
        codes: tuple[str, ...],
        selection: Selection,
        fresh: list[Finding],
        ctx: FileContext,
        known: tuple[list[int], set[int]] | None = None,
    ) -> None:
        """Remember a whole-file run: every unit analysed, the calls it followed counted exactly.
        ``known``: the units' components and pinned units, where already computed."""
        comps, pinned = known or (
            components(tree, plan.units, shapes),
            pinned_units(self._header_facts(plan, tree)[0], plan.units, shapes, paths)[0],
        )
        empty = _Memo(plan.header, paths, (), None, {}, set(), {}, {}, 0)
        everything = set(range(len(plan.units)))
        flags = _flags(ctx.doc.text)
        self._remember(plan, shapes, comps, pinned, paths, codes, selection, fresh, everything, empty, 0, flags)
        assert self.memo is not None
        self.memo.budget_used = _followed_calls(ctx)

    def _remember(
        self,
        plan: Layout,
        shapes: list[Shape],
        comps: list[int],
        pinned: set[int],
        paths: frozenset[str],
        codes: tuple[str, ...],
        selection: Selection,
        fresh: list[Finding],
        analysed: set[int],
        before: _Memo,
        used: int,
        flags: tuple[bool, ...],
    ) -> None:
        by_unit: dict[int, list[Finding]] = {index: [] for index in analysed}
        reusable = {index: True for index in analysed}
        starts = sorted((unit.body, index) for index, unit in enumerate(plan.units))
        for finding in fresh:
            index = unit_at(plan.units, starts, finding.span.start.line)
            if index is None or index not in analysed:
                continue
            by_unit[index].append(finding)
            if not _local(finding, plan.units[index]):
                reusable[index] = False
        findings: dict[str, tuple[Finding, ...] | None] = {}
        for index, unit in enumerate(plan.units):
            if index in analysed:
                findings[unit.key] = tuple(by_unit[index]) if reusable[index] else None
            else:
                findings[unit.key] = before.findings[unit.key]
        self.memo = _Memo(
            plan.header,
            paths,
            codes,
            selection.target_torch,
            {unit.key: comps[index] for index, unit in enumerate(plan.units)},
            {plan.units[index].key for index in pinned},
            findings,
            # the line each unit's findings are placed from: a reused unit's stay where they were found
            {u.key: u.body if i in analysed else before.bodies[u.key] for i, u in enumerate(plan.units)},
            before.budget_used + used,
            flags,
        )
        live = set(self.memo.component)
        for key in [k for k in self.shapes if k not in live]:
            del self.shapes[key]  # units of earlier versions


def _flags(text: str) -> tuple[bool, ...]:
    return tuple(flag in text for flag in TEXT_FLAGS)


def _call_budget() -> int:
    from ..flow.functions import CALL_BUDGET

    return CALL_BUDGET


def _followed_calls(ctx: FileContext) -> int:
    """How much of the flow engine's per-file call budget ``ctx``'s analysis spent."""
    flow = ctx.__dict__.get("flow")
    analyser = getattr(flow, "analyser", None)
    if analyser is None:
        return 0
    return _call_budget() - int(analyser.functions.budget)


def _finish(result: FileResult, selection: Selection, doc: Document) -> FileResult:
    """As the engine: codes the selection disables and duplicates dropped, sorted, noqa honoured."""
    findings = {(f.code, f.span, f.message): f for f in result.findings if selection.enabled(f.code)}
    ordered = sorted(findings.values(), key=lambda f: (f.span, f.code))
    result.findings = [f for f in ordered if not is_suppressed(doc.line_text(f.line), f.code)]
    return result
