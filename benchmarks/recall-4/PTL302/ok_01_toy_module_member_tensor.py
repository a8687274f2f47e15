# Source: https://coderoad.ru/60908827/Почему-PyTorch-nn-Module-cuda-не-перемещает-тензор-модуля-а-только-параметры-и
# Pattern: the answer's fix: the tensor is registered as a buffer,
# `self.register_buffer("expected_moved_cuda_tensor", torch.tensor(...))`, and moves with `.cuda()`.
# device: fake-cuda
import torch


class ToyModule(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 3)
        self.register_buffer("expected_moved_cuda_tensor", torch.tensor([0.0, 2.0, 3.0]))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.layer(input) * self.expected_moved_cuda_tensor


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
toy_module = ToyModule()
toy_module.cuda()
print(next(toy_module.layer.parameters()).device, toy_module.expected_moved_cuda_tensor.device)
print(toy_module(torch.randn(4, 2, device=device)).shape)
