# Source: https://github.com/IKMLab/course_material/issues/3
# Pattern: a course's torch tutorial trains a classifier with an optimizer, calling
# `loss.backward()` and `optimizer.step()` for every mini-batch but never
# `optimizer.zero_grad()`; the issue asks to add the call and explain why it is needed.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's own gradient)
import torch
from torch import nn
from torch.func import functional_call


class Classifier(nn.Module):
    def __init__(self, in_features=4, hidden=8, num_classes=3):
        super().__init__()
        self.linear1 = nn.Linear(in_features, hidden)
        self.linear2 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.linear2(torch.sigmoid(self.linear1(x)))


torch.manual_seed(0)
lr = 0.5
model = Classifier()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
x_all, y_all = torch.randn(40, 4), torch.randint(0, 3, (40,))
batches = [(x_all[i : i + 10], y_all[i : i + 10]) for i in range(0, 40, 10)]
for epoch in range(3):
    for x, y in batches:
        pred = model(x)
        loss = criterion(pred, y)
        loss.backward()
        optimizer.step()  # bug: PTL204
    print(f"epoch {epoch}: loss {loss.item():.4f}")

# the weights before the last step (plain SGD: w_prev = w + lr * grad) and the last batch's own gradient there
with torch.no_grad():
    prev = {n: (p + lr * p.grad).requires_grad_() for n, p in model.named_parameters()}
x, y = batches[-1]
fresh = torch.autograd.grad(criterion(functional_call(model, prev, (x,)), y), list(prev.values()))
for (name, p), g in zip(model.named_parameters(), fresh):
    if not torch.allclose(p.grad, g, rtol=1e-3, atol=1e-6):
        raise AssertionError(f"gradients accumulated across steps ({name})")
