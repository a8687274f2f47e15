# Source: https://github.com/kymatio/murenn/issues/42
# Pattern: fix (the issue's): the per-octave convolutions are kept in an `nn.ModuleList`
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MuReNNDirect(nn.Module):
    def __init__(self, J, Q, T, in_channels=1):
        super().__init__()
        self.J = J
        down = []
        for j in range(J):
            conv1d_j = nn.Conv1d(in_channels, Q, kernel_size=T, padding=T // 2, bias=False)
            down.append(conv1d_j)
        self.down = nn.ModuleList(down)
        self.head = nn.Linear(J * Q, 2)

    def forward(self, x):
        feats = []
        for j in range(self.J):
            y_j = self.down[j](x)
            feats.append(y_j.abs().mean(dim=-1))
            x = F.avg_pool1d(x, 2)
        return self.head(torch.cat(feats, dim=1))


model = MuReNNDirect(J=3, Q=4, T=5)
before = [conv.weight.detach().clone() for conv in model.down]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(10):
    x, y = torch.randn(8, 1, 64), torch.randint(0, 2, (8,))
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.3f}")

if all(torch.equal(w, conv.weight) for w, conv in zip(before, model.down)):
    raise RuntimeError("the octave convolutions were not trained")
