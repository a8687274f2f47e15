"""PTL303 recall (session 11, issue 11): registrations and helper methods before
``super().__init__()``.

Programs are ours, run under torch 2.13: each reported one raised at construction (the message in
the test), each fixed one constructed and listed its parameters.
"""

from __future__ import annotations

from rules_helpers import findings, fixed, lines

TEMPLATE = """
import torch
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        {early}
        super().__init__()

    def build(self):
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return x


print(len(list(M().parameters())))
"""


def module(early: str) -> str:
    return TEMPLATE.format(early=early)


def test_registrations_and_assigning_helpers_before_the_base_init_are_reported():
    for early, raised in (
        ('self.register_buffer("b", torch.zeros(4))', '"cannot assign buffer before Module.__init__() call"'),
        ('self.register_parameter("p", nn.Parameter(torch.zeros(4)))', '"cannot assign parameters before'),
        ('self.add_module("act", nn.ReLU())', "has no `_modules` yet"),  # AttributeError: ... '_modules'
        ("self.build()", '"cannot assign module before Module.__init__() call"'),
    ):
        (finding,) = findings("PTL303", module(early))
        assert finding.line == 7 and raised in finding.message, early
        result = fixed("PTL303", module(early))
        compile(result, "<fixed>", "exec")
        assert result.index("super().__init__()") < result.index(early)
        assert findings("PTL303", result) == []


def test_the_helper_step_names_what_it_assigns():
    (finding,) = findings("PTL303", module("self.build()"))
    assert "`self.build()` assigns `self.fc`" in finding.message
    assert any(r.span.start.line == 11 and "`build` assigns `self.fc` here" in r.message for r in finding.related)


def test_calls_that_register_nothing_are_silent():
    for early in (
        "self.n = 4",
        "self.forward(torch.zeros(1))",  # runs no assignment of a module
        "self.reset()",  # no such method of the class: unknown
    ):
        assert lines("PTL303", module(early)) == [], early
    # a class defining its own `register_buffer` decides what it does
    own = module('self.register_buffer("b", 1)').replace(
        "    def build(self):", "    def register_buffer(self, name, value):\n        pass\n\n    def build(self):"
    )
    assert lines("PTL303", own) == []


# audit-14 d8, ours: `super().__init()` raised AttributeError "'super' object has no attribute
# '_Disc__init'" (torch 2.13, Python 3.11) before any layer was assigned; the fixed program constructs.
MISSPELT = """
import torch.nn as nn


class Disc(nn.Module):
    def __init__(self):
        super().__init()
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(x)


Disc()
"""


def test_a_misspelt_base_init_is_named_and_fixed_by_its_name():
    (finding,) = findings("PTL303", MISSPELT)
    assert finding.line == 6
    assert "`super().__init()` is a misspelling of `super().__init__()`" in finding.message
    assert "'_Disc__init'" in finding.message
    result = fixed("PTL303", MISSPELT)
    assert "        super().__init__()\n        self.fc = nn.Linear(4, 1)" in result
    assert findings("PTL303", result) == []
    for other, missing in (("_init_", "'_init_'"), ("__int__", "'__int__'")):
        (finding,) = findings("PTL303", MISSPELT.replace("super().__init()", f"super().{other}()"))
        assert missing in finding.message, other


def test_a_base_method_named_like_init_is_no_misspelling():
    """A base of the file defining ``_init_`` (or a plain ``init()`` anywhere) is called on purpose."""
    base = "class Base(nn.Module):\n    def _init_(self):\n        pass\n\n\n"
    own = MISSPELT.replace("class Disc(nn.Module):", base + "class Disc(Base):").replace(
        "super().__init()", "super()._init_()"
    )
    assert [f for f in findings("PTL303", own) if "misspelling" in f.message] == []
    plain = MISSPELT.replace("super().__init()", "super().init()")
    assert [f for f in findings("PTL303", plain) if "misspelling" in f.message] == []
