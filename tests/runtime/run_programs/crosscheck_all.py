"""Each cross-check outcome once: PTL401 on a line that runs on the CPU here (no symptom), PTL102
in a function never called (not reached), `.data` on a tensor of a helper looked up with getattr
(runtime only: imports are followed, getattr is not), and a loss backwarded twice (confirmed)."""

import helper_tensors
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
x = torch.ones(2, device=device)
print(x.numpy())


def never_called():
    w = torch.ones(3, requires_grad=True)
    return w.data


z = getattr(helper_tensors, "make_" + "weights")()
print(z.data.sum().item())
loss = (z * z).sum()
loss.backward()
try:
    loss.backward()
except RuntimeError:
    print("second backward refused")
