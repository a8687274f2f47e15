# Source: https://github.com/huggingface/setfit/issues/339
# Pattern: a few-shot classifier with a differentiable head returns its predictions as a CUDA tensor;
# the user's `compute_metrics(y_pred, y_test)` starts with `predictions = predictions.numpy()`.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


class DifferentiableHeadModel(nn.Module):
    def __init__(self, in_features=12, out_features=4):
        super().__init__()
        self.body = nn.Linear(in_features, 16)
        self.head = nn.Linear(16, out_features)

    def predict(self, x):
        with torch.no_grad():
            return (torch.sigmoid(self.head(torch.relu(self.body(x)))) > 0.5).int()


def compute_metrics(y_pred, y_test):
    predictions = y_pred
    predictions = predictions.numpy()  # bug: PTL401
    return {"accuracy": float(np.mean(predictions == np.asarray(y_test)))}


class Trainer:
    def __init__(self, model, metric):
        self.model = model
        self.metric = metric

    def evaluate(self, x_test, y_test):
        y_pred = self.model.predict(x_test.to("cuda"))
        return self.metric(y_pred, y_test)


model = DifferentiableHeadModel().to("cuda")
trainer = Trainer(model, metric=compute_metrics)
print(trainer.evaluate(torch.randn(5, 12), np.random.randint(0, 2, (5, 4))))
