# Source: https://thecodeforge.io/ml-ai/pytorch-training-loop/
# Pattern: the incident the article describes: a classifier's `train_one_epoch(model, loader,
# optimizer, loss_fn)` does forward, loss, `loss.backward()` and `optimizer.step()` for every batch,
# with no `optimizer.zero_grad()` anywhere, so each update uses the sum of all earlier gradients.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


def build_model(in_features=20, num_classes=4):
    return nn.Sequential(nn.Linear(in_features, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, num_classes))


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    running = 0.0
    for inputs, targets in loader:
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()  # bug: PTL204
        running += loss.item()
    return running / len(loader)


@torch.no_grad()
def validate(model, loader, loss_fn):
    model.eval()
    return sum(loss_fn(model(x), y).item() for x, y in loader) / len(loader)


torch.manual_seed(0)
model = build_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
loss_fn = nn.CrossEntropyLoss()
train_loader = [(torch.randn(16, 20), torch.randint(0, 4, (16,))) for _ in range(4)]
val_loader = train_loader[:1]
for epoch in range(2):
    print(epoch, train_one_epoch(model, train_loader, optimizer, loss_fn), validate(model, val_loader, loss_fn))

model.eval()
inputs, targets = train_loader[-1]
fresh = torch.autograd.grad(loss_fn(model(inputs), targets), model[3].weight)[0]
if not torch.allclose(model[3].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
