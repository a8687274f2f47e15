# Research code with `import torch as T` and `from torch import nn, optim`; a helper moves
# batches to the GPU and a diagnostics function converts them for NumPy without .cpu().
import numpy as np
import torch as T
from torch import nn, optim

DEV = T.device("cuda" if T.cuda.is_available() else "cpu")


def to_dev(*tensors):
    return [t.to(DEV) for t in tensors]


class Critic(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.l1 = nn.Linear(d, 64)
        self.l2 = nn.Linear(64, 1)

    def forward(self, x):
        return self.l2(T.relu(self.l1(x)))


def diagnostics(values):
    v = values.detach()
    return {"mean": float(np.mean(v.numpy())), "max": float(v.max())}  # expect: PTL401


critic = Critic(6).to(DEV)
opt = optim.Adam(critic.parameters(), lr=3e-4)
for step in range(100):
    obs = T.randn(32, 6, device=DEV)
    ret = T.randn(32, 1, device=DEV)
    values = critic(obs)
    loss = (values - ret).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(diagnostics(values))
        print(T.autograd.Variable(obs).shape)  # expect: PTL101
