# Source: https://github.com/kanezaki/pytorch-unsupervised-segmentation/pull/6
# Pattern: an unsupervised-segmentation CNN builds its middle conv and batch-norm layers in plain Python lists;
#   `parameters()` and `train()`/`eval()` never see them, so the optimizer never updates them (the PR moved
#   them into `nn.ModuleList`)
# error: the listed layers were not trained
# symptom: the check at the end (a listed conv's weights are compared before and after training)
import torch
import torch.nn as nn
import torch.nn.functional as F


class MyNet(nn.Module):
    def __init__(self, input_dim, n_channel=16, n_conv=3):
        super().__init__()
        self.conv1 = nn.Conv2d(input_dim, n_channel, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(n_channel)
        self.conv2 = []  # bug: PTL301
        self.bn2 = []  # also: PTL301
        for _ in range(n_conv - 1):
            self.conv2.append(nn.Conv2d(n_channel, n_channel, kernel_size=3, padding=1))
            self.bn2.append(nn.BatchNorm2d(n_channel))
        self.conv3 = nn.Conv2d(n_channel, n_channel, kernel_size=1)
        self.bn3 = nn.BatchNorm2d(n_channel)

    def forward(self, x):
        x = self.bn1(F.relu(self.conv1(x)))
        for conv, bn in zip(self.conv2, self.bn2):
            x = bn(F.relu(conv(x)))
        return self.bn3(self.conv3(x))


torch.manual_seed(0)
model = MyNet(3)
model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
before = model.conv2[0].weight.detach().clone()
image = torch.rand(1, 3, 16, 16)
for _ in range(5):
    output = model(image)[0].permute(1, 2, 0).reshape(-1, 16)
    target = output.argmax(1)
    loss = F.cross_entropy(output, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
if torch.equal(before, model.conv2[0].weight):
    raise RuntimeError("the listed layers were not trained")
