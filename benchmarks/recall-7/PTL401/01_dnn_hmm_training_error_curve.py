# Source: https://github.com/ry-takashima/python_asr/issues/1
# Pattern: the DNN-HMM training script (`04dnn_hmm/02_train_dnn.py`) accumulates each phase's loss and frame error
#   of the epoch from the GPU model's outputs and, after training, plots the curves with `plt.plot(...,
#   label=phase+' error')`; on a GPU matplotlib's `np.atleast_1d` of the recorded values raises "can't convert
#   cuda:0 device type tensor to numpy"; `plot_curve` below stands in for `plt.plot`'s conversion of its data (the
#   same `np.atleast_1d`) and writes the curve to a text file
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def plot_curve(path, xs, ys, label):
    ys = np.atleast_1d(ys)  # bug: PTL401
    with open(path, "a") as f:
        f.write(label + " " + " ".join(f"{x}:{y:.4f}" for x, y in zip(xs, ys)) + "\n")


class MyDNN(nn.Module):
    def __init__(self, dim_in, dim_hidden, dim_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim_in, dim_hidden), nn.ReLU(), nn.Linear(dim_hidden, dim_out))

    def forward(self, x):
        return self.net(x)


model = MyDNN(40, 64, 30).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loader = {
    "train": [(torch.randn(32, 40), torch.randint(0, 30, (32,))) for _ in range(3)],
    "validation": [(torch.randn(32, 40), torch.randint(0, 30, (32,))) for _ in range(2)],
}
loss_history = {"train": [], "validation": []}
error_history = {"train": [], "validation": []}
num_epoch = 3

for epoch in range(num_epoch):
    for phase in ["train", "validation"]:
        model.train() if phase == "train" else model.eval()
        total_loss, total_error, total_frames = 0, 0, 0
        for features, labels in loader[phase]:
            features, labels = features.to(device), labels.to(device)
            with torch.set_grad_enabled(phase == "train"):
                outputs = model(features)
                loss = criterion(outputs, labels)
                if phase == "train":
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            total_loss += loss.detach() * labels.size(0)
            total_error += (outputs.argmax(dim=1) != labels).sum()
            total_frames += labels.size(0)
        loss_history[phase].append(total_loss / total_frames)
        error_history[phase].append(100.0 * total_error / total_frames)
        print(f"epoch {epoch + 1} {phase}: loss {loss_history[phase][-1]:.4f} error {error_history[phase][-1]:.2f}%")

out_dir = tempfile.mkdtemp()
for phase in ["train", "validation"]:
    plot_curve(os.path.join(out_dir, "loss.txt"), range(1, num_epoch + 1), loss_history[phase], label=phase + " loss")
    plot_curve(
        os.path.join(out_dir, "error.txt"), range(1, num_epoch + 1), error_history[phase], label=phase + " error"
    )
