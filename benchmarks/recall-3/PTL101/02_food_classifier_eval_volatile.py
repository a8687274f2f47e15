# Source: https://github.com/pytorch/pytorch/issues/5210
# Pattern: a food-image classifier's evaluation loop wraps each batch in
# `torch.autograd.Variable(..., volatile=True)` (on the GPU when `use_cuda`), as a maintainer advised
# to stop it building graphs; on torch 0.4 and later the flag does nothing and torch warns.
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn

use_cuda = torch.cuda.is_available()


class FoodNet(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
        self.classifier = nn.Linear(8 * 16, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def evaluate(model, loader, loss_fn):
    model.eval()
    total, correct, loss_sum = 0, 0, 0.0
    for i in loader:
        if use_cuda:
            input_var = torch.autograd.Variable(i[0].cuda(), volatile=True)  # also: PTL101
            label_var = torch.autograd.Variable(i[1].cuda(), volatile=True)  # also: PTL101
        else:
            input_var = torch.autograd.Variable(i[0], volatile=True)  # bug: PTL101
            label_var = torch.autograd.Variable(i[1], volatile=True)  # also: PTL101
        output = model(input_var)
        loss_sum += loss_fn(output, label_var).item()
        correct += (output.argmax(1) == label_var).sum().item()
        total += label_var.size(0)
    return loss_sum / len(loader), correct / total


model = FoodNet()
if use_cuda:
    model = model.cuda()
loader = [(torch.rand(4, 3, 16, 16), torch.randint(0, 5, (4,))) for _ in range(2)]
print(evaluate(model, loader, nn.CrossEntropyLoss()))
