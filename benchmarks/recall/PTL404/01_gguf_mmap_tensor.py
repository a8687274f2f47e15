# Source: https://github.com/city96/ComfyUI-GGUF/issues/232
# Pattern: a model loader memory-maps the weights file read-only and wraps each tensor's data with
# torch.from_numpy, without a copy.
# error: The given NumPy array is not writable
# warnings-as-errors
import os
import tempfile

import numpy as np
import torch


class ReaderTensor:
    def __init__(self, name, data):
        self.name = name
        self.data = data


def gguf_sd_loader(path, shapes):
    raw = np.memmap(path, dtype=np.float32, mode="r")
    state_dict, offset = {}, 0
    for name, shape in shapes.items():
        n = int(np.prod(shape))
        tensor = ReaderTensor(name, raw[offset : offset + n].reshape(shape))
        offset += n
        state_dict[name] = torch.from_numpy(tensor.data)  # bug: PTL404
    return state_dict


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.bin")
    np.arange(12, dtype=np.float32).tofile(path)
    sd = gguf_sd_loader(path, {"w": (3, 2), "b": (6,)})
