# Source: https://github.com/hearai/hearai/pull/33
# Pattern: a sign-language model's classification head applies a freshly built nn.Linear sized from the
# features it receives, inside forward.
# error: new random weights on every call
# symptom: the check at the end (two calls on the same input differ)
import torch
from torch import nn


class HeadsModule(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.num_classes = num_classes
        self.dropout = nn.Dropout(0.1)

    def forward(self, features):
        features = self.dropout(features)
        return nn.Linear(features.shape[-1], self.num_classes)(features)  # bug: PTL304


class SignModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.feature_extractor = nn.Sequential(nn.Linear(12, 32), nn.ReLU())
        self.heads = HeadsModule()

    def forward(self, x):
        return self.heads(self.feature_extractor(x))


model = SignModel().eval()
x = torch.randn(2, 12)
if not torch.equal(model(x), model(x)):
    raise AssertionError("new random weights on every call")
