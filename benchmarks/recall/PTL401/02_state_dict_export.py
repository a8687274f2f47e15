# Source: https://github.com/ztxz16/fastllm/issues/231
# Pattern: an exporter writes every state_dict() entry with `.numpy()`; the model was loaded to the GPU.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import io

import numpy as np
from torch import nn


def tofile(fo, model, dtype=np.float32):
    sd = model.state_dict()
    for key in sd:
        cur = sd[key].numpy().astype(dtype)  # bug: PTL401
        fo.write(key.encode())
        fo.write(cur.tobytes())


model = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 100))
model = model.cuda()
tofile(io.BytesIO(), model)
