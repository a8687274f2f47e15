# Source: https://github.com/WuJie1010/Facial-Expression-Recognition.Pytorch/issues/87
# Pattern: the evaluation loop wraps each batch in Variable(..., volatile=True) to skip the graph; on
# torch >= 0.4 the flag is ignored, the graph is recorded and a warning is printed.
# error: volatile was removed and now has no effect
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101

net = nn.Sequential(nn.Flatten(), nn.Linear(48 * 48, 7))
criterion = nn.CrossEntropyLoss()
testloader = [(torch.rand(4, 1, 48, 48), torch.randint(0, 7, (4,))) for _ in range(2)]


def evaluate(epoch):
    net.eval()
    correct = 0
    for _batch_idx, (inputs, targets) in enumerate(testloader):
        inputs, targets = Variable(inputs, volatile=True), Variable(targets)  # bug: PTL101
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        correct += (outputs.argmax(1) == targets).sum().item()
    return correct, loss.item()


evaluate(0)
