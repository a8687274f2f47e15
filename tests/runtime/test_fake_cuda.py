"""The fake-cuda proxy: CUDA's errors where CUDA raises them, real values everywhere else."""

import numpy as np
import pytest
import torch

from pt_lsp.runtime.fake_cuda import MISMATCH, NUMPY_ERROR, fake_cuda, is_fake_cuda


@pytest.fixture
def cuda():
    with fake_cuda() as mode:
        yield mode


def test_cuda_is_available_inside_only(cuda):
    assert torch.cuda.is_available() and torch.cuda.device_count() == 1


def test_everything_is_restored_on_exit():
    getitem = torch.Tensor.__getitem__
    with fake_cuda():
        pass
    assert torch.cuda.is_available() is False
    assert torch.Tensor.__getitem__ is getitem
    assert torch.ones(1).device.type == "cpu"


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.ones(2, device="cuda"),
        lambda: torch.ones(2).cuda(),
        lambda: torch.ones(2).to("cuda:0"),
        lambda: torch.ones(2).to(torch.device("cuda")),
        lambda: torch.ones(2).to(torch.ones(1, device="cuda")),
        lambda: torch.zeros_like(torch.ones(2, device="cuda")),
        lambda: torch.ones(2, 2).cuda()[0].permute(0),
    ],
)
def test_placed_on_cuda_reads_as_cuda(cuda, make):
    tensor = make()
    assert is_fake_cuda(tensor)
    assert tensor.device == torch.device("cuda", 0) and tensor.is_cuda and tensor.get_device() == 0
    with pytest.raises(TypeError, match="^" + NUMPY_ERROR.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        tensor.numpy()
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        np.asarray(tensor)


def test_moving_copies_and_leaves_the_cpu_tensor_on_the_cpu(cuda):
    cpu = torch.arange(3.0)
    moved = cpu.to("cuda")
    assert moved is not cpu and not is_fake_cuda(cpu)
    back = moved.cpu()
    assert not is_fake_cuda(back) and back.numpy().tolist() == [0.0, 1.0, 2.0]
    assert moved.cuda() is moved and cpu.cpu() is cpu  # already there: the tensor itself


@pytest.mark.parametrize(
    "op",
    [
        lambda c, p: c @ p,
        lambda c, p: torch.cat([c, p]),
        lambda c, p: c + p,
        lambda c, p: torch.index_select(c, 0, torch.tensor([0])),
        lambda c, p: torch.nn.functional.embedding(torch.tensor([0]), c),
        lambda c, p: torch.nn.functional.conv1d(c.view(1, 2, 2), p.view(2, 2, 1)),
    ],
)
def test_mixing_devices_raises_cudas_error(cuda, op):
    c, p = torch.ones(2, 2).cuda(), torch.ones(2, 2)
    with pytest.raises(RuntimeError, match="^" + MISMATCH.replace("!", "")):
        op(c, p)


def test_what_cuda_allows_across_devices_runs(cuda):
    c = torch.arange(4.0).cuda()
    assert (c * torch.tensor(2.0)).tolist() == [0.0, 2.0, 4.0, 6.0]  # a CPU 0-dim tensor is fine
    assert c[torch.tensor([1, 3])].tolist() == [1.0, 3.0]  # indexing with CPU indices
    c.copy_(torch.ones(4))
    assert is_fake_cuda(c) and c.tolist() == [1.0] * 4


def test_modules_move_with_their_parameters_and_train(cuda):
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).to(device)
    assert all(p.is_cuda for p in net.parameters())
    assert all(t.is_cuda for t in net.state_dict().values())
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        net(torch.ones(2, 3))
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    x = torch.randn(8, 3, device=device)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = net(x).pow(2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]  # real values: it really trains
    assert net[0].weight.grad.is_cuda
    net.cpu()
    assert not any(p.is_cuda for p in net.parameters())
    assert net(torch.ones(2, 3)).shape == (2, 1)


def test_a_parameter_made_from_a_cuda_tensor_is_on_cuda(cuda):
    assert torch.nn.Parameter(torch.ones(2, device="cuda")).is_cuda


def test_set_default_device_cuda_places_new_tensors_on_cuda(cuda):
    torch.set_default_device("cuda")
    try:
        assert torch.ones(2).is_cuda
    finally:
        torch.set_default_device("cpu")
    assert not torch.ones(2).is_cuda


def test_repr_names_the_device(cuda):
    assert repr(torch.ones(2, device="cuda")) == "tensor([1., 1.], device='cuda:0')"


@pytest.mark.skipif(torch.__version__ < "2.5", reason="CPU autocast to float16 arrived in torch 2.5")
def test_cuda_autocast_computes_in_half_precision(cuda):
    lin = torch.nn.Linear(2, 2).cuda()
    with torch.autocast("cuda", dtype=torch.float16):
        assert lin(torch.ones(1, 2, device="cuda")).dtype == torch.float16
    with torch.autocast(device_type="cuda"):
        assert lin(torch.ones(1, 2, device="cuda")).dtype == torch.float16
    with torch.cuda.amp.autocast():
        assert lin(torch.ones(1, 2, device="cuda")).dtype == torch.float16


def test_packed_sequences_keep_lengths_and_batch_sizes_on_the_host(cuda):
    # CUDA packs CUDA data with CPU lengths (it requires them on the CPU), keeps batch_sizes on the
    # CPU, and runs a packed RNN on them; the proxy used to raise a device mismatch here.
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    x = torch.randn(3, 5, 4).cuda()
    packed = pack_padded_sequence(x, torch.tensor([5, 3, 2]), batch_first=True)
    assert packed.data.is_cuda and not packed.batch_sizes.is_cuda
    for rnn in (torch.nn.GRU(4, 6, batch_first=True), torch.nn.LSTM(4, 6, batch_first=True)):
        out, _ = rnn.cuda()(packed)
        padded, lengths = pad_packed_sequence(out, batch_first=True)
        assert padded.is_cuda and padded.shape == (3, 5, 6)
        assert not lengths.is_cuda and lengths.tolist() == [5, 3, 2]


def test_packing_with_cuda_lengths_raises_cudas_error(cuda):
    from torch.nn.utils.rnn import pack_padded_sequence

    x = torch.randn(3, 5, 4).cuda()
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor"):
        pack_padded_sequence(x, torch.tensor([5, 3, 2]).cuda(), batch_first=True)


def test_an_rnn_with_a_cpu_hidden_state_still_mixes_devices(cuda):
    gru = torch.nn.GRU(4, 6, batch_first=True).cuda()
    with pytest.raises(RuntimeError, match="same device"):
        gru(torch.randn(3, 5, 4).cuda(), torch.zeros(1, 3, 6))
