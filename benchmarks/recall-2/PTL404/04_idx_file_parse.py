# Source: https://github.com/pytorch/vision/pull/4300 (and https://github.com/pytorch/vision/issues/4353)
# Pattern: the MNIST loader reads an IDX file's bytes, parses them with `np.frombuffer(data, ...,
# offset=...)`, converts with `astype(..., copy=False)` (no copy when the dtype already matches), and
# returns `torch.from_numpy(parsed).view(*s)`.
# error: The given NumPy array is not writable
# warnings-as-errors
import io
import struct

import numpy as np
import torch

SN3_PASCALVINCENT_TYPEMAP = {8: (torch.uint8, np.uint8, np.uint8)}


def get_int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def read_sn3_pascalvincent_tensor(path) -> torch.Tensor:
    data = path.read()
    magic = get_int(data[0:4])
    nd = magic % 256
    ty = magic // 256
    m = SN3_PASCALVINCENT_TYPEMAP[ty]
    s = [get_int(data[4 * (i + 1) : 4 * (i + 2)]) for i in range(nd)]
    parsed = np.frombuffer(data, dtype=m[1], offset=(4 * (nd + 1)))
    return torch.from_numpy(parsed.astype(m[2], copy=False)).view(*s)  # bug: PTL404


images = np.random.randint(0, 255, (3, 28, 28), dtype=np.uint8)
payload = struct.pack(">I", 8 * 256 + 3) + struct.pack(">III", 3, 28, 28) + images.tobytes()
x = read_sn3_pascalvincent_tensor(io.BytesIO(payload))
print(x.shape)
