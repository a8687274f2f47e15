"""PTL303 on ``setattr(self, name, module)`` before ``super().__init__()`` (session 12, issue 11).

Ten programs of ours were written from real shapes of the bug (a subclass of a local module, a
builder method, a parameter, no ``super().__init__()`` at all, ``register_buffer``, an
``nn.Sequential`` subclass, a module argument, a conditional layer, a mixin, ``setattr`` in a
loop); eight were reported. ``setattr(self, f"fc{i}", nn.Linear(4, 4))`` in a loop before
``super().__init__()`` was missed: it goes through ``nn.Module.__setattr__`` as ``self.fc0 = ...``
does, and torch 2.13 raised "cannot assign module before Module.__init__() call". (The mixin's
``HeadMixin.__init__(self, 3)`` before ``nn.Module.__init__(self)`` is left: rarer, and a call of
another class's ``__init__``.)
"""

from __future__ import annotations

import pytest
from rules_helpers import findings, fixed, source

SETATTR_LOOP = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n=2):
        for i in range(n):
            setattr(self, f"fc{i}", nn.Linear(4, 4))
        super().__init__()


net = Net()
"""


def run(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(source(text), "<program>", "exec"), namespace)
    return namespace


def test_setattr_of_a_module_before_super_init_is_reported_and_raises():
    (finding,) = findings("PTL303", SETATTR_LOOP)
    assert finding.line == 7
    assert finding.message.startswith('`setattr` of `f"fc{i}"` sets a submodule before `super().__init__()` runs')
    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        run(SETATTR_LOOP)


def test_the_fix_moves_super_init_first_and_the_program_runs():
    text = fixed("PTL303", SETATTR_LOOP)
    assert text.index("super().__init__()") < text.index("setattr(self")
    net = run(text)["net"]
    assert [name for name, _ in net.named_children()] == ["fc0", "fc1"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "line",
    [
        'setattr(self, f"n{i}", i)',  # a plain value: nn.Module.__setattr__ stores it before __init__ too
        'setattr(other, f"fc{i}", nn.Linear(4, 4))',  # another object
    ],
)
def test_neighbours_stay_silent_and_run(line):
    text = SETATTR_LOOP.replace('setattr(self, f"fc{i}", nn.Linear(4, 4))', line).replace(
        "    def __init__(self, n=2):",
        "    def __init__(self, n=2, other=None):\n        other = other or type('O', (), {})()",
    )
    assert line in text
    assert findings("PTL303", text) == []
    run(text)


def test_setattr_after_super_init_is_silent():
    text = SETATTR_LOOP.replace(
        '        for i in range(n):\n            setattr(self, f"fc{i}", nn.Linear(4, 4))\n        super().__init__()',
        '        super().__init__()\n        for i in range(n):\n            setattr(self, f"fc{i}", nn.Linear(4, 4))',
    )
    assert text.index("super().__init__()") < text.index("setattr(self")
    assert findings("PTL303", text) == []
    run(text)


# audit-15 (debatable, message): `super(LM).__init__(self)` was reported at the assignments with
# "nn.Module raises 'cannot assign module...'", but torch 2.13 raised TypeError "super() argument 1
# must be type, not LM" at the call itself. It is now reported there, with a fix to `super().__init__()`.
ONE_ARGUMENT_SUPER_GIVEN_SELF = """
import torch.nn as nn


class LM(nn.Module):
    def __init__(self, n):
        super(LM).__init__(self)
        self.n = n
        self.build()

    def build(self):
        self.emb = nn.Embedding(10, self.n)


lm = LM(4)
"""


def test_one_argument_super_given_self_is_reported_at_the_call_with_its_own_error():
    (finding,) = findings("PTL303", ONE_ARGUMENT_SUPER_GIVEN_SELF)
    assert finding.line == 6
    assert finding.message.startswith('`super(LM).__init__(self)` raises TypeError ("super() argument 1 must be type")')
    with pytest.raises(TypeError, match="super\\(\\) argument 1 must be type"):
        run(ONE_ARGUMENT_SUPER_GIVEN_SELF)
    text = fixed("PTL303", ONE_ARGUMENT_SUPER_GIVEN_SELF)
    assert "        super().__init__()\n" in text
    assert [name for name, _ in run(text)["lm"].named_children()] == ["emb"]  # type: ignore[attr-defined]


def test_one_argument_super_without_arguments_is_still_reported_at_the_assignments():
    text = ONE_ARGUMENT_SUPER_GIVEN_SELF.replace("super(LM).__init__(self)", "super(LM).__init__()")
    (finding,) = findings("PTL303", text)
    assert finding.line == 8  # `self.build()` assigns `self.emb` while nn.Module.__init__ never ran
    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        run(text)
