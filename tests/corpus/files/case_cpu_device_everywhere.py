# A CPU-only deployment script: the device is hard-coded to the CPU, tensors come back with
# .to("cpu") / .cpu(), and the iris data comes from scikit-learn (a Bunch with `.data`).
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_iris

device = torch.device("cpu")
iris = load_iris()
X = torch.tensor(iris.data, dtype=torch.float32).to(device)
y = torch.tensor(iris.target).to(device)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(100):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()

with torch.no_grad():
    logits = model(X)
pred = logits.argmax(1).numpy()
print((pred == iris.target).mean(), X.numpy().shape, y.numpy()[:5])
gpu_copy = logits.cuda() if torch.cuda.is_available() else logits
back = gpu_copy.to("cpu")
print(np.round(back.numpy()[:3], 2), gpu_copy.cpu().numpy().shape)
