"""PTL401, PTL402 and PTL403 on audit-8's false alarms G1, G4 and G6 (issue 11), each with a
program of our own, run under torch (and fake-cuda) here beside its true neighbour.

G1: `probs = probs.numpy()` leaves the tensor without a name: a write through the array is the
array's own business, no reader of the tensor sees it. G4: a `Categorical` a forward returns in a
tuple stays a distribution, its `sample()` has no grad; torch.Tensor has no `sample()`, so a value
taken for a tensor (a forward out of view) that is sampled is a distribution too. G6: a
device-moved module given a sample of a distribution built from Python floats (a CPU tensor)
raises at the call, so its output is never a CUDA tensor. Recall: a DataLoader's `collate_fn`
receives the dataset's items; `None or default` is the default.
"""

from __future__ import annotations

import contextlib
import io
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection
from pt_lsp.runtime.fake_cuda import MISMATCH, NUMPY_ERROR, fake_cuda


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<audit8>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


def run(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "audit8"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(textwrap.dedent(source), "<audit8>", "exec"), namespace)
    return namespace


def raises(source: str, *, cuda: bool = False) -> str:
    """The error the program raises (with CUDA available under fake-cuda when ``cuda``)."""
    with fake_cuda() if cuda else contextlib.nullcontext(), pytest.raises((RuntimeError, TypeError)) as raised:
        run(source)
    return str(raised.value)


# -- G1: the name rebound to the array ------------------------------------------------------------
REBOUND = """\
    import numpy as np
    import torch

    logits = torch.tensor([0.1, 2.0, 0.3, 1.5])
    probs = torch.softmax(logits, dim=-1)
    probs = probs.numpy()
    probs[probs < 0.2] = 0
    probs = probs / np.sum(probs)
    choice = np.random.choice(a=len(probs), p=probs)
"""

SNAPSHOT = """\
    import numpy as np
    import torch

    logits = torch.tensor([0.1, 2.0, 0.3, 1.5])
    probs = torch.softmax(logits, dim=-1)
    before = probs.numpy()
    total = float(before.sum())
    probs[probs < 0.2] = 0
    changed = float(np.sum(before)) != total
"""


def test_g1_a_write_through_the_array_rebound_to_the_tensor_s_name_is_silent():
    assert lines(REBOUND, "PTL403") == []
    assert run(REBOUND)["choice"] in range(4)  # the program runs; no tensor is read after the write


def test_g1_a_snapshot_read_after_its_tensor_changed_is_still_reported():
    assert lines(SNAPSHOT, "PTL403") == [6]
    assert run(SNAPSHOT)["changed"] is True  # the "before" array saw the write


# -- G4: a Distribution returned in a module's tuple ------------------------------------------------
ACTOR_CRITIC = """\
    import torch
    import torch.nn as nn
    from torch.distributions import Categorical, Normal


    class ActorCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.critic = nn.Linear(4, 1)
            self.actor = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))

        def forward(self, x):
            value = self.critic(x)
            dist = {dist}
            return dist, value


    def evaluate(model):
        dist, value = model(torch.randn(1, 4))
        return {converted}.cpu().numpy()[0]


    def train():
        model = ActorCritic()
        optimizer = torch.optim.Adam(model.parameters())
        for step in range(2):
            dist, value = model(torch.randn(1, 4))
            loss = -dist.log_prob(dist.sample()).mean() + value.pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            out = evaluate(model)


    train()
"""
CATEGORICAL = "Categorical(self.actor(x))"
NORMAL = "Normal(self.actor(x), 1.0)"


def test_g4_a_sample_of_the_distribution_a_module_returns_in_a_tuple_is_silent():
    source = ACTOR_CRITIC.format(dist=CATEGORICAL, converted="dist.sample()")
    assert lines(source, "PTL402") == []
    run(source)  # sample() has no grad: `.numpy()` works


@pytest.mark.parametrize(("dist", "converted"), [(NORMAL, "dist.rsample()"), (CATEGORICAL, "value")])
def test_g4_an_item_of_the_tuple_that_requires_grad_is_still_reported(dist, converted):
    source = ACTOR_CRITIC.format(dist=dist, converted=converted)
    assert lines(source, "PTL402") == [20]
    assert "requires grad" in raises(source)


UNSEEN_POLICY = """\
    import torch


    def act(policy, state):
        return policy(state).{method}().numpy()


    def train(policy):
        optimizer = torch.optim.Adam(policy.parameters())
        return act(policy, torch.randn(1, 4))
"""


def test_g4_sample_of_the_output_of_a_module_out_of_view_is_silent():
    # torch.Tensor has no sample(): what a module of unseen class returned and is sampled is a distribution
    assert lines(UNSEEN_POLICY.format(method="sample"), "PTL402") == []
    assert lines(UNSEEN_POLICY.format(method="exp"), "PTL402") == [5]


# -- G6: a module on a run-time device given a CPU sample -----------------------------------------
FLOW = """\
    import torch
    import torch.distributions as D
    import torch.nn as nn


    class Toy(D.Distribution):
        def __init__(self):
            super().__init__(validate_args=False)
            self.p = D.Normal(0.0, 4.0)

        def rsample(self, sample_shape=torch.Size()):
            return torch.stack((self.p.sample(sample_shape), self.p.sample(sample_shape)), dim=-1)


    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            return self.lin(x), x.sum(1)


    def plot_sample(data):
        return data[:, 0].data.numpy()


    def plot(model, target):
        u, _ = model({drawn})
        return plot_sample(u)


    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    out = plot(Flow().to(device), Toy())
"""


@pytest.mark.parametrize(
    "drawn",
    [
        "target.sample((100,))",  # Distribution.sample(): the class's rsample() under no_grad
        "D.Normal(0.0, 4.0).sample((100, 2))",  # built from Python floats: CPU samples
        "D.Independent(D.Normal(torch.zeros(2), torch.ones(2)), 1).sample((100,))",
    ],
)
def test_g6_a_device_moved_module_given_a_cpu_sample_is_silent(drawn):
    source = FLOW.format(drawn=drawn)
    assert lines(source, "PTL401") == []
    assert run(source)["out"].shape == (100,)
    assert MISMATCH.rstrip("!") in raises(source, cuda=True)  # at the model call, before `.numpy()`


@pytest.mark.parametrize(
    "drawn",
    [
        "target.sample((100,)).to(device)",
        "D.Normal(torch.zeros(2, device=device), 4.0).sample((100,))",
        "D.Normal(torch.zeros(2).to(device), torch.ones(2).to(device)).rsample((100,)).detach()",
    ],
)
def test_g6_a_sample_on_the_module_s_device_is_still_reported(drawn):
    source = FLOW.format(drawn=drawn)
    assert lines(source, "PTL401") == [25]
    assert NUMPY_ERROR in raises(source, cuda=True)


def test_g6_an_input_of_unknown_device_from_a_data_loader_keeps_the_module_s_device():
    source = """\
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        model = torch.nn.Linear(2, 1).to(device)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(4, 2)), batch_size=2)

        def predict(batch):
            return model(batch).detach().numpy()

        for (x,) in loader:
            predict(x.to(device))
    """
    assert lines(source, "PTL401") == [8]
    assert NUMPY_ERROR in raises(source, cuda=True)


def test_g6_samples_follow_the_device_of_the_distribution_s_parameters():
    source = """\
        import torch
        from torch.distributions import Categorical, Normal

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        logits = torch.zeros(3, 4).to(device)
        actions = Categorical(logits=logits).sample().numpy()
        noise = Normal(0.0, 1.0).sample((3,)).numpy()
    """
    assert lines(source, "PTL401") == [6]
    assert NUMPY_ERROR in raises(source, cuda=True)
    assert run(source)["noise"].shape == (3,)


# -- recall: a DataLoader's collate_fn receives a list of the dataset's items ----------------------
COLLATED = """\
    import os
    import tempfile

    import numpy as np
    import torch


    class Embeddings(torch.utils.data.Dataset):
        def __init__(self, path):
            self.rows = np.load(path{mode})

        def __len__(self):
            return len(self.rows)

        def __getitem__(self, idx):
            return self.rows[idx], idx % 2


    def collate(batch):
        rows = torch.stack([torch.as_tensor(row) for row, _ in batch])
        return rows, torch.tensor([label for _, label in batch])


    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rows.npy")
        np.save(path, np.random.rand(6, 3).astype(np.float32))
        loader = torch.utils.data.DataLoader(Embeddings(path), batch_size=2, collate_fn=collate)
        for rows, labels in loader:
            pass
        # what collate() is handed (torch warns once per process that such an array is not writable)
        writable = Embeddings(path)[0][0].flags.writeable
"""


def test_a_collate_fn_given_rows_of_a_read_only_memory_map_is_reported():
    source = COLLATED.format(mode=', mmap_mode="r"')
    assert lines(source, "PTL404") == [20]
    assert run(source)["writable"] is False  # torch.as_tensor shares it: torch warns it is not writable


def test_a_collate_fn_given_rows_of_a_loaded_array_is_silent():
    source = COLLATED.format(mode="")
    assert lines(source, "PTL404") == []
    assert run(source)["writable"] is True


# -- recall: `x or default` where x is None ------------------------------------------------------
FIT = """\
    import numpy as np
    import torch
    from torch import nn


    def fit(model, batches, loss_fn=None):
        loss_fn = loss_fn or nn.MSELoss()
        total = 0
        for x, y in batches:
            loss = loss_fn(model(x), y)
            total += loss
            loss.backward()
        return total / len(batches)


    model = nn.Linear(3, 1)
    batches = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(2)]
    history = [fit(model, batches){item} for epoch in range(2)]
    curve = np.asarray(history)
"""


def test_none_or_a_default_is_the_default():
    source = FIT.format(item="")
    assert lines(source, "PTL402") == [19]
    assert "requires grad" in raises(source)


def test_none_or_a_default_converted_as_a_number_is_silent():
    source = FIT.format(item=".item()")
    assert lines(source, "PTL402") == []
    assert run(source)["curve"].shape == (2,)
