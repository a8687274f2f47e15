# Source: https://github.com/WuJie1010/Facial-Expression-Recognition.Pytorch/issues/87
# Fix (the maintainer's): drop Variable and evaluate under torch.no_grad().
# warnings-as-errors
import torch
from torch import nn

net = nn.Sequential(nn.Flatten(), nn.Linear(48 * 48, 7))
criterion = nn.CrossEntropyLoss()
testloader = [(torch.rand(4, 1, 48, 48), torch.randint(0, 7, (4,))) for _ in range(2)]


def evaluate(epoch):
    net.eval()
    correct = 0
    with torch.no_grad():
        for _batch_idx, (inputs, targets) in enumerate(testloader):
            outputs = net(inputs)
            loss = criterion(outputs, targets)
            correct += (outputs.argmax(1) == targets).sum().item()
    return correct, loss.item()


evaluate(0)
