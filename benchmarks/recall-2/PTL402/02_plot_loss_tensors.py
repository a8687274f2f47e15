# Source: https://github.com/DeepReinforcementLearning/DeepReinforcementLearningInAction/issues/42
# Pattern: the book's appendix trains a two-layer network by hand, appends each `loss` tensor to
# `losses`, and plots the list after training; matplotlib converts the list with numpy. (matplotlib
# is not installed here: `plot` below stands in for `plt.plot` and converts its argument the same way.)
# error: Can't call numpy() on Tensor that requires grad
# symptom: np.asarray inside the plot stand-in
# Also a second defect, not this program's subject: the loop never resets w1.grad and w2.grad, so
# each update uses the sum of all earlier gradients (PTL204, marked `also`, not scored).
import numpy as np
import torch


def plot(ys):
    """Stand-in for matplotlib's plt.plot: it turns its data into an array first."""
    return np.asarray(ys, dtype=float)  # also: PTL402


def nn(x, w1, w2):
    l1 = x @ w1
    l1 = torch.relu(l1)
    l2 = l1 @ w2
    return l2


w1 = torch.randn(784, 200, requires_grad=True)
w2 = torch.randn(200, 10, requires_grad=True)
train_data = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8)
train_labels = torch.randint(0, 10, (64,))

lr = 0.0001
epochs = 5
batch_size = 16
losses = []
lossfn = torch.nn.CrossEntropyLoss()
for _i in range(epochs):
    rid = np.random.randint(0, train_data.shape[0], size=batch_size)
    x = train_data[rid].float().flatten(start_dim=1)
    x /= x.max()
    pred = nn(x, w1, w2)
    target = train_labels[rid]
    loss = lossfn(pred, target)
    losses.append(loss)
    loss.backward()
    with torch.no_grad():
        w1 -= lr * w1.grad  # also: PTL204
        w2 -= lr * w2.grad  # also: PTL204

plot(losses)  # bug: PTL402
