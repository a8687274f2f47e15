# Source: https://github.com/Aifred-Health/VulcanAI/issues/112
# Pattern: the library's `Metrics.get_score()` turns targets and predictions into numpy arrays to
# compute the metric; a network's `run_test()` passes it the targets it moved to the GPU with
# `.to(self.device)` when CUDA is present.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class Metrics:
    def __init__(self, num_class):
        self.num_class = num_class

    def get_score(self, targets, predictions, metrics="accuracy"):
        targets = np.array(targets)  # bug: PTL401
        predictions = np.array(predictions)
        if metrics == "accuracy":
            return float(np.mean(targets == predictions))
        raise ValueError(metrics)


class DenseNet(nn.Module):
    def __init__(self, in_dim=12, num_classes=3):
        super().__init__()
        self.device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
        self.network = nn.Sequential(nn.Linear(in_dim, 16), nn.ReLU(), nn.Linear(16, num_classes))
        self.metrics = Metrics(num_classes)
        self.to(self.device)

    def forward(self, x):
        return self.network(x)

    def run_test(self, data_loader):
        self.eval()
        targets, predictions = [], []
        with torch.no_grad():
            for data, target in data_loader:
                data, target = data.to(self.device), target.to(self.device)
                predictions.append(self(data).argmax(dim=1).cpu())
                targets.append(target)
        return self.metrics.get_score(torch.cat(targets), torch.cat(predictions).numpy())


net = DenseNet()
loader = [(torch.randn(5, 12), torch.randint(0, 3, (5,))) for _ in range(3)]
print(net.run_test(loader))
