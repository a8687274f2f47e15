# A small model zoo with a shared local base class. The subclass is an nn.Module through
# BaseModel; its per-scale weights in a list are invisible to the optimizer.
import torch
from torch import nn


class BaseModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.n_calls = 0

    def count(self):
        self.n_calls += 1


class MultiScaleFusion(BaseModel):
    def __init__(self, channels, scales=(1, 2, 4)):
        super().__init__()
        self.scales = list(scales)
        self.scale_weights = [nn.Parameter(torch.ones(1)) for _ in scales]  # expect: PTL301
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        self.count()
        out = 0
        for w, s in zip(self.scale_weights, self.scales):
            y = nn.functional.avg_pool2d(x, s) if s > 1 else x
            out = out + w * nn.functional.interpolate(y, size=x.shape[-2:])
        return self.proj(out)


class Registry:
    """Not a module: it just remembers the models that were built."""

    def __init__(self):
        self.models = []
        self.built = [nn.Linear(1, 1)]

    def build(self, channels):
        model = MultiScaleFusion(channels)
        self.models.append(model)
        return model


model = Registry().build(8)
print(len(list(model.parameters())))
