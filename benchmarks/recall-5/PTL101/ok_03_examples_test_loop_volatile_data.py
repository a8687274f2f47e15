# Source: https://github.com/pytorch/examples/issues/280
# Pattern: the fix: evaluate under `torch.no_grad()` and pass the tensors as they are
# warnings-as-errors
import torch
import torch.nn as nn
import torch.nn.functional as F


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
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(1).eq(target).sum().item()
    return test_loss, correct


loader = [(torch.randn(8, 20), torch.randint(0, 10, (8,))) for _ in range(3)]
print(test(Net(), loader))
