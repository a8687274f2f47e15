# Source: https://github.com/MorvanZhou/PyTorch-Tutorial/pull/4
# Pattern: the GPU tutorial moves the test images and labels to the GPU with `.cuda()`, trains a CNN,
# and prints the first predictions next to `test_y[:10].numpy()`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import torch
from torch import nn


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 4, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.out = nn.Linear(4 * 4 * 4, 10)

    def forward(self, x):
        x = self.conv1(x)
        return self.out(x.view(x.size(0), -1))


test_x = torch.rand(20, 1, 8, 8).cuda()
test_y = torch.randint(0, 10, (20,)).cuda()
cnn = CNN()
cnn.cuda()
optimizer = torch.optim.Adam(cnn.parameters(), lr=1e-3)
loss_func = nn.CrossEntropyLoss()
for _step in range(3):
    b_x, b_y = torch.rand(8, 1, 8, 8).cuda(), torch.randint(0, 10, (8,)).cuda()
    loss = loss_func(cnn(b_x), b_y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

test_output = cnn(test_x[:10])
pred_y = torch.max(test_output, 1)[1].cuda().data.squeeze()
print(pred_y, "prediction number")
print(test_y[:10].numpy(), "real number")  # bug: PTL401
