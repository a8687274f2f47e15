# A notebook-style script that sets the default device once; every factory call after that
# allocates on the GPU, including the ones the author thinks of as "just numbers".
import numpy as np
import torch

torch.set_default_device("cuda")

weights = torch.randn(128, 10)
bias = torch.zeros(10)
inputs = torch.rand(32, 128)
logits = inputs @ weights + bias
probs = torch.softmax(logits, dim=-1)

np.save("probs.npy", probs.numpy())  # expect: PTL401
top = probs.argmax(-1).cpu().numpy()
print(np.bincount(top))
