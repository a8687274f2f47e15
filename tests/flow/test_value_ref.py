"""``values.ref``: the fast REF constructor makes what ``Value(kind=Kind.REF, ...)`` makes."""

from __future__ import annotations

import pytest

from pt_lsp.core.flow.summaries import same
from pt_lsp.core.flow.values import Kind, Value, ref


@pytest.mark.parametrize("qualname", ["torch.nn.Linear", "builtins.len", "<def>.1234", None])
def test_ref_is_the_value_the_constructor_makes(qualname: str | None) -> None:
    made = Value(kind=Kind.REF, qualname=qualname, requires_grad=False)
    fast = ref(qualname)
    assert fast == made and hash(fast) == hash(made) and same(fast, made)
    assert list(vars(fast).items()) == list(vars(made).items())  # every field, in the same order
    assert fast is not ref(qualname)  # a new object each time, as the constructor gives
    with pytest.raises(AttributeError):
        fast.qualname = "other"  # type: ignore[misc]  # still frozen
