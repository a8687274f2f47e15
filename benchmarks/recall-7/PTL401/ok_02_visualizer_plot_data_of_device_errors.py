# Source: https://github.com/lijx10/SO-Net/issues/41
# Pattern: fix: the model reports its current errors as Python floats
# device: fake-cuda
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Visualizer:
    def __init__(self):
        self.plot_data = None

    def plot_current_errors(self, epoch, counter_ratio, opt, errors):
        if self.plot_data is None:
            self.plot_data = {"X": [], "Y": [], "legend": list(errors.keys())}
        self.plot_data["X"].append(epoch + counter_ratio)
        self.plot_data["Y"].append([errors[k] for k in self.plot_data["legend"]])
        print(np.array(self.plot_data["Y"]))


class SegmenterModel:
    def __init__(self, opt):
        self.opt = opt
        self.net = nn.Sequential(nn.Conv1d(3, 32, 1), nn.ReLU(), nn.Conv1d(32, opt["classes"], 1)).to(device)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3)

    def set_input(self, points, labels):
        self.points, self.labels = points.to(device), labels.to(device)

    def optimize(self):
        self.score = self.net(self.points)
        self.loss = F.cross_entropy(self.score, self.labels)
        self.optimizer.zero_grad()
        self.loss.backward()
        self.optimizer.step()

    def get_current_errors(self):
        accuracy = (self.score.argmax(dim=1) == self.labels).float().mean()
        return OrderedDict([("train_loss", self.loss.item()), ("train_accuracy", accuracy.item())])


opt = {"classes": 4, "batch_size": 8}
model, visualizer = SegmenterModel(opt), Visualizer()
dataset = [(torch.randn(8, 3, 64), torch.randint(0, 4, (8, 64))) for _ in range(4)]
dataset_size = len(dataset) * opt["batch_size"]
for epoch in range(2):
    epoch_iter = 0
    for points, labels in dataset:
        epoch_iter += opt["batch_size"]
        model.set_input(points, labels)
        model.optimize()
        errors = model.get_current_errors()
        visualizer.plot_current_errors(epoch, float(epoch_iter) / dataset_size, opt, errors)
