"""Compares the serialised outputs of two programs (see ``harness.serialise``) within a tolerance."""

from __future__ import annotations

import math


def _close(a: float, b: float, tolerance: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def difference(actual, expected, tolerance: float, where: str = "outputs") -> str | None:
    """None when ``actual`` equals ``expected`` within ``tolerance``; otherwise the first difference."""
    if isinstance(expected, dict) and "values" in expected:
        if not (isinstance(actual, dict) and "values" in actual):
            return f"{where}: expected a tensor, got {_kind(actual)}"
        if actual["shape"] != expected["shape"]:
            return f"{where}: shape {actual['shape']} != {expected['shape']}"
        if actual.get("dtype") != expected.get("dtype"):
            return f"{where}: dtype {actual.get('dtype')} != {expected.get('dtype')}"
        worst = max(
            (abs(a - b) for a, b in zip(actual["values"], expected["values"]) if not _close(a, b, tolerance)),
            default=None,
        )
        return None if worst is None else f"{where}: values differ (max abs difference {worst:.3g})"
    if isinstance(expected, dict) and "dict" in expected:
        if not (isinstance(actual, dict) and "dict" in actual):
            return f"{where}: expected a mapping, got {_kind(actual)}"
        if sorted(actual["dict"]) != sorted(expected["dict"]):
            return f"{where}: keys {sorted(actual['dict'])} != {sorted(expected['dict'])}"
        for key, value in expected["dict"].items():
            found = difference(actual["dict"][key], value, tolerance, f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, dict) and "list" in expected:
        if not (isinstance(actual, dict) and "list" in actual):
            return f"{where}: expected a sequence, got {_kind(actual)}"
        if len(actual["list"]) != len(expected["list"]):
            return f"{where}: length {len(actual['list'])} != {len(expected['list'])}"
        for index, (a, e) in enumerate(zip(actual["list"], expected["list"])):
            found = difference(a, e, tolerance, f"{where}[{index}]")
            if found:
                return found
        return None
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return None if _close(float(actual), expected, tolerance) else f"{where}: {actual!r} != {expected!r}"
    return None if actual == expected else f"{where}: {_short(actual)} != {_short(expected)}"


def _kind(value) -> str:
    if isinstance(value, dict):
        return (
            "a tensor"
            if "values" in value
            else "a mapping"
            if "dict" in value
            else "a sequence"
            if "list" in value
            else repr(value)
        )
    return type(value).__name__


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
