"""Evidence paths: the places that decided a flow finding, as the finding's related locations."""

from __future__ import annotations

from collections.abc import Iterable

from pt_lsp.core.context import FileContext
from pt_lsp.core.findings import Related
from pt_lsp.core.flow.values import Step


def evidence_path(ctx: FileContext, steps: Iterable[Step], *extra: Related) -> tuple[Related, ...]:
    """``steps`` (and ``extra`` related places) in program order, each place once."""
    related = {(r.span, r.message): r for r in extra}
    for step in steps:
        span = ctx.doc.node_span(step.node)
        related.setdefault((span, step.message), Related(span, step.message))
    return tuple(sorted(related.values(), key=lambda r: (r.span.start, r.span.end)))
