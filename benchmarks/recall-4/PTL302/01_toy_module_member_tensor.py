# Source: https://coderoad.ru/60908827/Почему-PyTorch-nn-Module-cuda-не-перемещает-тензор-модуля-а-только-параметры-и
# Pattern: (a translated Q&A thread) a module keeps a plain member tensor,
# `self.expected_moved_cuda_tensor = torch.tensor(...)`, next to its linear layer; after
# `toy_module.cuda()` the layer's parameters are on the GPU but the member tensor is still on the
# CPU, and the forward that uses both fails. The answer: register it as a buffer or parameter.
# error: Expected all tensors to be on the same device
# symptom: the scaling in forward
# device: fake-cuda
import torch


class ToyModule(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 3)
        self.expected_moved_cuda_tensor = torch.tensor([0.0, 2.0, 3.0])  # bug: PTL302

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.layer(input) * self.expected_moved_cuda_tensor


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
toy_module = ToyModule()
toy_module.cuda()
print(next(toy_module.layer.parameters()).device, toy_module.expected_moved_cuda_tensor.device)
print(toy_module(torch.randn(4, 2, device=device)).shape)
