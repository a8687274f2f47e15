import torch

w = torch.randn(3, requires_grad=True)
loss = (w * 2).sigmoid().sum()
loss.backward()
print("first backward done")
loss.backward()
print("never printed")
