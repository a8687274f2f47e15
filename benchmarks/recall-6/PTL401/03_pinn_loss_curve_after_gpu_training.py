# Source: https://github.com/PINA-org/PINA/issues/219
# Pattern: "loss plotting fails when using gpu training": a metric tracker callback stores each epoch's mean loss
#   as the trainer logged it (a tensor on the GPU) and the plotter passes that list to matplotlib's `plot`, which
#   converts it with NumPy. matplotlib is not installed here: `_plot_line` stands in for `plt.plot` and does what
#   it does with the y values (`np.asarray`)
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class MetricTracker:
    def __init__(self):
        self.metrics = {}

    def on_train_epoch_end(self, logged):
        for name, value in logged.items():
            self.metrics.setdefault(name, []).append(value)


class Plotter:
    @staticmethod
    def _plot_line(x, y, logy=False):
        y = np.asarray(y, dtype=float)  # bug: PTL401
        return list(zip(x, np.log10(y) if logy else y))

    def plot_loss(self, tracker, label="mean_loss", logy=False):
        loss = tracker.metrics[label]
        epochs = range(len(loss))
        return self._plot_line(epochs, loss, logy=logy)


device = "cuda" if torch.cuda.is_available() else "cpu"
pinn = nn.Sequential(nn.Linear(2, 20), nn.Tanh(), nn.Linear(20, 1)).to(device)
optimizer = torch.optim.Adam(pinn.parameters(), lr=1e-3)
tracker = MetricTracker()
for epoch in range(5):
    pts = torch.rand(64, 2, device=device, requires_grad=True)
    u = pinn(pts)
    du = torch.autograd.grad(u.sum(), pts, create_graph=True)[0]
    residual = du[:, 0] - du[:, 1] - torch.sin(pts[:, 0])
    loss = residual.pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    tracker.on_train_epoch_end({"mean_loss": loss.detach()})

print(Plotter().plot_loss(tracker, label="mean_loss", logy=True)[-1])
