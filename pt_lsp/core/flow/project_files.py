"""The project's files, for the flow engine's cross-file facts and for the CLI's cache.

``Project.constructions()`` looks for the files that construct a class of the analysed file:
the project's Python files (at most MAX_SCANNED), read without parsing for the names they use
and call. What an analysis read of other files (an imported module's content, the result of such
a scan) is recorded per analysed file, so that the cache re-analyses it when one of them changes;
``scan_unchanged`` re-checks a recorded scan cheaply (names, sizes, times of the files first).
Moved out of ``project.py``, which resolves imports.
"""

from __future__ import annotations

import os
import re
from stat import S_ISREG

MAX_BYTES = 1_000_000  # a larger "module" is generated code or data: not followed
MAX_SCANNED = 400  # project files searched for the constructions of a class (constructions())
SKIPPED_FOLDERS = frozenset({"site-packages", "dist-packages", "node_modules", "__pycache__", "venv", "env"})


def content_hash(data: bytes) -> str:
    import hashlib  # when a project file is read: not at start-up (it loads OpenSSL's library)

    return hashlib.blake2b(data, digest_size=16).hexdigest()


# -- the files an analysis read, for the CLI's cache ------------------------------------------------
_READS: dict[str, dict[str, str]] = {}
SCAN = "scan:"  # a key of _READS that records a constructions() scan, not a file (paths are absolute)


# path -> (mtime_ns, size, its identifiers, the names it calls)
_WORDS: dict[str, tuple[int, int, frozenset[bytes], frozenset[bytes]]] = {}

# While a batch of files is linted and nothing writes them (`pt-lsp check` without --fix), the
# project's file list is walked once per root (or folder), and each file's identifiers and the
# list's signature (names, sizes, times) are read once, not again in every analysis (each stats
# up to MAX_SCANNED files). None: no such batch (the server, --fix): every analysis looks again.
_UNCHANGED: dict[tuple[tuple[str, str | None], ...], list[str]] | None = None
_CHECKED: set[str] = set()  # files whose _WORDS entry was checked during the batch
_SIGNATURES: dict[tuple[str, ...], str] = {}  # files -> _signature(files), during the batch
# What import resolution found on disk (project.py: a module in a folder, a folder's root), during
# the batch: torch's 2,285 files ask the same folders again, each answer a few stats.
_FOUND: dict[tuple[str, str, str], object] = {}
# id(a file list of the batch) -> (that list, each file's path, identifiers and called names): the
# classes and functions of torch's source ask for 157 scans of the same 400 files, each a look-up
# of every file's words (files_naming); during the batch those words do not change.
_NAMED: dict[int, tuple[list[str], list[tuple[str, frozenset[bytes], frozenset[bytes]]]]] = {}


def files_unchanged(unchanged: bool = True) -> None:
    """Say whether the project's files stay as they are from now on in this process (a check
    run's worker, or its one process); False forgets what was kept."""
    global _UNCHANGED
    _UNCHANGED = {} if unchanged else None
    _CHECKED.clear()
    _NAMED.clear()
    _SIGNATURES.clear()
    _FOUND.clear()


def found_on_disk() -> dict[tuple[str, str, str], object] | None:
    """Where project.py keeps what it found on disk while the batch's files stay unchanged
    (None: no batch, look every time)."""
    return _FOUND if _UNCHANGED is not None else None


def _identifiers(path: str) -> tuple[frozenset[bytes], frozenset[bytes]]:
    """The identifiers in the file ``path``, and those it calls (``Name(``), memoised by its
    modification time and size."""
    known = _WORDS.get(path)
    if known is not None and path in _CHECKED:
        return known[2], known[3]
    try:
        stat = os.stat(path)
    except OSError:
        return frozenset(), frozenset()
    if not S_ISREG(stat.st_mode):  # a FIFO named `x.py` would block the read forever
        return frozenset(), frozenset()
    if _UNCHANGED is not None:
        _CHECKED.add(path)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2], known[3]
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError:
        return frozenset(), frozenset()
    if len(data) > MAX_BYTES:
        data = b""
    words = frozenset(re.findall(rb"[A-Za-z_][A-Za-z0-9_]*", data))
    called = frozenset(re.findall(rb"([A-Za-z_][A-Za-z0-9_]*)\s*\(", data))
    _WORDS[path] = (stat.st_mtime_ns, stat.st_size, words, called)
    return words, called


def record_read(analysed: str, key: str, value: str) -> None:
    """The analysis of ``analysed`` read ``key`` (a file's path, or ``SCAN`` + a scan's arguments)."""
    _READS.setdefault(analysed, {})[key] = value


def take_reads(path: str) -> dict[str, str]:
    """The project files (absolute path -> content hash) that analyses of ``path`` read since
    the last call, in this process."""
    return _READS.pop(os.path.abspath(path), {})


def walk_project(walks: list[tuple[str, str | None]]) -> list[str]:
    """The Python files under each (top, skipped) of ``walks``, at most MAX_SCANNED."""
    key = tuple(walks)
    if _UNCHANGED is not None and key in _UNCHANGED:
        return _UNCHANGED[key]
    files: list[str] = []
    for top, skipped in walks:
        _walk(top, files, skipped)
    if _UNCHANGED is not None:
        kept = _UNCHANGED[key] = files[:MAX_SCANNED]
        return kept  # the list every later walk of the batch gets (files_naming keeps words per list)
    return files[:MAX_SCANNED]


def files_naming(files: list[str], name: str, stem: str, own: str) -> list[str]:
    """The files but ``own`` that call ``name`` and mention the module ``stem``: those that may
    construct class ``name`` of module ``stem`` (read without parsing)."""
    wanted, module = name.encode(), stem.encode()
    if _UNCHANGED is not None:  # a batch: each file's words, read once per list
        return [
            path for path, words, called in _words_of(files) if path != own and wanted in called and module in words
        ]
    found = []
    for path in files:
        if path != own:
            words, called = _identifiers(path)
            if wanted in called and module in words:
                found.append(path)
    return found


def _words_of(files: list[str]) -> list[tuple[str, frozenset[bytes], frozenset[bytes]]]:
    """Each file's path, identifiers and called names, during a batch (the files unchanged)."""
    known = _NAMED.get(id(files))
    if known is None or known[0] is not files:  # (the list kept with its id: the id is not reused)
        known = _NAMED[id(files)] = (files, [(path, *_identifiers(path)) for path in files])
    return known[1]


def _digest(paths: list[str]) -> str:
    return content_hash("\n".join(paths).encode())


def _signature(files: list[str]) -> str:
    """The files' names, sizes and times: unchanged, no file needs reading again."""
    key = tuple(files)
    if _UNCHANGED is not None and key in _SIGNATURES:
        return _SIGNATURES[key]
    parts = []
    for path in files:
        try:
            stat = os.stat(path)
        except OSError:
            parts.append(path)
            continue
        parts.append(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}")
    signature = _digest(parts)
    if _UNCHANGED is not None:
        _SIGNATURES[key] = signature
    return signature


def scan_record(files: list[str], naming: list[str]) -> str:
    return f"{_digest(naming)} {_signature(files)}"


def scan_unchanged(key: str, recorded: str, memo: dict[str, tuple[list[str], str]]) -> bool:
    """Whether the constructions scan recorded under ``key`` (``SCAN`` + its arguments) still
    finds the files it found: at once when no project file changed (names, sizes, times), else
    by reading them again. ``memo`` keeps each project's files for one validation pass."""
    import json  # a cache run's validation: not at start-up

    try:
        walks, name, stem, own = json.loads(key[len(SCAN) :])
        naming, signature = recorded.split(" ")
        walks = [(top, skipped) for top, skipped in walks]
    except (ValueError, TypeError):
        return False
    listing = json.dumps(walks)
    if listing not in memo:
        files = walk_project(walks)
        memo[listing] = (files, _signature(files))
    files, now = memo[listing]
    return now == signature or _digest(files_naming(files, name, stem, own)) == naming


def _walk(top: str, files: list[str], skipped: str | None) -> None:
    """Add the Python files under ``top`` (but not under ``skipped``) to ``files``, in sorted
    order, until there are MAX_SCANNED."""
    for current, folders, names in os.walk(top):
        if len(files) >= MAX_SCANNED:
            return
        folders[:] = sorted(
            f
            for f in folders
            if not f.startswith(".") and f not in SKIPPED_FOLDERS and os.path.join(current, f) != skipped
        )
        files.extend(os.path.join(current, n) for n in sorted(names) if n.endswith(".py"))
