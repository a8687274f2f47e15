# Source: https://github.com/divideconcept/fastnumpyio/issues/8
# Pattern: a fast .npy loader builds the array with np.frombuffer over the file bytes (read-only) and the
# caller hands it to torch.from_numpy.
# error: The given NumPy array is not writable
# warnings-as-errors
import io

import numpy as np
import torch


def fast_load(file):
    file.seek(0)
    header = file.read(128)
    shape = tuple(int(v) for v in header.decode("latin1").split("(")[1].split(")")[0].split(",") if v.strip())
    data = file.read()
    return np.frombuffer(data, dtype=np.float32).reshape(shape)


buf = io.BytesIO()
np.save(buf, np.ones((4, 3), dtype=np.float32))
arr = fast_load(buf)
batch = torch.from_numpy(arr)  # bug: PTL404
batch.mul_(2.0)
