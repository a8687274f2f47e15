import numpy as np
import torch

payload = bytes(range(16)) * 4
pixels = np.frombuffer(payload, dtype=np.uint8).reshape(8, 8)
image = torch.from_numpy(pixels)  # expect: PTL404
print(image.float().mean().item())
