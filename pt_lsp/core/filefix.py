"""Reading source files for linting and writing fixed ones back without collateral damage.

Reading decodes with the file's own encoding (UTF-8 BOM, PEP 263 coding cookie, else UTF-8) and
normalises line endings to ``\\n`` so that fixes never have to care. Writing undoes exactly
that: same encoding and BOM, same newline style (line by line for mixed files), same final
newline, same permissions, through a temporary file renamed over the original so that an
interrupted run never leaves half a file.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 10 * 1024 * 1024


class Unlintable(Exception):
    """A file that cannot be linted; ``str(error)`` says why, for ``warning: skipping``."""


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 1e6 else f"{count} bytes"


def _too_large(size: int, limit: int) -> str:
    return f"file too large ({_size(size)}; the limit is {_size(limit)})"


def _line_endings(data: str) -> list[str]:
    return re.findall(r"\r\n|\r|\n", data)


@dataclass(frozen=True)
class SourceFile:
    text: str  # decoded, line endings normalised to '\n'
    encoding: str  # codec name; 'utf-8-sig' writes the BOM back
    original: str  # decoded text with its original line endings

    @classmethod
    def decode(cls, data: bytes, max_bytes: int | None = None) -> SourceFile:
        max_bytes = max_bytes or MAX_BYTES
        if len(data) > max_bytes:
            raise Unlintable(_too_large(len(data), max_bytes))
        if b"\0" in data:
            raise Unlintable("binary file (contains NUL bytes)")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as error:
            if "invalid or missing" not in str(error.msg):
                raise Unlintable(f"invalid encoding declaration: {error.msg}") from None
            encoding = "utf-8"  # the first lines are not UTF-8: let the decoder say where
        try:
            original = data.decode(encoding)
        except UnicodeDecodeError as error:
            what = "not valid UTF-8 and no coding cookie" if encoding.startswith("utf-8") else f"not valid {encoding}"
            raise Unlintable(f"{what} (byte 0x{data[error.start]:02x} at offset {error.start})") from None
        if encoding == "utf-8-sig" and original.startswith("\ufeff"):
            original = original[1:]
        text = original.replace("\r\n", "\n").replace("\r", "\n")
        return cls(text, encoding, original)

    @property
    def newline(self) -> str:
        endings = _line_endings(self.original)
        return endings[0] if endings else "\n"

    def encode(self, text: str) -> bytes:
        """``text`` (with '\\n' line endings) in this file's encoding, newline style and final
        newline. Raises ``UnicodeEncodeError`` when the fix put in an unencodable character."""
        if self.text.endswith("\n") and not text.endswith("\n"):
            text += "\n"
        elif not self.text.endswith("\n") and text.endswith("\n") and text.strip():
            text = text[:-1]
        styles = set(_line_endings(self.original))
        if len(styles) > 1:
            restored = self._restore_mixed(text)
        else:
            restored = text.replace("\n", self.newline) if self.newline != "\n" else text
        return restored.encode(self.encoding)

    def _restore_mixed(self, text: str) -> str:
        """Keep each untouched line's own ending; new lines get the file's first style."""
        import difflib  # only a fix of a file with mixed line endings needs it

        old = self.original.splitlines(keepends=True)
        old_plain = [line.rstrip("\r\n") for line in old]
        new_plain = text.split("\n")
        trailing = new_plain[-1] == ""
        if trailing:
            new_plain.pop()
        # the common head and tail first, so that identical lines (blank ones) cannot be
        # paired with the wrong partner; the part in between is aligned by a diff
        head = 0
        while head < min(len(old_plain), len(new_plain)) and old_plain[head] == new_plain[head]:
            head += 1
        tail = 0
        while tail < min(len(old_plain), len(new_plain)) - head and old_plain[-1 - tail] == new_plain[-1 - tail]:
            tail += 1
        out = [[new_plain[k], old[k][len(old_plain[k]) :]] for k in range(head)]
        old_mid, new_mid = old_plain[head : len(old_plain) - tail], new_plain[head : len(new_plain) - tail]
        matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for k in range(j2 - j1):  # an equal or rewritten line keeps its old line's ending
                i = head + i1 + k
                ending = old[i][len(old_plain[i]) :] if tag in ("equal", "replace") and k < i2 - i1 else ""
                out.append([new_mid[j1 + k], ending or self.newline])
        for k in range(tail, 0, -1):
            out.append([new_plain[-k], old[-k][len(old_plain[-k]) :]])
        for pair in out:
            pair[1] = pair[1] or self.newline
        if out:
            out[-1][1] = (out[-1][1] or self.newline) if trailing else ""
        return "".join(line + ending for line, ending in out)


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    max_bytes = max_bytes or MAX_BYTES
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
            raise Unlintable("not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise Unlintable(_too_large(size, max_bytes))
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise Unlintable(f"cannot read: {error.strerror or error}") from None


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` through a renamed temporary file, keeping the
    file's permission bits, owner and group; a symlink keeps pointing at its target. Where a
    renamed copy could not keep the owner (someone else's file we may write) or cannot be made
    (a folder we may not write in), the file is rewritten in place instead, as ruff does."""
    import tempfile  # only writing needs it (and shutil, random... with it)

    target = os.path.realpath(path)
    info = os.stat(target)
    directory, name = os.path.split(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".pt-lsp-tmp", dir=directory)
    except PermissionError:
        _write_in_place(target, data)
        return
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except OSError:
                copy = os.stat(temporary)
                if (copy.st_uid, copy.st_gid) != (info.st_uid, info.st_gid):
                    os.unlink(temporary)
                    _write_in_place(target, data)
                    return
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _write_in_place(target: str, data: bytes) -> None:
    with open(target, "r+b") as file:
        file.write(data)
        file.truncate()
        file.flush()
        os.fsync(file.fileno())


# -- notebooks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NotebookFile:
    """An ``.ipynb`` file: its JSON and how it was laid out, so that a rewrite changes only the
    sources of the cells that were fixed."""

    raw: str
    data: dict[str, Any]  # the notebook's JSON

    @classmethod
    def decode(cls, data: bytes, max_bytes: int | None = None) -> NotebookFile:
        import json  # notebooks only

        max_bytes = max_bytes or MAX_BYTES
        if len(data) > max_bytes:
            raise Unlintable(_too_large(len(data), max_bytes))
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise Unlintable(f"notebook is not valid UTF-8 (byte at offset {error.start})") from None
        if not raw.strip():
            raise Unlintable("empty notebook file")
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as error:
            raise Unlintable(f"not a valid notebook: {error}") from None
        except ValueError:  # an integer of more digits than int() converts
            raise Unlintable("not a valid notebook: a number in it is too long") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("cells"), list):
            raise Unlintable("not a valid notebook: no 'cells' list (nbformat 4 is required)")
        for index, cell in enumerate(parsed["cells"]):
            source = cell.get("source", "") if isinstance(cell, dict) else ""
            parts = source if isinstance(source, list) else [source]
            if not all(isinstance(part, str) for part in parts):
                raise Unlintable(f"not a valid notebook: the source of cell {index + 1} is not text")
        language = _language(parsed.get("metadata"))
        if language.lower() != "python":
            raise Unlintable(f"notebook language is {language}, not Python")
        return cls(raw, parsed)

    def code_cells(self) -> list[tuple[int, str]]:
        result = []
        for index, cell in enumerate(self.data["cells"]):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            result.append((index, "".join(source) if isinstance(source, list) else str(source)))
        return result

    def with_sources(self, sources: dict[int, str]) -> bytes:
        """The notebook with the code cells at the given indexes replaced, laid out as before."""
        import json

        data = json.loads(self.raw)  # a fresh copy; outputs and metadata stay as they were
        for index, source in sources.items():
            cell = data["cells"][index]
            if isinstance(cell.get("source"), list):
                cell["source"] = source.splitlines(keepends=True)
            else:
                cell["source"] = source
        head = self.raw[:200]
        match = re.match(r"\{\s*?\n([ \t]*)\"", head)
        indent: int | str | None = None
        if match:
            whitespace = match.group(1)
            indent = whitespace if "\t" in whitespace else len(whitespace)
        separators = (",", ": ") if indent is not None else ((", ", ": ") if '": ' in head else (",", ":"))
        text = json.dumps(data, indent=indent, ensure_ascii=self.raw.isascii(), separators=separators)
        if self.raw.endswith("\n"):
            text += "\n"
        return text.encode("utf-8")


def _language(metadata: object) -> str:
    """A notebook's language: ``language_info.name`` as the kernel wrote it, else the kernel's
    ``kernelspec.language`` (a notebook never run has only that: fast.ai's Swift notebooks), else
    Python."""
    if not isinstance(metadata, dict):
        return "python"
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        section = metadata.get(key)
        value = section.get(field) if isinstance(section, dict) else None
        if isinstance(value, str) and value:
            return value
    return "python"
