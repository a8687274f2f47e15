# Source: https://github.com/shenweichen/DeepCTR-Torch/issues/87
# Pattern: fix (the maintainers'): the tensor is moved to the device before it is wrapped in `nn.Parameter`
# device: fake-cuda
import io

import torch
import torch.nn as nn

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"


class Linear(nn.Module):
    def __init__(self, sparse_vocab_sizes, num_dense, init_std=0.0001, device="cpu"):
        super().__init__()
        self.embedding_dict = nn.ModuleDict({name: nn.Embedding(size, 1) for name, size in sparse_vocab_sizes.items()})
        if num_dense > 0:
            self.weight = nn.Parameter(torch.Tensor(num_dense, 1).to(device))
            torch.nn.init.normal_(self.weight, mean=0, std=init_std)
        self.to(device)

    def forward(self, sparse, dense):
        sparse_logit = sum(emb(sparse[name]) for name, emb in self.embedding_dict.items())
        return sparse_logit + dense.matmul(self.weight)


class LogisticCTR(nn.Module):
    def __init__(self, device="cpu"):
        super().__init__()
        self.linear_model = Linear({"user": 20, "item": 30}, num_dense=3, device=device)
        self.out = nn.Sigmoid()

    def forward(self, sparse, dense):
        return self.out(self.linear_model(sparse, dense))


model = LogisticCTR(device=device)
optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1)
for step in range(5):
    sparse = {"user": torch.randint(0, 20, (32,), device=device), "item": torch.randint(0, 30, (32,), device=device)}
    dense, y = torch.randn(32, 3, device=device), torch.randint(0, 2, (32,), device=device).float()
    loss = nn.functional.binary_cross_entropy(model(sparse, dense).squeeze(1), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
reloaded = LogisticCTR(device=device)
reloaded.load_state_dict(torch.load(buffer))
with torch.no_grad():
    if not torch.allclose(model(sparse, dense), reloaded(sparse, dense)):
        raise RuntimeError("the dense weight is missing from the saved state_dict")
