"""Incremental lints for the server: typing inside one function re-analyses that function and
the functions connected to it, not the whole file.

A document is split into *units*: each top-level ``def`` and each method of a top-level class,
keyed by a hash of its text. Everything outside the units' bodies (imports, module code, class
headers and class-level statements, decorators, signatures, comments between definitions) is the
*header*; its digest changing invalidates everything.

What is reused: the findings that rules which opt in (``Rule.per_unit``) made inside a unit's
body, kept with the line they were found at and shifted by the unit's move. After an edit, the
units to analyse again are every unit *connected* to a changed one (below); the per-unit rules
run over a *reduced program*: the text with every other unit's body replaced by ``...`` (line
numbers unchanged), parsed and linted with the document's full text (text gates and slices see
the real text). The other rules run over the whole file first; where they built the file's
facts anyway (its node index), the per-unit rules run over those too, which costs less than a
second program, and nothing is reused.

Why it is sound. A per-unit rule promises that its findings in a unit depend only on the units
connected to it, the header and the document's text near them. Connections over-approximate
every way the flow engine lets one function's facts reach another's (a function's facts are
joined over every call into it, so callers, callees and their other callees all count):

- a unit mentions another's name (``f(...)``, ``self.m(...)``, ``obj.m``, a reference passed on),
  or defines a nested function of that name;
- a unit mentions a class: its constructor, ``__call__``/``forward`` and methods may run;
- methods of one class (and of classes naming it as a base) are connected: ``self`` carries the
  attributes ``__init__`` sets, rules read a class's methods together, a plain class's containers
  are shared between its methods.

Some units are *pinned*: file-wide facts depend on them (a nested class, a ``global`` statement,
the module body's code naming them), so they are always analysed and an edit of one is a full
run; units feeding the flow survey's parameter paths are always in the reduced program (their
findings reused), and the paths themselves are compared. So is the text the flow engine reads
file-wide (``TEXT_FLAGS``). A finding whose evidence or fixes point outside its unit, or whose
message names a line, is never reused. The flow engine's followed-call budget is per file, so a
reduced program could follow calls a full run would not: past a bound of what the file may
consume, the lint is a full run. Rule order does not change findings (checked on 400 real files):
the per-unit and whole-file rules may run in separate passes.
"""

from .linter import TEXT_FLAGS, IncrementalLinter, Stats, shift
from .units import Layout, Shape, Unit, layout, shape

__all__ = ["TEXT_FLAGS", "IncrementalLinter", "Layout", "Shape", "Stats", "Unit", "layout", "shape", "shift"]
