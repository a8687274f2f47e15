"""The workspace's ``[tool.pt-lsp]`` table (select, ignore, per-file-ignores) as partial settings."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

PYPROJECT = "pyproject.toml"


def _codes(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip().upper() for v in value if v.strip())
    return None


def read_project_settings(root: str | None, warn: Callable[[str], None]) -> dict[str, Any]:
    """Partial settings from ``<root>/pyproject.toml``; {} when absent or unreadable."""
    if not root:
        return {}
    path = os.path.join(root, PYPROJECT)
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file).get("tool", {}).get("pt-lsp", {})
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        warn(f"could not read {path}: {error}")
        return {}
    if not isinstance(table, dict):
        return {}
    values: dict[str, Any] = {}
    for key in ("select", "ignore"):
        if key in table:
            codes = _codes(table[key])
            if codes is None:
                warn(f"{path}: [tool.pt-lsp] {key} must be a list of rule codes; ignored")
            else:
                values[key] = codes
    per_file = table.get("per-file-ignores", {})
    if isinstance(per_file, dict):
        pairs = [(pattern, _codes(codes)) for pattern, codes in per_file.items()]
        values["per_file_ignores"] = tuple((p, c) for p, c in pairs if c)
    return values
