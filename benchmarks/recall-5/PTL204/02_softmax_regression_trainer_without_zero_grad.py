# Source: https://github.com/Miraclelucy/dive_into_deep_learning/issues/6
# Pattern: a d2l-style softmax-regression notebook: `l.backward(); trainer.step()` per minibatch with no
#   `trainer.zero_grad()`; the reporter's own version of it "gets worse the longer it trains"
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last batch's gradient there)
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)
lr = 0.1
net = nn.Sequential(nn.Flatten(), nn.Linear(20, 10))
loss = nn.CrossEntropyLoss()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train_iter = [(torch.randn(32, 4, 5), torch.randint(0, 10, (32,))) for _ in range(6)]

for epoch in range(2):
    for X, y in train_iter:
        l = loss(net(X), y)  # noqa: E741
        l.backward()
        trainer.step()  # bug: PTL204

# check: the last step must have used the last minibatch's gradient only
before = {n: (p + lr * p.grad).detach().requires_grad_() for n, p in net.named_parameters()}
own = torch.autograd.grad(loss(functional_call(net, before, (X,)), y), list(before.values()))
for (name, p), g in zip(net.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
