# Source: https://github.com/fastai/fastai/pull/1442
# Pattern: "Fix can't convert CUDA tensor to numpy in dl1/lesson 2": with torch 1.0 the course library's
#   learning-rate finder records each batch's loss as the training step returns it (a tensor on the GPU), and
#   `lr_find()` fails when the recorder turns the recorded losses into a NumPy array to pick the best rate
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class LR_Finder:
    def __init__(self, optimizer, nb, start_lr=1e-5, end_lr=10.0):
        self.optimizer, self.nb = optimizer, nb
        self.lrs = np.geomspace(start_lr, end_lr, nb)
        self.losses, self.iteration = [], 0

    def on_batch_begin(self):
        for group in self.optimizer.param_groups:
            group["lr"] = self.lrs[self.iteration]

    def on_batch_end(self, loss):
        self.losses.append(loss)
        self.iteration += 1

    def best_lr(self):
        losses = np.array(self.losses)  # bug: PTL401
        return self.lrs[: len(losses)][np.argmin(losses)] / 10


class Learner:
    def __init__(self, model, device):
        self.device = device
        self.model = model.to(device)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=1e-3, momentum=0.9)
        self.crit = nn.CrossEntropyLoss()

    def step(self, x, y):
        self.opt.zero_grad()
        loss = self.crit(self.model(x.to(self.device)), y.to(self.device))
        loss.backward()
        self.opt.step()
        return loss.detach()

    def lr_find(self, batches):
        self.sched = LR_Finder(self.opt, len(batches))
        for x, y in batches:
            self.sched.on_batch_begin()
            self.sched.on_batch_end(self.step(x, y))
        return self.sched.best_lr()


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
learn = Learner(nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2)), device)
print(learn.lr_find([(torch.randn(16, 3, 8, 8), torch.randint(0, 2, (16,))) for _ in range(10)]))
