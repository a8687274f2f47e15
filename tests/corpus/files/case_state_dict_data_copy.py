# Copying weights between two networks through state_dict tensors and .data, and an old
# isinstance check against Variable; plus the modern way with load_state_dict.
import torch
import torch.nn as nn
from torch.autograd import Variable  # expect: PTL101

src = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
dst = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))

src_state = src.state_dict()
for name, param in dst.named_parameters():
    param.data.copy_(src_state[name].data)  # expect: PTL102


def to_numpy(x):
    if isinstance(x, Variable):
        x = x.data  # expect: PTL102
    return x.cpu().numpy()


dst.load_state_dict(src.state_dict())
batch = {"data": torch.randn(2, 4), "target": torch.tensor([0, 1])}
print(to_numpy(dst(batch["data"])), batch["target"].numpy())
