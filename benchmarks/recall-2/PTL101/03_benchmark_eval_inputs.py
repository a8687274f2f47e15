# Source: https://github.com/u39kun/deep-learning-benchmark/pull/14
# Pattern: a framework benchmark times the model's forward pass in evaluation mode; it deactivates
# autograd by building its input with `Variable(x, volatile=True)` before the timed loop.
# error: volatile was removed and now has no effect
# warnings-as-errors
import time

import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class pytorch_base:
    def __init__(self, model, precision="fp32", image_shape=(3, 16, 16), batch_size=4):
        self.model = model
        self.batch_size = batch_size
        self.image_shape = image_shape
        self.precision = precision

    def eval(self, num_iterations, num_warmups):
        self.model.eval()
        durations = []
        x = torch.rand(self.batch_size, *self.image_shape)
        x = Variable(x, volatile=True)  # bug: PTL101
        for t in range(num_iterations + num_warmups):
            t1 = time.time()
            self.model(x)
            t2 = time.time()
            if t >= num_warmups:
                durations.append(t2 - t1)
        return durations


model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
print(len(pytorch_base(model).eval(num_iterations=3, num_warmups=1)))
