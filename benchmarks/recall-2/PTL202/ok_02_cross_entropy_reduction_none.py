# Source: https://blog.csdn.net/cyj972628089/article/details/122732509
# Pattern: the post's first fix: keep the per-sample losses, backward their sum.
import torch
from torch import nn

net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))
loss = nn.CrossEntropyLoss(reduction="none")
trainer = torch.optim.SGD(net.parameters(), lr=0.1)
train_iter = [(torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))) for _ in range(3)]

for _epoch in range(2):
    for X, y in train_iter:
        y_hat = net(X)
        ls = loss(y_hat, y)
        trainer.zero_grad()
        ls.sum().backward()
        trainer.step()
