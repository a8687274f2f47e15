# Source: https://github.com/BioMedIA/deepali/pull/102
# Pattern: a MetaImage (.mhd/.raw) reader parses the header, reads the raw voxel bytes, views them
# with `np.frombuffer(data, dtype=...)` and returns `torch.from_numpy(...)` as the image tensor;
# the PR copies the array, which is read-only because it views a `bytes` object.
# error: The given NumPy array is not writable
# warnings-as-errors
import io

import numpy as np
import torch

METATYPES = {"MET_FLOAT": np.float32, "MET_SHORT": np.int16, "MET_UCHAR": np.uint8}


def read_meta_header(f):
    meta = {}
    for line in f:
        key, value = (s.strip() for s in line.decode().split("=", 1))
        meta[key] = value
        if key == "ElementDataFile":
            break
    return meta


def read_meta_image(f):
    meta = read_meta_header(f)
    shape = tuple(reversed([int(n) for n in meta["DimSize"].split()]))
    dtype = METATYPES[meta["ElementType"]]
    data = f.read(int(np.prod(shape)) * np.dtype(dtype).itemsize)
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return torch.from_numpy(array), meta  # bug: PTL404


voxels = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
header = "ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n"
image, meta = read_meta_image(io.BytesIO(header.encode() + voxels.tobytes()))
image -= image.mean()
print(image.shape, meta["NDims"])
