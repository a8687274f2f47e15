# Source: https://github.com/udacity/deep-learning-v2-pytorch/issues/121
# Pattern: the CIFAR-10 notebook sets `train_on_gpu = torch.cuda.is_available()`, moves a test batch
# to the GPU for the prediction, and then plots the batch with its `imshow(img)` helper, which
# un-normalises the image and calls `np.transpose` on it (matplotlib is not installed: the plot
# call is left out, the helper's conversion is kept).
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

train_on_gpu = torch.cuda.is_available()
classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(16 * 16 * 16, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        return self.fc1(x.view(-1, 16 * 16 * 16))


def imshow(img):
    img = img / 2 + 0.5  # unnormalize
    return np.transpose(img, (1, 2, 0))  # bug: PTL401


model = Net()
if train_on_gpu:
    model.cuda()

test_loader = [(torch.rand(20, 3, 32, 32) * 2 - 1, torch.randint(0, 10, (20,)))]
dataiter = iter(test_loader)
images, labels = next(dataiter)
if train_on_gpu:
    images = images.cuda()
output = model(images)
_, preds_tensor = torch.max(output, 1)
preds = np.squeeze(preds_tensor.numpy()) if not train_on_gpu else np.squeeze(preds_tensor.cpu().numpy())

for idx in np.arange(20):
    shown = imshow(images[idx])
    print(shown.shape, classes[preds[idx]], classes[labels[idx]])
