# Source: https://github.com/d2l-ai/d2l-en/pull/1966
# Pattern: fix (the PR's): the validation loss is moved to the CPU before it is added to the animator
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Animator:
    def __init__(self, legend):
        self.legend, self.X, self.Y = legend, None, None

    def add(self, x, y):
        if self.X is None:
            self.X, self.Y = [[] for _ in y], [[] for _ in y]
        for i, (a, b) in enumerate(zip([x] * len(y), y)):
            if b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self.draw()

    def draw(self):
        for name, xs, ys in zip(self.legend, self.X, self.Y):
            ys = np.asarray(ys, dtype=float)
            print(name, list(zip(xs, np.round(ys, 3))))


def evaluate_loss(data_iter, net, loss):
    l_sum, n = 0.0, 0
    for features, labels in data_iter:
        features, labels = features.to(device), labels.to(device)
        outputs = net(features)
        l_sum += loss(outputs, labels).sum()
        n += labels.numel()
    return l_sum / n


def train(net, train_iter, valid_iter, num_epochs, lr):
    trainer = torch.optim.SGD((p for p in net.parameters() if p.requires_grad), lr=lr, momentum=0.9)
    loss = nn.CrossEntropyLoss(reduction="none")
    animator = Animator(legend=["train loss", "valid loss"])
    for epoch in range(num_epochs):
        metric_l, metric_n = 0.0, 0
        for features, labels in train_iter:
            features, labels = features.to(device), labels.to(device)
            trainer.zero_grad()
            batch_loss = loss(net(features), labels).sum()
            batch_loss.backward()
            trainer.step()
            metric_l, metric_n = metric_l + batch_loss.item(), metric_n + labels.shape[0]
        animator.add(epoch + 1, (metric_l / metric_n, None))
        if valid_iter is not None:
            valid_loss = evaluate_loss(valid_iter, net, loss)
            animator.add(epoch + 1, (None, valid_loss.detach().cpu()))


net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 12)).to(device)
train_iter = [(torch.randn(16, 64), torch.randint(0, 12, (16,))) for _ in range(3)]
valid_iter = [(torch.randn(16, 64), torch.randint(0, 12, (16,))) for _ in range(2)]
train(net, train_iter, valid_iter, num_epochs=2, lr=1e-2)
