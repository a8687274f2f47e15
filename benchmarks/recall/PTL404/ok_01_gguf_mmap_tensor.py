# Source: https://github.com/city96/ComfyUI-GGUF/issues/232
# Fix: copy the read-only slice into a writable array first (the warning's own advice).
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
        state_dict[name] = torch.from_numpy(np.array(tensor.data))
    return state_dict


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model.bin")
    np.arange(12, dtype=np.float32).tofile(path)
    sd = gguf_sd_loader(path, {"w": (3, 2), "b": (6,)})
