"""The verify report: a text table for people, a JSON object for machines."""

from __future__ import annotations

import json
import platform

import pt_lsp

from .devices import PROXY_BLIND_SPOTS
from .runner import SAFE_FIX_RAISES, Report, Row
from .verdicts import Verdict

_COLUMNS = ("CODE", "EXAMPLE", "KIND", "DEVICE", "STATIC", "RUNTIME", "FIXED", "AGREE")
_TITLE_WIDTH = 44


def _agree_text(agree: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[agree]


def _cells(row: Row) -> tuple[str, ...]:
    title = row.case.example.title
    if len(title) > _TITLE_WIDTH:
        title = title[: _TITLE_WIDTH - 3] + "..."
    fixed = row.fixed_runtime.verdict.value if row.fixed_runtime else "-"
    return (
        row.case.code,
        title,
        row.case.kind,
        row.case.device.name,
        row.case.static.verdict.value,
        row.runtime.verdict.value,
        fixed,
        _agree_text(row.agree),
    )


def _header(report: Report) -> list[str]:
    lines = [f"pt-lsp verify: torch {report.torch.version}, Python {platform.python_version()}"]
    for device in report.devices:
        lines.append(f"  device {device.name}: {device.description}")
        if device.proxy:
            lines.append(f"    the proxy cannot see: {PROXY_BLIND_SPOTS}")
    return lines


def _details(row: Row) -> list[str]:
    """Why each verdict that is not a plain confirmation came out as it did."""
    where = f"{row.case.code} {row.case.example.title!r} [{row.case.device.name}]"
    judgements = [("static", row.case.static), ("runtime", row.runtime), ("fixed", row.fixed_runtime)]
    return [
        f"  {where} {name} {j.verdict.value}: {j.detail}"
        for name, j in judgements
        if j is not None and (j.verdict is not Verdict.CONFIRMED or j.detail.startswith(SAFE_FIX_RAISES))
    ]


def summary(report: Report) -> dict[str, int]:
    agree = [row.agree for row in report.rows]
    return {
        "rows": len(agree),
        "agree": agree.count(True),
        "disagree": agree.count(False),
        "not_judged": agree.count(None),
        **report.proof,
    }


def _proof_lines(report: Report) -> list[str]:
    proof = report.proof
    if not proof:
        return []
    lines = [
        (
            f"Proof: {proof['bad_run']} of {proof['bad_examples']} bad examples ran "
            f"({proof['static_only']} static only); {proof['fixes_run']} of {proof['fixes']} fixes ran, "
            f"{proof['fixes_compared']} compared with a reference."
        )
    ]
    lines += [f"  static only: {code} {title!r}: {reason}" for code, title, reason in report.static_only]
    return lines


def render_text(report: Report) -> str:
    lines = _header(report) + [""]
    table = [_COLUMNS] + [_cells(row) for row in report.rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(_COLUMNS))]
    for cells in table:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    details = [line for row in report.rows for line in _details(row)]
    if details:
        lines += ["", "Details:"] + details
    uncovered = [code for code, counts in report.coverage.items() if not any(counts.values())]
    if uncovered:
        lines += ["", f"Rules without runnable examples: {', '.join(uncovered)}"]
    counts = summary(report)
    lines += ["", *_proof_lines(report)]
    lines += [
        "",
        (
            f"{counts['rows']} rows: {counts['agree']} agree, {counts['disagree']} disagree, "
            f"{counts['not_judged']} not judged at runtime (skipped)."
        ),
    ]
    return "\n".join(lines) + "\n"


def _row_json(row: Row) -> dict:
    case = row.case
    return {
        "code": case.code,
        "rule": case.rule_name,
        "example": case.example.title,
        "kind": case.kind,
        "device": case.device.name,
        "static": case.static.verdict.value,
        "runtime": row.runtime.verdict.value,
        "fixed_runtime": row.fixed_runtime.verdict.value if row.fixed_runtime else None,
        "agree": row.agree,
        "details": {
            "static": case.static.detail,
            "runtime": row.runtime.detail,
            "fixed_runtime": row.fixed_runtime.detail if row.fixed_runtime else None,
        },
        "fix_applicability": case.fix.applicability if case.fix else None,
        "outputs_match": row.outputs_match,
        "fix_compared": row.outputs_match is not None,
        "proxy": case.device.proxy,
        "observed": row.observed.to_json() if row.observed else None,
        "fixed_observed": row.fixed_observed.to_json() if row.fixed_observed else None,
    }


def render_json(report: Report) -> str:
    data = {
        "torch_version": report.torch.version,
        "cuda_version": report.torch.cuda_version,
        "gpu": report.torch.gpu,
        "python_version": platform.python_version(),
        "pt_lsp_version": pt_lsp.__version__,
        "devices": [device.to_json() for device in report.devices],
        "summary": summary(report),
        "coverage": report.coverage,
        "static_only": [{"code": c, "example": t, "reason": r} for c, t, r in report.static_only],
        "results": [_row_json(row) for row in report.rows],
    }
    return json.dumps(data, indent=2) + "\n"
