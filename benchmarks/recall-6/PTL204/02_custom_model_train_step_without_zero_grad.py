# Source: https://github.com/fchollet/deep-learning-with-python-notebooks/issues/293
# Pattern: the book's chapter 7 overrides `train_step` of a custom model for the torch backend: forward, loss,
#   `loss.backward()`, an optimizer step over the trainable weights, metric updates; it never zeroes the
#   gradients ("the torch train_step implementations need to self.zero_grad(), or else the results are
#   terrible"). Written here as a plain torch module with the same `train_step` / `fit` shape
# error: the gradient of the last step is not the last batch's own gradient
# symptom: the check at the end (plain SGD lets it rebuild the weights before the last step and recompute
#   the last batch's gradient there)
import torch
import torch.nn as nn
from torch.func import functional_call

torch.manual_seed(0)


class CustomModel(nn.Module):
    def __init__(self, num_features=10, num_classes=3, lr=0.05):
        super().__init__()
        self.dense = nn.Sequential(nn.Linear(num_features, 32), nn.ReLU(), nn.Linear(32, num_classes))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.parameters(), lr=lr)
        self.loss_tracker = []

    def forward(self, x):
        return self.dense(x)

    def train_step(self, data):
        inputs, targets = data
        predictions = self(inputs)
        loss = self.loss_fn(predictions, targets)
        loss.backward()
        self.optimizer.step()  # bug: PTL204
        self.loss_tracker.append(loss.item())
        return {"loss": sum(self.loss_tracker) / len(self.loss_tracker)}

    def fit(self, dataset, epochs=2):
        for epoch in range(epochs):
            for data in dataset:
                logs = self.train_step(data)
        return logs


model = CustomModel()
dataset = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(4)]
print(model.fit(dataset))

# check: the last step must have used the last batch's gradient only
inputs, targets = dataset[-1]
before = {n: (p + 0.05 * p.grad).detach().requires_grad_() for n, p in model.named_parameters()}
own = torch.autograd.grad(model.loss_fn(functional_call(model, before, (inputs,)), targets), list(before.values()))
for (name, p), g in zip(model.named_parameters(), own):
    if not torch.allclose(p.grad, g, atol=1e-6):
        raise RuntimeError("the gradient of the last step is not the last batch's own gradient")
