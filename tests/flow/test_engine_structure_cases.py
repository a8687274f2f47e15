"""PTL201's classification lives in the autograd family: the engine records neutral facts
(a backward, the graph nodes it meets with their grades, the loop pass, the variables that hold
them), and rules/autograd/_freed_graph_cases.py turns them into PTL201's cases."""

import ast
import textwrap
from pathlib import Path

import pt_lsp.core.flow as flow_package
from pt_lsp.core.context import FileContext
from pt_lsp.core.document import Document
from pt_lsp.core.flow.facts import BackwardRecord, GraphState, LoopPass
from pt_lsp.core.flow.lattice import Grade, GraphNode
from pt_lsp.core.flow.values import Kind, Value
from pt_lsp.rules.autograd._freed_graph_cases import (
    BackwardEvent,
    Carried,
    EventCase,
    classify,
    freed_graph_events,
    shape_of,
    trusted,
)

FLOW = Path(flow_package.__file__).parent


def _facts(source: str):
    source = textwrap.dedent(source)
    return FileContext("f.py", Document(source), ast.parse(source)).flow


def test_the_engine_knows_no_ptl201_case():
    text = "\n".join(path.read_text(encoding="utf-8") for path in FLOW.glob("*.py"))
    for word in ("EventCase", "SAME_TENSOR", "CARRIED_STATE", "carried-state", "report_event", "trusted("):
        assert word not in text, word


def test_a_carried_hidden_state_is_recorded_neutrally_and_classified_in_the_family():
    facts = _facts("""
    import torch
    rnn = torch.nn.GRU(4, 4)
    h = torch.zeros(1, 1, 4)
    for x in batches:
        out, h = rnn(x, h)
        out.sum().backward()
    """)
    records = facts.backwards
    assert records and all(isinstance(r, BackwardRecord) and r.graph is GraphState.FREED for r in records)
    first = records[0]
    assert first.loop is not None and isinstance(first.loop.node, ast.For)
    assert [name for name, _ in first.loop.carried] == ["h"]
    assert all(node.uid <= first.loop.pass_start_uid for node in first.hit[:1])
    (event,) = freed_graph_events(facts)
    assert event.case is EventCase.CARRIED_STATE and event.carried == (("h", Carried.TENSOR),)
    assert isinstance(event.carried[0][1], Carried)


def test_a_stepped_graph_is_recorded_with_its_step():
    facts = _facts("""
    import torch
    G = torch.nn.Linear(2, 2)
    D = torch.nn.Linear(2, 1)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.1)
    z = torch.randn(4, 2)
    fake = G(z)
    d_loss = D(fake).mean()
    d_loss.backward(retain_graph=True)
    opt_d.step()
    g_loss = -D(fake).mean()
    d_loss.backward()
    """)
    stepped = [r for r in facts.backwards if r.graph is GraphState.STEPPED]
    assert stepped and stepped[0].step is not None and stepped[0].step.func.attr == "step"
    events = freed_graph_events(facts)
    assert [e.case for e in events] == [EventCase.PARAMETERS_UPDATED]
    assert events[0].step is stepped[0].step


def _record(hit, loop=None, history=None, earlier_history=None, holders=()):
    call = ast.parse("loss.backward()").body[0].value
    earlier = ast.parse("other.backward()").body[0].value
    history = frozenset(hit) if history is None else history
    return BackwardRecord(call, GraphState.FREED, tuple(hit), earlier, history, earlier_history, loop, holders)


def test_cases_from_records():
    loop_node = ast.parse("for x in y:\n    pass").body[0]
    before = GraphNode(1, None)
    carried = GraphNode(5, None)
    now = GraphNode(9, None)
    loop = LoopPass(loop_node, start_uid=2, pass_start_uid=6, carried=(("h", Value(kind=Kind.TENSOR)),))
    assert classify(_record([before], loop)).case is EventCase.BEFORE_LOOP
    event = classify(_record([carried], loop))
    assert event.case is EventCase.CARRIED_STATE and event.loop is loop_node and event.carried == (("h", "tensor"),)
    same = frozenset({now})
    assert classify(_record([now], loop, history=same, earlier_history=same)).case is EventCase.SAME_TENSOR
    holders = (("fake", Value(history=same)), ("loss", Value(history=same | {GraphNode(10, None)})))
    shared = classify(_record([now], loop, history=same | {GraphNode(11, None)}, earlier_history=same, holders=holders))
    assert shared.case is EventCase.SHARED_GRAPH and shared.shared == ("fake",)
    assert isinstance(shared, BackwardEvent)


def test_unproven_nodes_from_an_earlier_pass_prove_nothing():
    loop = LoopPass(ast.parse("while x:\n    pass").body[0], start_uid=2, pass_start_uid=6)
    assert trusted((GraphNode(9, None, Grade.UNKNOWN),), loop)  # made and freed in this pass
    assert not trusted((GraphNode(5, None, Grade.UNKNOWN),), loop)  # an unknown call's output, carried
    assert trusted((GraphNode(5, None, Grade.CALLABLE),), loop)  # a callable parameter's output, carried
    assert not trusted((GraphNode(1, None, Grade.CALLABLE),), loop)  # ... but not from before the loop
    assert trusted((GraphNode(1, None, Grade.PROVEN),), loop)
    assert trusted((GraphNode(1, None, Grade.BACKWARD),), None)


def test_carried_shapes():
    assert shape_of(Value(kind=Kind.TENSOR)) is Carried.TENSOR
    assert shape_of(Value(kind=Kind.SEQ, items=(Value(), Value()))) is Carried.TUPLE
    assert shape_of(Value(kind=Kind.SEQ)) is Carried.LIST
