# Source: https://github.com/AlexHex7/Non-local_pytorch/issues/9
# Pattern: the MNIST demo of a non-local block evaluates each test batch wrapped in
# `Variable(img_batch, volatile=True)` after every training epoch; on torch 0.4 and later the flag
# has no effect, the test pass keeps its graphs, and the reporter ran out of GPU memory.
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class NONLocalBlock2D(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        inter = max(in_channels // 2, 1)
        self.g = nn.Conv2d(in_channels, inter, 1)
        self.theta = nn.Conv2d(in_channels, inter, 1)
        self.phi = nn.Conv2d(in_channels, inter, 1)
        self.W = nn.Conv2d(inter, in_channels, 1)

    def forward(self, x):
        b, _, h, w = x.shape
        g_x = self.g(x).flatten(2).transpose(1, 2)
        f = self.theta(x).flatten(2).transpose(1, 2) @ self.phi(x).flatten(2)
        y = (f.softmax(dim=-1) @ g_x).transpose(1, 2).reshape(b, -1, h, w)
        return x + self.W(y)


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.non_local = NONLocalBlock2D(8)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        return self.fc(self.non_local(self.conv(x)).flatten(1))


net = Network()
opt = torch.optim.Adam(net.parameters())
loss_func = nn.CrossEntropyLoss()
train_loader = [(torch.rand(4, 1, 14, 14), torch.randint(0, 10, (4,))) for _ in range(2)]
test_loader = [(torch.rand(4, 1, 14, 14), torch.randint(0, 10, (4,))) for _ in range(2)]
for epoch_index in range(2):
    for img_batch, label_batch in train_loader:
        loss = loss_func(net(img_batch), label_batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    total_acc = 0
    for img_batch, label_batch in test_loader:
        img_batch = Variable(img_batch, volatile=True)  # bug: PTL101
        predict = net(img_batch).argmax(1)
        total_acc += (predict == label_batch).float().mean().item()
    print(epoch_index, total_acc / len(test_loader))
