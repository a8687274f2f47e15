"""The lattices of core/flow/lattice.py: every join is commutative, associative and idempotent
on all values, an upper bound in its order, and monotone; the values and states built on them
join the same way."""

import ast
import itertools

import pytest

from pt_lsp.core.flow import lattice
from pt_lsp.core.flow.lattice import (
    Device,
    Grade,
    GraphNode,
    ReadOnly,
    grade_of,
    join_requires_grad,
    must,
    proof_all,
    proof_either,
)
from pt_lsp.core.flow.state import State
from pt_lsp.core.flow.values import Kind, Value

DEVICES = list(Device)
GRADES = list(Grade)
REQUIRES_GRAD = [True, False, None]


def _leq_requires_grad(a, b):
    return join_requires_grad(a, b) == b


LATTICES = [
    pytest.param(DEVICES, Device.join, Device.leq, id="device"),
    pytest.param(GRADES, Grade.join, Grade.leq, id="grade"),
    pytest.param(REQUIRES_GRAD, join_requires_grad, _leq_requires_grad, id="requires-grad"),
]


@pytest.mark.parametrize("values, join, leq", LATTICES)
def test_join_is_commutative_associative_idempotent(values, join, leq):
    for a, b, c in itertools.product(values, repeat=3):
        assert join(a, b) == join(b, a)
        assert join(join(a, b), c) == join(a, join(b, c))
    for a in values:
        assert join(a, a) == a


@pytest.mark.parametrize("values, join, leq", LATTICES)
def test_join_is_the_least_upper_bound_and_monotone(values, join, leq):
    for a, b in itertools.product(values, repeat=2):
        top = join(a, b)
        assert leq(a, top) and leq(b, top)
        for c in values:
            if leq(a, c) and leq(b, c):
                assert leq(top, c)  # least
            if leq(a, c):
                assert leq(join(a, b), join(c, b))  # monotone


@pytest.mark.parametrize("values, join, leq", LATTICES)
def test_order_is_a_partial_order(values, join, leq):
    for a in values:
        assert leq(a, a)
    for a, b in itertools.product(values, repeat=2):
        if leq(a, b) and leq(b, a):
            assert a == b
    for a, b, c in itertools.product(values, repeat=3):
        if leq(a, b) and leq(b, c):
            assert leq(a, c)


def test_device_order_as_documented():
    assert Device.CPU.join(Device.CUDA) is Device.MAYBE_CUDA
    assert Device.CUDA.leq(Device.MAYBE_CUDA) and Device.MAYBE_CUDA.leq(Device.UNKNOWN)
    assert not Device.UNKNOWN.leq(Device.CUDA)
    assert [d for d in DEVICES if d.may_be_cuda] == [Device.CUDA, Device.MAYBE_CUDA]


def test_grades_an_op_on_a_proven_graph_is_proven():
    nodes = [GraphNode(i, None, grade) for i, grade in enumerate(GRADES)]
    for group in itertools.chain.from_iterable(itertools.combinations(nodes, n) for n in range(1, 5)):
        expected = group[0].evidence
        for node in group[1:]:
            expected = expected.join(node.evidence)
        assert grade_of(group) is expected
    assert grade_of([]) is Grade.PROVEN
    assert grade_of([GraphNode(1, None, Grade.UNKNOWN), GraphNode(2, None, Grade.PROVEN)]) is Grade.PROVEN
    assert GraphNode(1, None, Grade.CALLABLE).opaque and not GraphNode(1, None).opaque


def test_must_keeps_the_keys_every_path_has():
    samples = [{}, {1: "a"}, {1: "b", 2: "c"}, {2: "d", 3: "e"}]
    for a, b, c in itertools.product(samples, repeat=3):
        assert must(a, b).keys() == must(b, a).keys() == a.keys() & b.keys()
        assert must(must(a, b), c).keys() == must(a, must(b, c)).keys()
        assert must(a, a) == a
        assert all(must(a, b)[k] == a[k] for k in must(a, b))  # the first path's value is cited


def test_proofs_either_needs_one_all_needs_every_one():
    p, q = ("p",), ("q",)
    assert proof_either(None, p, q) == p and proof_either(None, None) is None and proof_either() is None
    assert proof_all([p, q]) == ("p", "q") and proof_all([p, None]) is None and proof_all([]) is None


def test_read_only_is_a_fact_with_its_place():
    where = ast.parse("x").body[0]
    fact = ReadOnly("a reason", where, True)
    assert fact.where is where and fact == ReadOnly("a reason", where, True)


# -- values and states: products of the lattices ----------------------------------------------------
def _values():
    nodes = [GraphNode(1, None), GraphNode(2, None, Grade.UNKNOWN)]
    histories = [frozenset(), frozenset(nodes[:1]), frozenset(nodes)]
    values = []
    for kind, device, grad, history in itertools.product(
        [Kind.TENSOR, Kind.UNKNOWN, Kind.OTHER], [Device.CPU, Device.CUDA, Device.UNKNOWN], REQUIRES_GRAD, histories
    ):
        values.append(Value(kind=kind, device=device, requires_grad=grad, history=history))
    return values


def test_value_join_is_commutative_associative_idempotent_on_its_facts():
    values = _values()
    for a, b in itertools.product(values, repeat=2):
        joined = a.join(b)
        assert joined == b.join(a)
        assert joined.device is a.device.join(b.device)
        assert joined.requires_grad == join_requires_grad(a.requires_grad, b.requires_grad)
        assert joined.history == a.history | b.history
    for a in values:
        assert a.join(a) == a
    sample = values[::5]
    for a, b, c in itertools.product(sample, repeat=3):
        assert a.join(b).join(c) == a.join(b.join(c))


def test_value_join_keeps_attributes_known_on_both_paths():
    layer = Value(kind=Kind.MODULE, device=Device.CPU)
    moved = Value(kind=Kind.MODULE, device=Device.CUDA, attrs=(("lstm", layer.with_(device=Device.CUDA)),))
    kept = Value(kind=Kind.MODULE, device=Device.CPU, attrs=(("lstm", layer),))
    joined = moved.join(kept)
    assert dict(joined.attrs)["lstm"].device is Device.MAYBE_CUDA


def test_state_join_freed_is_a_must_fact_and_grad_mode_must_be_on_everywhere():
    call = ast.Call(func=ast.Name("f"), args=[], keywords=[])
    shared, only = GraphNode(1, None), GraphNode(2, None)
    one = State(freed={shared: call, only: call})
    other = State(freed={shared: call}, grad_enabled=False, default_device=Device.CUDA)
    joined = one.join(other)
    assert set(joined.freed) == {shared}
    assert joined.grad_enabled is False
    assert joined.default_device is Device.MAYBE_CUDA
    assert set(other.join(one).freed) == {shared}


def test_the_lattice_module_imports_nothing_of_the_engine():
    """The bottom of the engine: every other module may import it, it imports none of them."""
    tree = ast.parse(open(lattice.__file__, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, node.module
