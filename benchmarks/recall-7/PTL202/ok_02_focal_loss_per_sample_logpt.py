# Source: https://github.com/andrijdavid/FocalLoss/issues/1
# Pattern: fix: the per-sample focal terms are averaged over the batch before `backward()`
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0, alpha=None, reduction="none"):
        super().__init__()
        self.gamma, self.alpha, self.reduction = gamma, alpha, reduction

    def forward(self, input, target):
        logpt = -F.cross_entropy(input, target, weight=self.alpha, reduction=self.reduction)
        pt = torch.exp(logpt)
        return (-((1 - pt) ** self.gamma) * logpt).mean()


class Classifier(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, num_classes))

    def forward(self, x):
        return self.net(x)


model = Classifier()
criterion = FocalLoss(gamma=2.0)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loader = [(torch.randn(16, 10), torch.randint(0, 4, (16,))) for _ in range(3)]

for epoch in range(2):
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
