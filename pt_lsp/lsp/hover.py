"""Hover on a flagged span: the rule's documentation, in Markdown where the client renders it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from pt_lsp.core.rule import all_rules

from .documents import key_of
from .guard import guarded
from .linting import Flagged
from .positions import from_position

if TYPE_CHECKING:
    from .state import PtLanguageServer


def explanation(flagged: Flagged) -> str:
    """The finding, its rule's documentation, then its evidence path, one step a line."""
    finding = flagged.finding
    parts = [f"**{finding.code}** `{finding.name}`: {finding.message}"]
    rule = all_rules().get(finding.code)
    if rule is not None:
        parts += [rule.documentation(), f"[{finding.code} documentation]({rule.url()})"]
    if flagged.steps:
        lines = [f"{index}. {step.where}: {step.message}" for index, step in enumerate(flagged.steps, 1)]
        parts.append("Evidence:\n\n" + "\n".join(lines))
    return "\n\n".join(parts)


@guarded()
async def hover(ls: PtLanguageServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    lints = await ls.linter.lint(ls.linter.unit_of(uri), accept_stale=True)
    lint = next((item for item in lints or [] if key_of(item.uri) == key_of(uri)), None)
    if lint is None:
        return None
    pos = from_position(lint.doc, params.position, ls.client.encoding)
    hits = [item for item in lint.flagged if item.finding.span.start <= pos <= item.finding.span.end]
    if not hits:
        return None
    kind = types.MarkupKind.Markdown if ls.client.markdown_hover else types.MarkupKind.PlainText
    text = "\n\n---\n\n".join(explanation(item) for item in hits)
    return types.Hover(contents=types.MarkupContent(kind=kind, value=text), range=hits[0].diagnostic.range)
