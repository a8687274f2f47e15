"""False alarms of the fourth audit (benchmarks/ecosystem/audit-4.md): real training code nobody here
had read. Each program is ours, has the shape of the real code and must draw no finding of the rule;
beside each, a nearby program that is wrong keeps its finding, and where torch can tell, a test runs
the program to show which of the two behaves as the message says."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.notebook import lint_notebook
from pt_lsp.core.selection import Selection


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit4>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "audit4"}
    exec(compile(textwrap.dedent(source), "<audit4>", "exec"), namespace)
    return namespace


# F2 (DSKSD/DeepNLP-models-Pytorch, bamos/densenet.pytorch): `loss.data[0]` was a Python number in
# the torch of 2017 and raises IndexError today; the list never holds CUDA tensors.
LEGACY_SCALAR_READ = """
    import numpy as np
    import torch
    from torch import nn

    use_cuda = torch.cuda.is_available()
    net = nn.Linear(4, 1)
    if use_cuda:
        net = net.cuda()
    crit = nn.MSELoss()
    losses = []
    for step in range(3):
        x = torch.randn(2, 4)
        if use_cuda:
            x = x.cuda()
        loss = crit(net(x), torch.zeros(2, 1, device=x.device))
        losses.append(loss.data[0])
    print(np.mean(losses))
    """

# The same list filled with the detached losses themselves: CUDA tensors on a GPU machine.
DETACHED_LOSSES = LEGACY_SCALAR_READ.replace("loss.data[0]", "loss.detach()")


def test_ptl401_legacy_scalar_read_of_a_loss() -> None:
    assert lines(LEGACY_SCALAR_READ, "PTL401") == []


def test_ptl401_detached_losses_are_still_reported() -> None:
    assert lines(DETACHED_LOSSES, "PTL401") == [18]


def test_legacy_scalar_read_raises_index_error_today() -> None:
    with pytest.raises(IndexError, match="0-dim"):
        run(LEGACY_SCALAR_READ)
    assert run(DETACHED_LOSSES)["losses"][0].dim() == 0


# F4 (sthalles/SimCLR): a plain dict holds the alternatives; the one chosen is registered under
# another attribute, through a method that returns it.
CHOSEN_FROM_A_DICT = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self, name):
            super().__init__()
            self.choices = {"small": nn.Linear(4, 2), "big": nn.Linear(4, 8)}
            self.body = self._pick(name)

        def _pick(self, name):
            try:
                chosen = self.choices[name]
            except KeyError:
                raise ValueError(name)
            else:
                return chosen

        def forward(self, x):
            return self.body(x)

    class Direct(nn.Module):
        def __init__(self, name):
            super().__init__()
            self.choices = {"small": nn.Linear(4, 2), "big": nn.Linear(4, 8)}
            self.body = self.choices[name]

        def forward(self, x):
            return self.body(x)

    net, direct = Net("big"), Direct("small")
    """

# The dict's modules used only by indexing it in forward: none of them is registered.
HEADS_IN_A_DICT = """
    import torch
    from torch import nn

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = {"a": nn.Linear(4, 2), "b": nn.Linear(4, 8)}

        def forward(self, x, name):
            return self.heads[name](x)

    heads = Heads()
    """


def test_ptl301_module_chosen_from_a_plain_dict() -> None:
    assert lines(CHOSEN_FROM_A_DICT, "PTL301") == []


def test_ptl301_modules_used_from_a_plain_dict_are_still_reported() -> None:
    assert lines(HEADS_IN_A_DICT, "PTL301") == [8]


def test_chosen_module_is_trained_and_the_used_heads_are_not() -> None:
    namespace = run(CHOSEN_FROM_A_DICT)
    assert [p.shape[0] for p in namespace["net"].parameters()] == [8, 8]
    assert [p.shape[0] for p in namespace["direct"].parameters()] == [2, 2]
    assert list(run(HEADS_IN_A_DICT)["heads"].parameters()) == []


# F5 (yandexdataschool/Practical_RL seminar_pytorch.ipynb): an exercise cell that does not parse
# binds `loss` once the student fills it in; the stale `loss` of the cells before must not reach
# the backward() of the next cell.
EXERCISE_CELLS = [
    (0, "import torch\nw = torch.zeros(1, requires_grad=True)\nx = torch.rand(5)"),
    (1, "y_pred = w * x\nloss = ((y_pred - 1) ** 2).mean()\nloss.backward()"),
    (2, "opt = torch.optim.SGD([w], lr=0.1)"),
    (3, "loss = <YOUR CODE>"),
    (4, "opt.zero_grad()\nloss.backward()\nopt.step()"),
]


def notebook_findings(cells: list[tuple[int, str]], code: str) -> list[tuple[int, int]]:
    joined, result = lint_notebook(cells, "nb.ipynb", Selection.of([code]))
    spans = [joined.to_cell_span(f.span) for f in result.findings if f.code == code]
    return [(cell.index, span.start.line) for cell, span in spans]


def test_ptl201_not_past_an_exercise_cell_that_binds_the_loss() -> None:
    assert notebook_findings(EXERCISE_CELLS, "PTL201") == []
    assert [cell for cell, _ in notebook_findings(EXERCISE_CELLS, "PTL000")] == [3]


def test_ptl201_past_a_broken_cell_that_binds_something_else() -> None:
    cells = [*EXERCISE_CELLS[:3], (3, "print(<YOUR CODE>)"), EXERCISE_CELLS[4]]
    assert notebook_findings(cells, "PTL201") == [(4, 2)]


def test_stale_loss_raises_and_a_fresh_one_runs() -> None:
    namespace: dict[str, Any] = {}
    for _, source in EXERCISE_CELLS[:3]:
        exec(source, namespace)
    with pytest.raises(RuntimeError, match="second time"):
        exec(EXERCISE_CELLS[4][1], namespace)
    exec("loss = ((w * x - 2) ** 2).mean()", namespace)  # what the student writes
    exec(EXERCISE_CELLS[4][1], namespace)
    assert namespace["w"].grad is not None


# F1 (1Konny/Beta-VAE, heykeetae/Self-Attention-GAN): the loss is made in an if/elif chain on a
# setting the loop never changes, with no else; a run takes the same branch every iteration.
INVARIANT_CHAIN = """
    import torch
    from torch import nn

    class Trainer:
        def __init__(self, objective):
            self.objective = objective
            self.net = nn.Linear(4, 1)
            self.optim = torch.optim.SGD(self.net.parameters(), lr=0.1)

        def train(self, batches):
            for x in batches:
                out = self.net(x)
                if self.objective == "H":
                    loss = out.pow(2).mean()
                elif self.objective == "B":
                    loss = out.abs().mean()
                self.optim.zero_grad()
                loss.backward()
                self.optim.step()

    batches = [torch.rand(2, 4) for _ in range(3)]
    Trainer("H").train(batches)
    Trainer("B").train(batches)
    """

# The branch is chosen per iteration: the odd iterations backward the even ones' loss again.
VARIANT_BRANCH = """
    import torch
    from torch import nn

    net = nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for step in range(3):
        out = net(torch.rand(2, 4))
        if step % 2 == 0:
            loss = out.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    """

# The setting changes inside the loop: the second iteration takes neither branch.
SETTING_CHANGED_IN_THE_LOOP = """
    import torch
    from torch import nn

    net = nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    mode = "a"
    for step in range(3):
        out = net(torch.rand(2, 4))
        if mode == "a":
            loss = out.pow(2).mean()
        elif mode == "b":
            loss = out.abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        mode = "c"
    """


def test_ptl201_loss_from_a_loop_invariant_chain() -> None:
    assert lines(INVARIANT_CHAIN, "PTL201") == []


@pytest.mark.parametrize(("source", "line"), [(VARIANT_BRANCH, 12), (SETTING_CHANGED_IN_THE_LOOP, 15)])
def test_ptl201_branch_that_can_change_is_still_reported(source: str, line: int) -> None:
    assert lines(source, "PTL201") == [line]


def test_invariant_chain_runs_and_a_changing_branch_raises() -> None:
    run(INVARIANT_CHAIN)
    for source in (VARIANT_BRANCH, SETTING_CHANGED_IN_THE_LOOP):
        with pytest.raises(RuntimeError, match="second time"):
            run(source)


# Beta-VAE's form: the chain sits in the batch loop, inside an epoch loop that never changes the
# setting either.
INVARIANT_CHAIN_IN_NESTED_LOOPS = """
    import torch
    from torch import nn

    def train(objective, epochs=2):
        net = nn.Linear(4, 1)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for epoch in range(epochs):
            for x in [torch.rand(2, 4) for _ in range(3)]:
                out = net(x)
                if objective == "H":
                    loss = out.pow(2).mean()
                elif objective == "B":
                    loss = out.abs().mean()
                opt.zero_grad()
                loss.backward()
                opt.step()

    train("H")
    train("B")
    """

# The epoch loop switches the setting: the second epoch takes neither branch.
SETTING_SWITCHED_PER_EPOCH = """
    import torch
    from torch import nn

    net = nn.Linear(4, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    objective = "H"
    for epoch in range(2):
        for x in [torch.rand(2, 4) for _ in range(3)]:
            out = net(x)
            if objective == "H":
                loss = out.pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        objective = "none"
    """


def test_ptl201_invariant_chain_in_nested_loops() -> None:
    assert lines(INVARIANT_CHAIN_IN_NESTED_LOOPS, "PTL201") == []


def test_ptl201_setting_switched_by_the_outer_loop_is_reported() -> None:
    assert lines(SETTING_SWITCHED_PER_EPOCH, "PTL201") == [14]


def test_nested_invariant_chain_runs_and_a_switched_setting_raises() -> None:
    run(INVARIANT_CHAIN_IN_NESTED_LOOPS)
    with pytest.raises(RuntimeError, match="second time"):
        run(SETTING_SWITCHED_PER_EPOCH)


# F3 (sgrvinod/a-PyTorch-Tutorial-to-Sequence-Labeling): a model whose class is out of view returns
# its scores and, re-ordered, the integer tags and lengths it was given.
TAGGER_TRAINING = """
    import torch
    from torch import optim
    from tagging.models import Tagger

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def main(loader):
        model = Tagger(vocab=10, tags=3).to(device)
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        train(loader, model, optimizer)

    def train(loader, model, optimizer):
        for words, tags, lengths in loader:
            scores, tags_sorted, lengths_sorted = model(words.to(device), tags.to(device), lengths)
            loss = scores.sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            print(tags_sorted.to("cpu").numpy())
    """

# The model's own output, unpacked first or used whole, still requires grad.
TAGGER_SCORES = """
    import torch
    from torch import optim
    from tagging.models import Tagger

    def main(loader):
        model = Tagger(vocab=10, tags=3)
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        for words, tags, lengths in loader:
            scores, tags_sorted, lengths_sorted = model(words, tags, lengths)
            print(scores.numpy())
            out = model(words, tags, lengths)
            print(out.numpy())
            optimizer.zero_grad()
            (scores.sum() + out.sum()).backward()
            optimizer.step()
    """

# What such a tagger is, to run both under torch.
TAGGER_CLASS = """
    import torch
    from torch import nn

    class Tagger(nn.Module):
        def __init__(self, vocab, tags):
            super().__init__()
            self.emb = nn.Embedding(vocab, 4)
            self.out = nn.Linear(4, tags)

        def forward(self, words, tags, lengths):
            lengths, order = lengths.sort(descending=True)
            return self.out(self.emb(words[order])), tags[order], lengths

    loader = [(torch.randint(0, 10, (2, 5)), torch.randint(0, 3, (2, 5)), torch.tensor([3, 5]))]
    """


def test_ptl402_passed_through_items_of_an_unseen_forward() -> None:
    assert lines(TAGGER_TRAINING, "PTL402") == []


def test_ptl402_output_of_an_unseen_forward_is_still_reported() -> None:
    assert lines(TAGGER_SCORES, "PTL402") == [11, 13]


def test_tags_passed_through_convert_and_scores_raise() -> None:
    def program(source: str) -> str:
        body = textwrap.dedent(source).replace("from tagging.models import Tagger\n", "")
        return textwrap.dedent(TAGGER_CLASS) + body + "\nmain(loader)\n"

    run(program(TAGGER_TRAINING))
    with pytest.raises(RuntimeError, match="requires grad"):
        run(program(TAGGER_SCORES))
