"""Evidence paths: the places that decided a flow finding, as the finding's related locations."""

from __future__ import annotations

from collections.abc import Iterable

from pt_lsp.core.context import FileContext
from pt_lsp.core.findings import Related
from pt_lsp.core.flow.values import Step


def evidence_path(ctx: FileContext, steps: Iterable[Step], *extra: Related) -> tuple[Related, ...]:
    """``steps`` (and ``extra`` related places) in program order, each place once."""
    related = {(r.span, r.message, r.path): r for r in extra}
    project = ctx.__dict__.get("project")  # set when the flow engine followed imports
    for step in steps:
        elsewhere = project.locate(step.node) if project is not None else None
        if elsewhere is not None:  # a step in an imported file (an imported model's forward)
            span, path = elsewhere
            related.setdefault((span, step.message, path), Related(span, step.message, path=path))
            continue
        span = ctx.doc.node_span(step.node)
        related.setdefault((span, step.message, None), Related(span, step.message))
    # this file's steps in program order; the other files' steps (called from here) before them
    return tuple(sorted(related.values(), key=lambda r: (r.path is None, r.path or "", r.span.start, r.span.end)))
