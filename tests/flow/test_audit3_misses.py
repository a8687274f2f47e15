"""Misses of the third audit (benchmarks/ecosystem/audit-3.md): real bugs read in training scripts
pt-lsp was not tuned on, which no rule reports today. Each program has the shape of the real code and
fails under torch (a test here runs it); the test that wants the finding is xfail(strict=True) until
the rule reports it. The programs are ours."""

from __future__ import annotations

import re
import textwrap

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

IN_PLACE = "modified by an inplace operation"


def codes(source: str, code: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "<audit3>", selection=Selection.of([code]))
    assert result.errors == []
    return [(f.line, f.code) for f in result.findings]


# znxlwm/pytorch-generative-model-collections infoGAN.py: the generator's loss and the information
# loss share one forward through G and D; G_optimizer.step() between their two backward passes
# updates, in place, a weight of G that the shared graph saved (G's second layer sees an input that
# requires grad). audit.md's M1 (the stepped module is D) is reported; here the stepped module is G.
STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS = """
    import torch
    from torch import nn

    G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    D = nn.Linear(4, 3)
    opt_g = torch.optim.Adam(G.parameters())
    z = torch.rand(5, 3)
    out = D(G(z))
    g_loss = out[:, 0].mean()
    info_loss = out[:, 1:].pow(2).mean()
    g_loss.backward(retain_graph=True)
    opt_g.step()
    info_loss.backward()
    """

# The same inside a trainer class, as written there (three optimizers, one of them over G and D).
INFOGAN_TRAINER = """
    import itertools

    import torch
    from torch import nn


    class Trainer:
        def __init__(self):
            self.G = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
            self.D = nn.Linear(4, 3)
            self.G_optimizer = torch.optim.Adam(self.G.parameters())
            self.D_optimizer = torch.optim.Adam(self.D.parameters())
            self.info_optimizer = torch.optim.Adam(itertools.chain(self.G.parameters(), self.D.parameters()))

        def train(self):
            for it in range(2):
                z = torch.rand(5, 3)
                self.D_optimizer.zero_grad()
                d_loss = self.D(self.G(z))[:, 0].mean()
                d_loss.backward(retain_graph=True)
                self.D_optimizer.step()

                self.G_optimizer.zero_grad()
                out = self.D(self.G(z))
                g_loss = -out[:, 0].mean()
                g_loss.backward(retain_graph=True)
                self.G_optimizer.step()

                info_loss = out[:, 1:].pow(2).mean()
                info_loss.backward()
                self.info_optimizer.step()


    Trainer().train()
    """

# mrdbourke/pytorch-deep-learning 00_pytorch_fundamentals.ipynb: the device is chosen by an
# if/elif/else over CUDA, Apple's MPS and the CPU; .numpy() of a tensor moved there raises on a CUDA
# (or MPS) machine. The two-way `"cuda" if torch.cuda.is_available() else "cpu"` is reported today.
DEVICE_FROM_CUDA_MPS_CPU_CHAIN = """
    import torch

    if torch.cuda.is_available():
        device = "cuda"
    elif torch.backends.mps.is_available():
        device = "mps"
    else:
        device = "cpu"

    tensor = torch.tensor([1, 2, 3])
    tensor_on_gpu = tensor.to(device)
    array = tensor_on_gpu.numpy()
    """

MISSES = {
    "PTL201 step of a two-layer generator between two backward passes": (
        STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS,
        [14],
    ),
    "PTL201 the same in an infoGAN trainer": (INFOGAN_TRAINER, [31]),
}


def test_ptl201_step_of_the_generator_between_two_backwards() -> None:
    source, lines = MISSES["PTL201 step of a two-layer generator between two backward passes"]
    assert codes(source, "PTL201") == [(line, "PTL201") for line in lines]


def test_ptl201_infogan_trainer() -> None:
    source, lines = MISSES["PTL201 the same in an infoGAN trainer"]
    assert codes(source, "PTL201") == [(line, "PTL201") for line in lines]


@pytest.mark.parametrize("name", sorted(MISSES))
def test_miss_raises_under_torch(name: str) -> None:
    pytest.importorskip("torch")
    source, lines = MISSES[name]
    program = textwrap.dedent(source)
    assert all("backward()" in program.splitlines()[line - 1] for line in lines)
    with pytest.raises(RuntimeError, match=IN_PLACE):
        exec(compile(program, "<audit3>", "exec"), {"__name__": "audit3"})


def test_a_one_layer_generator_runs() -> None:
    # the boundary: a single Linear fed by data saves no weight of its own, so stepping it is harmless
    pytest.importorskip("torch")
    program = textwrap.dedent(STEP_OF_THE_GENERATOR_BETWEEN_TWO_BACKWARDS).replace(
        "nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))", "nn.Linear(3, 4)"
    )
    namespace: dict[str, object] = {"__name__": "audit3"}
    exec(compile(program, "<audit3>", "exec"), namespace)
    assert "info_loss" in namespace


def test_ptl401_device_from_a_cuda_mps_cpu_chain() -> None:
    assert codes(DEVICE_FROM_CUDA_MPS_CPU_CHAIN, "PTL401") == [(13, "PTL401")]


def test_ptl401_cuda_mps_cpu_chain_raises_on_cuda() -> None:
    pytest.importorskip("torch")
    from pt_lsp.runtime.fake_cuda import NUMPY_ERROR, fake_cuda

    program = compile(textwrap.dedent(DEVICE_FROM_CUDA_MPS_CPU_CHAIN), "<audit3>", "exec")
    assert "numpy()" in textwrap.dedent(DEVICE_FROM_CUDA_MPS_CPU_CHAIN).splitlines()[12]
    with fake_cuda(), pytest.raises(TypeError, match=re.escape(NUMPY_ERROR)):
        exec(program, {"__name__": "audit3"})
    namespace: dict[str, object] = {"__name__": "audit3"}
    exec(program, namespace)  # on the CPU it runs
    assert "array" in namespace


def test_ptl401_two_way_choice_is_reported() -> None:
    two_way = DEVICE_FROM_CUDA_MPS_CPU_CHAIN.replace(
        """    elif torch.backends.mps.is_available():
        device = "mps"
""",
        "",
    )
    assert two_way != DEVICE_FROM_CUDA_MPS_CPU_CHAIN
    assert codes(two_way, "PTL401") == [(11, "PTL401")]
