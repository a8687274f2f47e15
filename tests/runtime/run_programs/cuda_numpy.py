import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
net = nn.Linear(4, 2).to(device)
out = net(torch.rand(3, 4, device=device))
print(out.detach().numpy().shape)
