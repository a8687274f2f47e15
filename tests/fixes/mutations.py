"""Meaning-preserving mutations of Python source, for the property tests.

Each mutation keeps the program's meaning (and so the findings a precise linter reports) and
says how line numbers move: ``rename`` and ``reindent`` keep lines, ``insert_lines`` shifts the
lines after each insertion point.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import tokenize


def local_names(text: str) -> list[str]:
    """Names assigned as plain variables that are safe to rename consistently: not function or
    class names, parameters, imports, attributes, keywords used at call sites, or builtins."""
    tree = ast.parse(text)
    stored, unsafe = set(), set(dir(builtins)) | {"self", "cls", "__name__", "__file__"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            unsafe.add(node.name)
        elif isinstance(node, ast.arg):
            unsafe.add(node.arg)
        elif isinstance(node, ast.alias):
            unsafe.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Attribute):
            unsafe.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            unsafe.add(node.arg)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            unsafe.update(node.names)
        elif isinstance(node, ast.JoinedStr):
            unsafe.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return sorted(stored - unsafe)


def rename(text: str, old: str, new: str) -> str:
    """Rename every NAME token ``old`` that is not an attribute (``x.old``) to ``new``."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    lines = text.splitlines(keepends=True)
    replacements = []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == old:
            previous = next((t for t in reversed(tokens[:i]) if t.type not in (tokenize.NL, tokenize.COMMENT)), None)
            if previous is not None and previous.string == ".":
                continue
            replacements.append(tok.start)
    for line, col in sorted(replacements, reverse=True):
        source = lines[line - 1]
        lines[line - 1] = source[:col] + new + source[col + len(old) :]
    return "".join(lines)


def reindent(text: str, unit: str) -> str:
    """Re-indent with ``unit`` per level (the file's own unit is detected from INDENT tokens).
    Continuation lines inside brackets and strings are left alone."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    levels: dict[int, int] = {}  # line -> indentation depth for lines that start a statement
    depth = 0
    for tok in tokens:
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.ENDMARKER):
            levels.setdefault(tok.start[0], depth)
    logical_starts = _logical_line_starts(tokens)
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if number in logical_starts and number in levels:
            out.append(unit * levels[number] + line.lstrip(" \t"))
        else:
            out.append(line)
    return "".join(out)


def _logical_line_starts(tokens) -> set[int]:
    starts, at_start = set(), True
    for tok in tokens:
        if tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            at_start = True
        elif tok.type in (tokenize.NL, tokenize.COMMENT):
            continue
        elif at_start:
            starts.add(tok.start[0])
            at_start = False
    return starts


def insertion_points(text: str) -> list[tuple[int, str]]:
    """(line, indentation) where a new line may go: before a statement that starts its line."""
    tree = ast.parse(text)
    lines = text.splitlines()
    points = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue  # must stay first
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        line = lines[start - 1]
        indent = line[: len(line) - len(line.lstrip())]
        if len(indent) != (node.col_offset if start == node.lineno else len(indent)):
            continue  # after a `;` or on a line with something before it
        if line.lstrip().startswith(("elif", "else", "except", "finally", "case")):
            continue
        points.append((start, indent))
    return sorted(set(points))


def insert_lines(text: str, insertions: list[tuple[int, str]]) -> tuple[str, dict[int, int]]:
    """Insert ``content`` lines (already indented) before the given lines; returns the new text
    and the map from old line numbers to new ones."""
    lines = text.splitlines(keepends=True)
    before: dict[int, list[str]] = {}
    for line, content in insertions:
        before.setdefault(line, []).append(content.rstrip("\n") + "\n")
    out, mapping = [], {}
    for number, line in enumerate(lines, start=1):
        out.extend(before.get(number, []))
        mapping[number] = len(out) + 1
        out.append(line)
    return "".join(out), mapping


def fresh_name(text: str, seed: str) -> str:
    base = f"v_{seed}"
    name, n = base, 0
    while name in text or keyword.iskeyword(name):
        n += 1
        name = f"{base}{n}"
    return name
