# Source: https://github.com/NVIDIA/TensorRT/pull/2906
# Pattern: the fix (the PR's): `output.detach().cpu().numpy()`
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn


class PytRunner:
    def __init__(self, model, input_metadata, output_names):
        self.model = model
        self.input_metadata = input_metadata
        self.output_names = output_names

    def infer_impl(self, feed_dict):
        start = time.time()
        inputs = [torch.from_numpy(feed_dict[name].astype(dtype)) for name, (dtype, _) in self.input_metadata.items()]
        outputs = self.model(*inputs)
        end = time.time()
        out_dict = OrderedDict()
        for name, output in zip(self.output_names, outputs):
            out_dict[name] = output.detach().cpu().numpy()
        return out_dict, end - start


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(6, 12)
        self.cls = nn.Linear(12, 3)
        self.reg = nn.Linear(12, 1)

    def forward(self, x):
        h = torch.relu(self.body(x))
        return self.cls(h), self.reg(h)


runner = PytRunner(TwoHeads().eval(), {"x": (np.float32, (2, 6))}, ["logits", "value"])
outs, elapsed = runner.infer_impl({"x": np.random.rand(2, 6)})
print({k: v.shape for k, v in outs.items()})
