# Source: https://github.com/pytorch/pytorch/issues/94828
# Pattern: the fix from the thread: keep the `nn.Parameter` and let `Model().cuda()` move it
# device: fake-cuda
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.t = torch.nn.Parameter(torch.rand(10), requires_grad=True)
        self.linear = torch.nn.Linear(10, 20)

    def forward(self, x):
        x = self.t + x
        return self.linear(x)


m = Model().cuda()
initial_offset = m.t.detach().clone()
optimizer = torch.optim.SGD(m.parameters(), lr=0.1)
for step in range(3):
    x = torch.randn(4, 10, device="cuda")
    optimizer.zero_grad()
    m(x).pow(2).mean().backward()
    optimizer.step()

if torch.equal(m.t.detach(), initial_offset):
    raise RuntimeError("the offset was never trained")
