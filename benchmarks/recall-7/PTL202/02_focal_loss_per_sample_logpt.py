# Source: https://github.com/andrijdavid/FocalLoss/issues/1
# Pattern: the focal loss computed `logpt` with a reduced cross-entropy, a scalar for the whole batch ("logpt is a
#   scale not a tensor ... If the batchsize is greater than 1, I think it is wrong"); the answer: set the reduction
#   to 'none' so it keeps one value per sample; the loss module then returns the per-sample focal terms and the
#   training loop's `loss.backward()` gets a tensor with one element per sample
# error: grad can be implicitly created only for scalar outputs
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
        return -((1 - pt) ** self.gamma) * logpt


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
        loss.backward()  # bug: PTL202
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
