# Source: https://github.com/pytorch/pytorch/issues/6166
# Pattern: a fully convolutional segmentation net, LogSoftmax over classes and NLLLoss(reduce=False),
# which returns a per-pixel loss map; backward() is called on it.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
num_classes = 3
net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, num_classes, 1)).to(device)
logsoftmax = nn.LogSoftmax(dim=1).to(device)
criterion = nn.NLLLoss(reduce=False).to(device)

images = torch.randn(2, 1, 16, 16, device=device)
labels = torch.randint(0, num_classes, (2, 16, 16), device=device)
outputs = net(images)
outputs = logsoftmax(outputs)
loss = criterion(outputs, labels)
loss.backward()  # bug: PTL202
