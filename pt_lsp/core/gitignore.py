"""``.gitignore`` matching as git does it (stdlib only).

Supported: comments and blank lines, ``\\#`` / ``\\!`` escapes, trailing-space trimming,
negation (``!``), directory-only patterns (``dir/``), anchored patterns (a ``/`` at the start
or in the middle), ``*``, ``?``, ``[...]`` classes and ``**`` (leading, trailing, middle).
The last matching pattern wins; patterns of a deeper ``.gitignore`` come later.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    base: str  # directory of the .gitignore, '/'-separated, absolute


def _translate(glob: str) -> str:
    """Regex for a gitignore glob matched against a '/'-separated relative path."""
    out, i, n = [], 0, len(glob)
    while i < n:
        ch = glob[i]
        if ch == "*":
            if glob.startswith("**", i):
                before_ok = i == 0 or glob[i - 1] == "/"
                after = i + 2
                if before_ok and (after == n or glob[after] == "/"):
                    if after == n:  # trailing '/**': everything inside
                        out.append(".*")
                        i = after
                    else:  # '**/': zero or more directories
                        out.append("(?:.*/)?")
                        i = after + 1
                    continue
                out.append("[^/]*")  # '**' inside a name acts like '*'
                i += 2
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = i + 1
            if end < n and glob[end] in "!^":
                end += 1
            if end < n and glob[end] == "]":
                end += 1
            while end < n and glob[end] != "]":
                end += 1
            if end >= n:
                out.append(re.escape(ch))
            else:
                body = glob[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def parse_line(line: str, base: str) -> Pattern | None:
    line = line.rstrip("\r\n")
    # trailing spaces are ignored unless escaped with a backslash
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    if dir_only:
        line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    if not anchored:
        body = "(?:.*/)?" + body  # matches at any depth
    return Pattern(re.compile(f"^{body}$", re.DOTALL), negated, dir_only, base)


def parse_file(path: str, base: str | None = None) -> list[Pattern]:
    base = (base or os.path.dirname(os.path.abspath(path))).replace(os.sep, "/")
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return []
    patterns = (parse_line(line, base) for line in lines)
    return [pattern for pattern in patterns if pattern is not None]


def _match_path(pattern: Pattern, relative: str, is_dir: bool, parents: bool) -> bool:
    """Whether ``pattern`` matches ``relative`` (or, with ``parents``, a directory above it:
    a path given directly inside an ignored directory is ignored too)."""
    if pattern.regex.match(relative) is not None and (is_dir or not pattern.dir_only):
        return True
    if parents:
        cut = relative.rfind("/")
        while cut > 0:
            relative = relative[:cut]
            if pattern.regex.match(relative) is not None:
                return True
            cut = relative.rfind("/")
    return False


class IgnoreRules:
    """The patterns in effect for one directory: its ancestors' and its own, in order."""

    def __init__(self, patterns: tuple[Pattern, ...] = ()) -> None:
        self.patterns = patterns
        # each pattern after the folder a path must be in for it to apply (its .gitignore's)
        self._within = [(pattern.base.rstrip("/") + "/", pattern) for pattern in patterns]

    def child(self, directory: str) -> IgnoreRules:
        """The rules for ``directory``: these plus its own ``.gitignore``."""
        own = parse_file(os.path.join(directory, ".gitignore"))
        return IgnoreRules(self.patterns + tuple(own)) if own else self

    def ignored(self, path: str, is_dir: bool, parents: bool = False) -> bool:
        """``parents``: also look at the directories above ``path`` (the walk does not need
        to: it never enters an ignored directory)."""
        absolute = os.path.abspath(path).replace(os.sep, "/")
        verdict = False
        for folder, pattern in self._within:
            if absolute.startswith(folder) and _match_path(pattern, absolute[len(folder) :], is_dir, parents):
                verdict = not pattern.negated
        return verdict


def git_root(directory: str) -> str | None:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _config_value(path: str, section: str, key: str) -> str | None:
    """The last ``key`` of ``[section]`` in a git config file (enough of git's syntax for
    ``core.excludesFile``: sections, ``key = value``, quotes, comments)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    current, value = "", None
    for line in lines:
        line = line.strip()
        if line.startswith("["):
            current = line[1:].split("]", 1)[0].strip().split(" ", 1)[0].lower()
            continue
        name, sep, raw = line.partition("=")
        if sep and current == section and name.strip().lower() == key:
            raw = re.split(r"\s[#;]", " " + raw.strip(), maxsplit=1)[0].strip()
            value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    return value


def global_excludes_file(root: str) -> str:
    """Git's ``core.excludesFile``: from the repository's config, else the user's, else git's
    default ``$XDG_CONFIG_HOME/git/ignore`` (``~/.config/git/ignore``)."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    for config in (
        os.path.join(root, ".git", "config"),
        os.path.join(os.path.expanduser("~"), ".gitconfig"),
        os.path.join(xdg, "git", "config"),
    ):
        value = _config_value(config, "core", "excludesfile")
        if value:
            return os.path.expanduser(value)
    return os.path.join(xdg, "git", "ignore")


def rules_for(directory: str) -> IgnoreRules:
    """The rules in effect in ``directory``: inside a repository, the global excludes file and
    ``.git/info/exclude`` (lowest priority, in that order), then the ``.gitignore`` files from
    the repository root (or, outside one, the filesystem root) down to it."""
    directory = os.path.abspath(directory)
    root = git_root(directory)
    chain = []
    current = directory
    while True:
        chain.append(current)
        parent = os.path.dirname(current)
        if current == root or parent == current:
            break
        current = parent
    rules = IgnoreRules()
    if root is not None:
        patterns: list[Pattern] = []
        for exclude in (global_excludes_file(root), os.path.join(root, ".git", "info", "exclude")):
            if os.path.isfile(exclude):
                patterns.extend(parse_file(exclude, root))
        rules = IgnoreRules(tuple(patterns))
    for ancestor in reversed(chain):
        rules = rules.child(ancestor)
    return rules
