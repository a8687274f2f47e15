# Source: https://github.com/pytorch/examples/issues/280
# Pattern: an example's `test()` wraps each batch in `Variable(data, volatile=True)` to evaluate without
#   building graphs; since 0.4 `volatile` is gone and must become `with torch.no_grad():`
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable  # also: PTL101


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def test(model, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    for data, target in loader:
        data, target = Variable(data, volatile=True), Variable(target)  # bug: PTL101
        output = model(data)
        test_loss += F.nll_loss(output, target, reduction="sum").item()
        correct += output.argmax(1).eq(target).sum().item()
    return test_loss, correct


loader = [(torch.randn(8, 20), torch.randint(0, 10, (8,))) for _ in range(3)]
print(test(Net(), loader))
