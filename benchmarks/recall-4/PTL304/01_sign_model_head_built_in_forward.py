# Source: https://github.com/hearai/hearai/pull/34
# Pattern: a sign-language recognition model's classification head is an `nn.Linear` created in
# `forward` from the feature size it sees, so it has new random weights on every call and is never
# trained; the PR moved the linear layer to the constructor.
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
from torch import nn


class FeatureExtractor(nn.Module):
    def __init__(self, in_channels=3, out_features=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten()
        )
        self.fc = nn.Linear(8 * 4 * 4, out_features)

    def forward(self, x):
        return self.fc(self.net(x))


class GlossClassifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.feature_extractor = FeatureExtractor()
        self.num_classes = num_classes

    def forward(self, frames):
        features = self.feature_extractor(frames)
        classifier = nn.Linear(features.shape[-1], self.num_classes)  # bug: PTL304
        return classifier(features)


model = GlossClassifier().eval()
frames = torch.randn(2, 3, 16, 16)
with torch.no_grad():
    first, second = model(frames), model(frames)
if not torch.allclose(first, second):
    raise AssertionError("the layer built in forward gives a different output on every call")
