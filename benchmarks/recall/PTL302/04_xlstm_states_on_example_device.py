# Source: https://github.com/styalai/xLSTM-pytorch/issues/2
# Pattern: an sLSTM block creates its recurrent states as plain attributes on the device of an example
# input (the CPU here); moving the block to the GPU does not move them.
# error: Expected all tensors to be on the same device
# symptom: the block's forward on cuda input
# device: fake-cuda
import torch
from torch import nn


class SLSTMBlock(nn.Module):
    def __init__(self, x_example, depth=4):
        super().__init__()
        self.input_size = x_example.shape[2]
        self.hidden = nn.Linear(self.input_size, 4 * self.input_size)
        self.nt_1 = torch.zeros(1, 1, x_example.shape[2], device=x_example.device)  # bug: PTL302
        self.ct_1 = torch.zeros(1, 1, x_example.shape[2], device=x_example.device)  # bug: PTL302

    def forward(self, x):
        i, f, z, o = self.hidden(x).chunk(4, dim=-1)
        ct = torch.sigmoid(f) * self.ct_1 + torch.sigmoid(i) * torch.tanh(z)
        nt = torch.sigmoid(f) * self.nt_1 + torch.sigmoid(i)
        return torch.sigmoid(o) * ct / nt


x_example = torch.zeros(1, 5, 8)
block = SLSTMBlock(x_example).to("cuda")
out = block(torch.randn(2, 5, 8, device="cuda"))
