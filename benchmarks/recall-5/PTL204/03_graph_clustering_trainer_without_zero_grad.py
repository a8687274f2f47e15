# Source: https://github.com/yueliu1999/HSAN/issues/6
# Pattern: a graph-clustering model trained full-batch for many epochs in a trainer method: backward and
#   `self.optimizer.step()` every epoch, `self.optimizer.zero_grad()` never called ("the model is not converging")
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last epoch's gradient there)
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call


class Encoder(nn.Module):
    def __init__(self, in_dim, dim):
        super().__init__()
        self.attr1 = nn.Linear(in_dim, dim)
        self.attr2 = nn.Linear(in_dim, dim)

    def forward(self, x, adj):
        h = adj @ x
        return F.normalize(self.attr1(h), dim=1), F.normalize(self.attr2(h), dim=1)


def similarity_loss(z1, z2, target):
    return F.mse_loss(z1 @ z2.T, target)


class Trainer:
    def __init__(self, model, lr=0.05):
        self.model = model
        self.lr = lr
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def train(self, x, adj, target, epochs):
        for epoch in range(epochs):
            z1, z2 = self.model(x, adj)
            loss = similarity_loss(z1, z2, target)
            loss.backward()
            self.optimizer.step()  # bug: PTL204


torch.manual_seed(0)
n = 24
x = torch.randn(n, 10)
adj = torch.softmax(torch.randn(n, n), dim=1)
target = torch.eye(n)
trainer = Trainer(Encoder(10, 8))
trainer.train(x, adj, target, epochs=6)

# check: the last step must have used the last epoch's gradient only
model, lr = trainer.model, trainer.lr
before = {k: (p + lr * p.grad).detach().requires_grad_() for k, p in model.named_parameters()}
own = torch.autograd.grad(similarity_loss(*functional_call(model, before, (x, adj)), target), list(before.values()))
for (name, p), g in zip(model.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
