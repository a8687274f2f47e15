"""Values nested in containers are joined to a bounded depth (flow/values.py, MAX_NESTING). A beam
search whose nodes link to each other (`{"last": node, "next": [...]}`, `node["next"].append(child)`
in a while loop; audit-17 H1, two real files the CLI never finished) grew its abstract nodes with
every pass, and each join walked all of them: the program below (ours) took over a minute, and
the real files over 90 s each; now the joins keep the facts of deeper values and drop their
structure."""

from __future__ import annotations

import textwrap

from pt_lsp.core.engine import lint_source
from pt_lsp.core.flow.lattice import Device
from pt_lsp.core.flow.values import MAX_NESTING, Kind, Value, add_element
from pt_lsp.core.selection import Selection

BEAM = textwrap.dedent(
    """
    import numpy as np
    import torch

    decoder = torch.nn.LSTMCell(8, 8)
    readout = torch.nn.Linear(8, 5)


    def make_node(state, prob, last, word, idx):
        length = 0 if last is None else last["len"] + 1
        prob = 0 if last is None else prob + last["prob"]
        return {"state": state, "prob": prob, "last": last, "len": length, "word": word, "idx": idx, "next": []}


    def decode_beam(x, max_len=4):
        queue = [make_node((torch.zeros(1, 8), torch.zeros(1, 8)), 0, None, "<S>", 0)]
        leaves = []
        while len(queue) != 0:
            node = queue[0]
            if node["len"] >= max_len:
                leaves.append(node)
                queue.pop(0)
                continue
            h, c = decoder(x, node["state"])
            scores = readout(h).softmax(-1)
            for j in range(2):
                index = int(scores[0].argsort()[-1 - j])
                new_node = make_node((h, c), scores[0, index], node, str(index), index)
                node["next"].append(new_node)
                queue.append(new_node)
            queue.pop(0)
        best = max(leaves, key=lambda n: float(n["prob"]) / n["len"])
        words = []
        while best["last"] is not None:
            words.append(best["word"])
            best = best["last"]
        return words, np.array([float(best["prob"])])


    print(decode_beam(torch.randn(1, 8)))
    """
)


def _depth(value: Value) -> int:
    inner = [v for _, v in value.keys or ()] + list(value.items or ()) + ([value.elem] if value.elem else [])
    inner += [v for _, v in value.attrs]
    return 1 + max((_depth(v) for v in inner), default=0)


def _chain(length: int, device: Device) -> Value:
    value = Value(kind=Kind.TENSOR, device=device)
    for _ in range(length):
        value = Value(kind=Kind.OTHER, keys=(("last", value), ("next", Value(kind=Kind.SEQ, elem=value))))
    return value


def test_a_join_of_deep_chains_is_bounded_and_keeps_the_top_facts() -> None:
    mine, theirs = _chain(30, Device.CPU), _chain(30, Device.CUDA)
    for joined in (mine.join(theirs), mine.merge_evidence(theirs), add_element(mine, theirs)):
        assert _depth(joined) <= MAX_NESTING + 2
        assert joined.kind is Kind.OTHER and joined.keys is not None  # the top structure stays
    shallow = _chain(2, Device.CPU).join(_chain(2, Device.CUDA))
    assert _depth(shallow) == _depth(_chain(2, Device.CPU))  # within the bound nothing is dropped


def test_the_beam_search_is_analysed_to_the_end() -> None:
    """A liveness bound, not a speed goal: the analysis takes about a second; without the bound
    on joins it ran past a minute."""
    result = lint_source(BEAM, "<beam>", selection=Selection.of(["ALL"]), budget=60.0)
    assert result.errors == []
    assert result.stopped is None
