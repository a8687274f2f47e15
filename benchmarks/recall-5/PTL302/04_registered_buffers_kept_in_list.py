# Source: https://github.com/pytorch/pytorch/issues/29807
# Pattern: "list of registered buffers does not move to cuda": each tensor is registered as a buffer and also
#   kept in a plain list that `forward` reads; `.cuda()` replaces the buffers with moved copies, the list
#   still holds the CPU tensors
# error: Expected all tensors to be on the same device
# symptom: raised in `forward`, where a CPU tensor from the list meets the CUDA input
# device: fake-cuda
import torch
import torch.nn as nn


class MyModule(nn.Module):
    def __init__(self, n=4):
        super().__init__()
        for i in range(n):
            self.register_buffer(f"param_{i}", torch.rand(1, 3))
        self.params = [getattr(self, f"param_{i}") for i in range(n)]  # bug: PTL302
        self.proj = nn.Linear(3, 3)

    def forward(self, x):
        for p in self.params:
            x = self.proj(x) + p
        return x


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
module = MyModule().to(device)
print(module(torch.randn(2, 3, device=device)).shape)
