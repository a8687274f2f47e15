# Source: https://github.com/tbepler/topaz/issues/68
# Pattern: micrographs are read as bytes (`content = f.read()`) and parsed by `mrc.parse(content)`,
# which views the pixel data with `np.frombuffer`; the training step turns the micrograph into a tensor
# with `torch.from_numpy`.
# error: The given NumPy array is not writable
# warnings-as-errors
import io
import struct

import numpy as np
import torch


def parse(content):
    nx, ny = struct.unpack("<ii", content[:8])
    header = content[:8]
    array = np.frombuffer(content, dtype=np.float32, offset=8).reshape(ny, nx)
    return array, header, b""


def load_mrc(f):
    content = f.read()
    mic, header, header_extended = parse(content)
    return mic


def make_training_tensor(mic):
    x = torch.from_numpy(mic)  # bug: PTL404
    return (x - x.mean()) / x.std()


nx, ny = 8, 6
raw = struct.pack("<ii", nx, ny) + np.random.rand(ny, nx).astype(np.float32).tobytes()
mic = load_mrc(io.BytesIO(raw))
print(make_training_tensor(mic).shape)
