"""The cache between runs of ``pt-lsp check`` (ruff's idea, our layout).

One entry per linted file, named by a hash of everything its findings depend on: the file's
bytes and path (and, checked when the entry is loaded, the content of the project files its
analysis read: the modules it imports), the effective settings (the selection with its per-file ignores, the torch and
Python targets, noqa handling) and pt-lsp itself (its version and the size and modification
time of its source files, so that an edited rule in a checkout is not answered from the cache).
Entries are JSON, written to a temporary file and renamed into place, so parallel runs never
see half an entry. A run touches the entries it uses; entries not used for ``MAX_AGE`` and the
folders of other pt-lsp builds are pruned, at most once a day.

Layout: ``.pt_lsp_cache/`` (``--cache-dir``, ``PT_LSP_CACHE_DIR``) holding a ``.gitignore`` of
``*`` and ``CACHEDIR.TAG``, then ``<build>/<2 hex>/<hash>.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from typing import Any

from .document import Pos, Span
from .findings import Applicability, Edit, Finding, Fix, Related, Severity

DEFAULT_DIR = ".pt_lsp_cache"
ENV_DIR = "PT_LSP_CACHE_DIR"
MAX_AGE = 30 * 24 * 3600  # seconds an unused entry is kept
PRUNE_EVERY = 24 * 3600
BUILD_PREFIX = "build-"
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is the cache of pt-lsp (https://bford.info/cachedir/)\n"


def build_id() -> str:
    """pt-lsp's version and a fingerprint of its source files (size and mtime: a stat each)."""
    import pt_lsp

    digest = hashlib.blake2b(pt_lsp.__version__.encode(), digest_size=8)
    root = os.path.dirname(os.path.abspath(pt_lsp.__file__))
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "lsp", "runtime"))
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns};".encode())
    return f"{BUILD_PREFIX}{pt_lsp.__version__}-{digest.hexdigest()}"


def _span(span: Span) -> list[int]:
    return [span.start.line, span.start.col, span.end.line, span.end.col]


def _unspan(value: list[int]) -> Span:
    return Span(Pos(value[0], value[1]), Pos(value[2], value[3]))


def finding_to_json(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "span": _span(finding.span),
        "severity": finding.severity.value,
        "fixes": [
            {
                "title": fix.title,
                "applicability": fix.applicability.value,
                "edits": [[*_span(edit.span), edit.content] for edit in fix.edits],
            }
            for fix in finding.fixes
        ],
        "related": [
            {"span": _span(r.span), "message": r.message, "cell": r.cell, "path": r.path} for r in finding.related
        ],
    }


def finding_from_json(value: dict[str, Any]) -> Finding:
    return Finding(
        code=value["code"],
        name=value["name"],
        message=value["message"],
        span=_unspan(value["span"]),
        severity=Severity(value["severity"]),
        fixes=tuple(
            Fix(
                fix["title"],
                tuple(Edit(_unspan(edit[:4]), edit[4]) for edit in fix["edits"]),
                Applicability(fix["applicability"]),
            )
            for fix in value["fixes"]
        ),
        related=tuple(Related(_unspan(r["span"]), r["message"], r["cell"], r["path"]) for r in value["related"]),
    )


def _unchanged(reads: Any, scans: dict[str, Any] | None = None) -> bool:
    """Whether the other files an entry's analysis read (path -> content hash: the project
    modules it imports) still hold what they held: editing ``models.py`` re-analyses ``train.py``;
    and whether the project's files that may construct its classes are still the same ones (a
    recorded scan). ``scans``: project file lists shared by the entries of one run."""
    if not reads:
        return True
    if not isinstance(reads, dict):
        return False
    from .flow.project_files import SCAN, content_hash, scan_unchanged

    for path, digest in reads.items():
        if path.startswith(SCAN):
            if not scan_unchanged(path, digest, {} if scans is None else scans):
                return False
            continue
        try:
            with open(path, "rb") as file:
                if content_hash(file.read()) != digest:
                    return False
        except OSError:
            return False
    return True


def cache_root(option: str | None, configured: str | None) -> str:
    """``--cache-dir``, else ``PT_LSP_CACHE_DIR``, else the project's ``cache-dir``, else
    ``.pt_lsp_cache`` in the current folder (ruff's order)."""
    return option or os.environ.get(ENV_DIR) or configured or DEFAULT_DIR


class Cache:
    def __init__(self, root: str, build: str | None = None) -> None:
        self.root = root
        self.build = build or build_id()
        self.directory = os.path.join(root, self.build)
        self.hits = 0
        self.writes = 0
        self.broken = False  # the cache folder cannot be written: run on without it
        self._scans: dict[str, Any] = {}  # project file lists, shared by this run's entries

    def key(self, settings: str, path: str, data: bytes) -> str:
        digest = hashlib.blake2b(digest_size=20)
        for part in (settings.encode(), os.path.abspath(path).encode(), data):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key[2:] + ".json")

    def load(self, key: str) -> dict[str, Any] | None:
        entry = self._entry(key)
        try:
            with open(entry, "rb") as file:
                value = json.loads(file.read())
            os.utime(entry)  # used: not pruned
        except (OSError, ValueError):
            return None
        if not isinstance(value, dict) or not _unchanged(value.get("reads"), self._scans):
            return None
        self.hits += 1
        return value

    def store(self, key: str, value: dict[str, Any]) -> None:
        if self.broken:
            return
        entry = self._entry(key)
        try:
            self._prepare(os.path.dirname(entry))
            fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=os.path.dirname(entry))
            try:
                with os.fdopen(fd, "wb") as file:  # json.dumps: C's encoder (json.dump's is Python's)
                    file.write(json.dumps(value, separators=(",", ":")).encode("utf-8"))
                os.replace(temporary, entry)
            except BaseException:
                os.unlink(temporary)
                raise
            self.writes += 1
        except OSError:
            self.broken = True

    def _prepare(self, folder: str) -> None:
        if os.path.isdir(folder):
            return
        if not os.path.isdir(self.root):
            os.makedirs(self.root, exist_ok=True)
            # like ruff's: the cache never shows up in git, and backup tools may skip it
            with open(os.path.join(self.root, ".gitignore"), "w", encoding="utf-8") as file:
                file.write("# Automatically created by pt-lsp.\n*\n")
            with open(os.path.join(self.root, "CACHEDIR.TAG"), "w", encoding="utf-8") as file:
                file.write(TAG)
        os.makedirs(folder, exist_ok=True)

    def prune(self, now: float | None = None) -> int:
        """Remove other builds' folders and entries unused for ``MAX_AGE``; at most once a
        day. Returns how many entries (or build folders) went."""
        now = time.time() if now is None else now
        marker = os.path.join(self.root, ".last-prune")
        try:
            if now - os.stat(marker).st_mtime < PRUNE_EVERY:
                return 0
        except OSError:
            pass
        if not os.path.isdir(self.root):
            return 0
        removed = 0
        try:
            for name in os.listdir(self.root):
                if name.startswith(BUILD_PREFIX) and name != self.build:
                    import shutil  # seldom needed

                    shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)
                    removed += 1
            for folder, _, files in os.walk(self.directory):
                for name in files:
                    path = os.path.join(folder, name)
                    # a temporary file of a run that was killed; not one a running run still writes
                    limit = 3600 if name.endswith(".tmp") else MAX_AGE
                    if now - os.stat(path).st_mtime > limit:
                        os.unlink(path)
                        removed += 1
            with open(marker, "w", encoding="utf-8"):
                pass
            os.utime(marker, (now, now))
        except OSError:
            pass
        return removed
