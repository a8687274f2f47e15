# A forum question: "my tensor is not on the GPU after .to(device)". `.to()` returns a new
# tensor; calling it as a statement changes nothing, so these tensors stay on the CPU and
# the NumPy conversions below work. The model (a Module) is moved in place.
import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Linear(10, 2)
model.to(device)

inputs = torch.randn(16, 10)
targets = torch.randint(0, 2, (16,))
inputs.to(device)
targets.to(device)

print(np.histogram(inputs.numpy(), bins=5)[0])
print(np.bincount(targets.numpy()))

batch = torch.randn(16, 10).to(device)
with torch.no_grad():
    logits = model(batch)
print(logits.argmax(1).cpu().numpy())
print(batch.numpy().mean())  # expect: PTL401
