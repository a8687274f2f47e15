# Source: https://github.com/EutropicAI/ccrestoration/issues/31
# Pattern: a video filter converts each plane of a frame (exposed through a read-only buffer) with
# torch.from_numpy(np.asarray(frame[plane])).
# error: The given NumPy array is not writable
# warnings-as-errors
import numpy as np
import torch


class Frame:
    def __init__(self, planes):
        self._planes = [memoryview(p.tobytes()) for p in planes]
        self.shape = planes[0].shape

    def __getitem__(self, plane):
        return np.frombuffer(self._planes[plane], dtype=np.float32).reshape(self.shape)


def frame_to_tensor(frame, device, num_planes=3):
    planes = [torch.from_numpy(np.asarray(frame[plane])).to(device) for plane in range(num_planes)]  # bug: PTL404
    return torch.stack(planes)


frame = Frame([np.random.rand(8, 8).astype(np.float32) for _ in range(3)])
img = frame_to_tensor(frame, torch.device("cpu"))
