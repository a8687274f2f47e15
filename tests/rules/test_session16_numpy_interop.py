"""Session 16 (H-401): PTL401/402 facts from audit-18's leftovers (G5, G8, G9, M6), each our own
program of the shape audit-18.md describes. Every reported program fails under torch 2.13 at the
marked line (on fake CUDA); every silent one runs there.

- ``x is None`` is decided per call for a parameter: left to a None default (G8: ``if f_y is
  None:`` returns NumPy arrays, the call gives no targets), or given an argument of a kind that
  is never None (M6: ``pi(state, action)`` with ``logp = None`` under ``if action is None:``).
- Where a CUDA flag is false, what may be on CUDA is on the CPU in the lists and tuples it holds
  too (G9: ``if use_cuda: batches = [b.cpu() for b in batches]`` before ``b.data.numpy()``).
- A ``forward`` too deep to follow, whose every return ends ``.cpu().data``, gives a CPU tensor
  with no graph (G5: ``np.argmax(self.forward(state))`` in a method reached through two callers).
- In a function of another project file, a device or tensor chosen by ``if
  torch.cuda.is_available():`` keeps its CUDA side where the file that imports it calls it.
- audit-19 G3: ``emb.weight.requires_grad = False`` freezes an ``nn.Embedding`` (its only
  parameter); G2: a torchvision detection model's ``labels`` are int64, never requiring grad.
"""

from __future__ import annotations

import sys
import textwrap
import types

import pytest
from program_helpers import failing_line, run_strictly
from rules_helpers import found, marked
from test_session13_numpy_interop import check, run_file, write

torch = pytest.importorskip("torch")
CONVERT = "can't convert cuda"

# -- M6 / G8: `is None` of a parameter, per call ----------------------------------------------
POLICY = """\
import torch
import torch.nn as nn
from torch.distributions import Normal


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Linear(4, 2)
        self.log_std = nn.Parameter(torch.zeros(2))

    def pi(self, state, action=None):
        dist = Normal(self.mu(state), self.log_std.exp())
        logp = None
        if action is not None:
            logp = dist.log_prob(action).sum(-1)
        return dist, logp


class Learner:
    def __init__(self, policy):
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.policy = policy.to(self.device)
        self.kept = []

    def act(self, state):
        dist, _ = self.policy.pi(state)
        return dist.sample()

    def step(self, state, action):
        _, logp = self.policy.pi(state, action)
        self.kept.append(logp.detach(){fix}.numpy())  {mark}


learner = Learner(Policy())
for _ in range(2):
    s = torch.randn(4).to(learner.device)
    learner.step(s, learner.act(s))
"""

SCORER = """\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x, y=None):
        out = self.fc(x)
        if y is None:
            return out.detach().cpu().numpy()
        return F.mse_loss(out, y)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Scorer().to(device)
x = torch.randn(5, 3, device=device)
scores = np.concatenate([model(x), model(x)])
{tail}
"""


def test_an_argument_the_call_passes_decides_is_none() -> None:
    """M6 (audit-18, R12's site): the action is passed, so `logp` is the CUDA log-prob."""
    program = POLICY.format(fix="", mark="# fails")
    line = failing_line(program, TypeError, CONVERT, cuda=True)
    assert line == marked(program)
    assert found(program, "PTL401", "PTL402") == {line: ["PTL401"]}
    fixed = POLICY.format(fix=".cpu()", mark="")
    run_strictly(fixed, cuda=True)
    assert found(fixed, "PTL401", "PTL402") == {}


def test_a_none_default_the_call_leaves_out_decides_is_none() -> None:
    """G8's fact in one file: `model(x)` takes the `y is None` branch, NumPy arrays; given the
    targets, the CUDA loss is what `np.asarray` gets."""
    silent = SCORER.format(tail="print(scores.shape)")
    run_strictly(silent, cuda=True)
    assert found(silent, "PTL401", "PTL402") == {}
    reported = SCORER.format(tail="loss = np.asarray(model(x, torch.zeros(5, 2, device=device)))  # fails")
    line = failing_line(reported, TypeError, CONVERT, cuda=True)
    assert line == marked(reported)
    assert found(reported, "PTL401", "PTL402") == {line: ["PTL401"]}


EMBEDDER_MODEL = """\
import torch.nn as nn


class BiLM(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.fwd = nn.LSTM(dim, dim, batch_first=True)
        self.bwd = nn.LSTM(dim, dim, batch_first=True)
        self.loss = nn.AdaptiveLogSoftmaxWithLoss(dim, vocab, cutoffs=[vocab // 2])

    def forward(self, f_x, b_x, f_y=None, b_y=None):
        f_h, _ = self.fwd(self.emb(f_x))
        b_h, _ = self.bwd(self.emb(b_x))
        if f_y is None:
            return {returned}
        f_loss = self.loss(f_h.reshape(-1, f_h.size(-1)), f_y.reshape(-1)).loss
        b_loss = self.loss(b_h.reshape(-1, b_h.size(-1)), b_y.reshape(-1)).loss
        return f_loss + b_loss
"""

EMBEDDER = """\
import numpy as np
import torch

from bilm import BiLM


class Embedder:
    def __init__(self):
        self.model = BiLM(40, 8)
        self.model.cuda()
        self.model.eval()

    def __call__(self, n):
        f = torch.randint(0, 40, (n, 6)).cuda()
        f_h, b_h = self.model(f, torch.flip(f, [1]))
        return np.concatenate([f_h, b_h], axis=-1)  {mark}


if __name__ == "__main__":
    print(Embedder()(2).shape)
"""


@pytest.mark.parametrize(
    ("returned", "mark"),
    [
        ("f_h.data.cpu().numpy(), b_h.data.cpu().numpy()", ""),
        ("f_h, b_h", "# fails"),
    ],
    ids=["numpy arrays (G8, silent)", "cuda tensors (reported)"],
)
def test_a_model_of_another_file_called_without_targets(tmp_path, returned: str, mark: str) -> None:
    """G8 (audit-18, hortune's ELMo embedder): the model of another module, moved with `.cuda()`,
    returns what its `if f_y is None:` branch returns."""
    write(tmp_path, {"bilm.py": EMBEDDER_MODEL.format(returned=returned)})
    main = tmp_path / "embedder.py"
    main.write_text(textwrap.dedent(EMBEDDER.format(mark=mark)))
    if mark:
        with pytest.raises(TypeError, match=CONVERT):
            run_file(main)
        assert check(main) == {marked(EMBEDDER.format(mark=mark)): ["PTL401"]}
    else:
        run_file(main)
        assert check(main) == {}


# -- G9: the false side of a CUDA flag, inside lists ----------------------------------------
FLAGGED = """\
import argparse

import numpy as np
import torch
import torch.nn as nn


def make_batches(n, use_cuda):
    batches = [torch.randn(2, 3) for _ in range(n)]
    if use_cuda:
        batches = [b.cuda() for b in batches]
    return batches


def to_images(batches, use_cuda):
{back}    arrays = [b.data.numpy() for b in batches]  {mark}
    return np.stack(arrays)


def train(args):
    model = nn.Linear(3, 3)
    if args.use_cuda:
        model.cuda()
    outputs = [model(b) for b in make_batches(2, args.use_cuda)]
    print(to_images(outputs, args.use_cuda).shape)


parser = argparse.ArgumentParser()
parser.add_argument("--use_cuda", action="store_true")
train(parser.parse_args(["--use_cuda"] if torch.cuda.is_available() else []))
"""

BACK = "    if use_cuda:\n        batches = [b.cpu() for b in batches]\n"


def test_a_list_moved_back_under_the_same_cuda_flag_is_silent() -> None:
    """G9 (audit-18, cyclegan-pytorch's train.py): runs with the flag on (fake CUDA) and off."""
    program = FLAGGED.format(back=BACK, mark="")
    run_strictly(program, cuda=True)
    run_strictly(program)
    assert found(program, "PTL401", "PTL402") == {}


def test_a_list_not_moved_back_is_reported() -> None:
    program = FLAGGED.format(back="", mark="# fails")
    line = failing_line(program, TypeError, CONVERT, cuda=True)
    assert line == marked(program)
    assert found(program, "PTL401", "PTL402") == {line: ["PTL401"]}


# -- G5: the returns of a forward too deep to follow --------------------------------------------
AGENT = """\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        x = F.softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)
        return {returned}

    def evaluate(self, episodes=2):
        total = 0
        for _ in range(episodes):
            probs = self.forward(torch.randn(4).to(device))
            total += int(np.argmax(probs))  {mark}
        return total


def search(agent, rounds=2):
    return [agent.evaluate() for _ in range(rounds)]


def main():
    agent = Agent().to(device)
    print(search(agent))


if __name__ == "__main__":
    main()
"""


def test_a_forward_returning_cpu_data_read_through_two_callers_is_silent() -> None:
    """G5 (audit-18, bheemboy/drlnd's cross-entropy agent): runs on fake CUDA."""
    program = AGENT.format(returned="x.cpu().data", mark="")
    run_strictly(program, cuda=True)
    assert found(program, "PTL401", "PTL402") == {}


@pytest.mark.parametrize(
    ("returned", "codes"), [("x", ["PTL401", "PTL402"]), ("x.detach()", ["PTL401"])], ids=["x", "x.detach()"]
)
def test_a_forward_returning_its_device_output_is_reported(returned: str, codes: list[str]) -> None:
    program = AGENT.format(returned=returned, mark="# fails")
    line = failing_line(program, TypeError, CONVERT, cuda=True)
    assert line == marked(program)
    assert found(program, "PTL401", "PTL402") == {line: codes}


# -- `if torch.cuda.is_available():` in a function of another project file ---------------------
PICKERS = {
    "returns under the test, prints too": """\
    import torch


    def pick():
        if torch.cuda.is_available():
            print("training on the GPU")
            return torch.device("cuda")
        print("training on the CPU")
        return torch.device("cpu")
""",
    "assigned on both sides, then returned": """\
    import torch


    def pick():
        if torch.cuda.is_available():
            device = torch.device("cuda:0")
        else:
            device = torch.device("cpu")
        print("device:", device)
        return device
""",
    "a tensor moved under the test": """\
    import torch


    def place(x):
        if torch.cuda.is_available():
            return x.cuda()
        return x
""",
}
PICKED = """\
    import torch
    from common import {name}


    x = {made}
    print(x{fix}.numpy())  # fails
"""


@pytest.mark.parametrize("picker", PICKERS.values(), ids=PICKERS.keys())
def test_a_device_chosen_in_a_function_of_another_file_keeps_its_cuda_side(tmp_path, picker) -> None:
    """The flow follows the other file's function: its CUDA branch is a choice made at run time,
    not a device that follows what the caller gave (functions.device_generic)."""
    write(tmp_path, {"common.py": picker})
    name, made = ("place", "place(torch.randn(3))") if "place" in picker else ("pick", "torch.randn(3).to(pick())")
    main = PICKED.replace("{name}", name).replace("{made}", made)
    bad = tmp_path / "main.py"
    bad.write_text(textwrap.dedent(main.format(fix="")))
    with pytest.raises(TypeError, match=CONVERT):
        run_file(bad)
    assert check(bad) == {marked(main.format(fix="")): ["PTL401"]}
    fixed = tmp_path / "fixed.py"
    fixed.write_text(textwrap.dedent(main.format(fix=".cpu()")))
    run_file(fixed)
    assert check(fixed) == {}


# -- audit-19 G3: a layer frozen through its one parameter --------------------------------------
FROZEN = """\
import math

import numpy as np
import torch

vectors = torch.randn(20, 8)
embeddings = torch.nn.Embedding(*vectors.shape)
embeddings.weight.data.copy_(vectors)
{freeze}


def mean_vectors(groups):
    return torch.stack([embeddings(torch.tensor(g)).mean(dim=0) for g in groups])


queries = mean_vectors([[1, 2], [3]])
keys = mean_vectors([[4], [5, 6], [7]])
scores = torch.stack([(q @ keys.T) / math.sqrt(8.0) for q in queries])
print(np.asarray(scores[0]).round(2))  {mark}
"""


def test_an_embedding_frozen_through_its_weight_gives_outputs_without_grad() -> None:
    """audit-19 G3 (a course notebook's GloVe embedding, `embeddings.weight.requires_grad = False`,
    attention scores plotted with ax.bar, which converts them with np.asarray): runs."""
    program = FROZEN.format(freeze="embeddings.weight.requires_grad = False", mark="")
    run_strictly(program)
    assert found(program, "PTL401", "PTL402") == {}


def test_an_embedding_left_trainable_is_reported() -> None:
    program = FROZEN.format(freeze="", mark="# fails")
    line = failing_line(program, RuntimeError, "requires grad")
    assert line == marked(program)
    assert found(program, "PTL401", "PTL402") == {line: ["PTL402"]}


# -- audit-19 G2: the integer labels of a detection model's outputs ------------------------------
DETECTING = """\
import torch
import torchvision


def predict(images, model, threshold):
    outputs = model(images)
    labels = outputs[0]["labels"].cpu().numpy()
    scores = outputs[0]["scores"]{detach}.cpu().numpy()  {mark}
    return [label for label, s in zip(labels, scores) if s >= threshold]


model = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None)
model.eval()
print(predict([torch.rand(5, 4)], model, 0.0))
"""


class _Detector(torch.nn.Module):
    """Stand-in for torchvision's Faster R-CNN (not installed here): per image a dict of float
    `boxes` and `scores` from the network and int64 `labels`, as torchvision documents."""

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Linear(4, 3)

    def forward(self, images):
        outputs = []
        for image in images:
            scores, labels = self.head(image).softmax(-1).max(-1)
            outputs.append({"boxes": image * scores[:, None], "labels": labels, "scores": scores})
        return outputs


@pytest.fixture
def torchvision_stand_in(monkeypatch):
    vision, models, detection = (types.ModuleType(n) for n in ("torchvision", "models", "detection"))
    detection.fasterrcnn_resnet50_fpn = lambda weights=None: _Detector()
    models.detection, vision.models = detection, models
    for name, module in (("torchvision", vision), ("torchvision.models", models)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(sys.modules, "torchvision.models.detection", detection)


@pytest.mark.usefixtures("torchvision_stand_in")
def test_the_labels_of_a_detection_model_need_no_detach() -> None:
    """audit-19 G2 (a course's grad-CAM notebook: `outputs[0]['labels'].cpu().numpy()` of a
    Faster R-CNN in eval mode, outside no_grad): int64 labels never require grad; runs."""
    program = DETECTING.format(detach=".detach()", mark="")
    run_strictly(program)
    assert found(program, "PTL401", "PTL402") == {}


@pytest.mark.usefixtures("torchvision_stand_in")
def test_the_scores_of_a_detection_model_without_detach_are_reported() -> None:
    program = DETECTING.format(detach="", mark="# fails")
    line = failing_line(program, RuntimeError, "requires grad")
    assert line == marked(program)
    assert found(program, "PTL401", "PTL402") == {line: ["PTL402"]}


# -- a helper of another file converting through a function of its own file ---------------------
METRICS = """\
import numpy as np


def roc(labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores)
    order = np.argsort(-scores)
    return float(np.mean(labels[order][: len(labels) // 2]))


def evaluate(labels, scores, metric="roc"):
    if metric == "roc":
        return roc(labels, scores)
    raise NotImplementedError(metric)
"""
DETECTOR = """\
import argparse

import torch
import torch.nn as nn

from metrics import evaluate


class Detector:
    def __init__(self, opt):
        self.device = torch.device("cuda:0" if opt.device != "cpu" else "cpu")
        self.encoder = nn.Linear(6, 3).to(self.device)

    def test(self, batches):
        with torch.no_grad():
            total = sum(len(b) for b in batches)
            self.scores = torch.zeros(size=(total,), device=self.device)
            self.labels = torch.zeros(size=(total,), dtype=torch.long, device=self.device)
            start = 0
            for batch in batches:
                error = torch.mean(torch.pow(self.encoder(batch.to(self.device)), 2), dim=1)
                self.scores[start : start + error.size(0)] = error
                self.labels[start : start + error.size(0)] = (error > 0.5).long()
                start += error.size(0)
            return evaluate(self.labels{fix}, self.scores{fix}, metric="roc")  {mark}


parser = argparse.ArgumentParser()
parser.add_argument("--device", default="gpu" if torch.cuda.is_available() else "cpu")
print(Detector(parser.parse_args([])).test([torch.randn(4, 6) for _ in range(3)]))
"""


@pytest.mark.parametrize(("fix", "mark"), [("", "# fails"), (".cpu()", "")], ids=["on the device", ".cpu()"])
def test_a_helper_converting_through_a_function_of_its_own_file(tmp_path, fix: str, mark: str) -> None:
    """samet-akcay/ganomaly#26: anomaly scores gathered into tensors made on the device and handed
    to `evaluate()` of another file, which calls `roc()` beside it (sklearn's roc_curve there,
    np.asarray here): reported at the call; moved to the CPU first, silent."""
    write(tmp_path, {"metrics.py": METRICS})
    main = tmp_path / "detector.py"
    main.write_text(textwrap.dedent(DETECTOR.format(fix=fix, mark=mark)))
    if mark:
        with pytest.raises(TypeError, match=CONVERT):
            run_file(main)
        assert check(main) == {marked(DETECTOR.format(fix=fix, mark=mark)): ["PTL401"]}
    else:
        run_file(main)
        assert check(main) == {}
