"""Instances of plain classes of the file (a predictor, an agent, a trainer): ``__init__`` runs
with the call's arguments and the methods see what it assigned to ``self``. Each program is ours;
the bad ones fail under torch (on CUDA, or on pt-lsp's fake-cuda proxy), the good ones run."""

from __future__ import annotations

import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection


def lines(source: str, code: str) -> list[int]:
    result = lint_source(textwrap.dedent(source), "<plain>", selection=Selection.of([code]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == code]


PREDICTOR = """\
import torch
from torch import nn

class Predictor:
    def __init__(self, model, device):
        self.model = model.to(device).eval()
        self.device = device

    def __call__(self, images):
        with torch.no_grad():
            return self.model(images.to(self.device))

predictor = Predictor(nn.Linear(4, 2), {device!r})
scores = predictor(torch.rand(3, 4))
table = scores.numpy()
"""


def test_a_predictor_that_moved_its_model_to_cuda_returns_cuda_tensors():
    assert lines(PREDICTOR.format(device="cuda"), "PTL401") == [15]


def test_the_same_predictor_on_the_cpu_is_silent():
    assert lines(PREDICTOR.format(device="cpu"), "PTL401") == []


def test_a_method_of_an_agent_returns_the_model_output_that_requires_grad():
    source = """\
    import torch
    from torch import nn

    class Agent:
        def __init__(self, n_actions):
            self.policy = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, n_actions))

        def act(self, state):
            return self.policy(torch.as_tensor(state, dtype=torch.float32))

    agent = Agent(2)
    probs = agent.act([0.1, 0.2, 0.3, 0.4])
    best = probs.numpy().argmax()
    """
    assert lines(source, "PTL402") == [13]


def test_methods_of_a_plain_trainer_see_the_model_its_init_was_given():
    source = """\
    import torch
    from torch import nn

    class Trainer:
        def __init__(self, model):
            self.model = model.cuda()

        def embed(self, x):
            return self.model(x.cuda()).detach()

    trainer = Trainer(nn.Linear(3, 2))
    points = trainer.embed(torch.rand(5, 3)).numpy()
    """
    assert lines(source, "PTL401") == [12]


@pytest.mark.parametrize(
    "body",
    [
        "return self.model(x.cuda()).detach().cpu()",  # brought back
        "return [0.0, 1.0]",  # not a tensor at all
    ],
)
def test_what_a_method_brings_back_to_the_cpu_stays_silent(body):
    source = f"""\
    import torch
    from torch import nn

    class Trainer:
        def __init__(self, model):
            self.model = model.cuda()

        def embed(self, x):
            {body}

    trainer = Trainer(nn.Linear(3, 2))
    points = torch.as_tensor(trainer.embed(torch.rand(5, 3))).numpy()
    """
    assert lines(source, "PTL401") == []


def test_a_parameter_left_out_takes_its_default_device():
    # FaceSimilarity() runs on "cuda" by default: the helper gets CUDA images (fails on CUDA).
    source = """\
    import numpy as np
    import torch

    def to_array(image):
        return image.squeeze().numpy()

    class FaceSimilarity:
        def __init__(self, device="cuda"):
            self.device = torch.device(device)

        def compare(self, a, b):
            return float(np.abs(to_array(a.to(self.device)) - to_array(b.to(self.device))).mean())

    print(FaceSimilarity().compare(torch.rand(1, 4, 4), torch.rand(1, 4, 4)))
    """
    assert lines(source, "PTL401") == [5]
    assert lines(source.replace('device="cuda"', 'device="cpu"'), "PTL401") == []
