# Regression demo: train on the GPU, then plot predictions with matplotlib. The prediction
# stays on the GPU when it is handed to NumPy.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn

x = torch.linspace(-3, 3, 500).unsqueeze(1)
y = torch.sin(x) + 0.1 * torch.randn_like(x)

model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
model.cuda()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.MSELoss()

x_gpu, y_gpu = x.cuda(), y.cuda()
for epoch in range(2000):
    optimizer.zero_grad()
    loss = loss_fn(model(x_gpu), y_gpu)
    loss.backward()
    optimizer.step()

model.eval()
with torch.no_grad():
    pred = model(x_gpu)

plt.scatter(x.numpy(), y.numpy(), s=2, label="data")
plt.plot(x.numpy(), pred.numpy(), color="red", label="model")  # expect: PTL401
plt.legend()
plt.savefig("fit.png")

residuals = (pred - y_gpu).squeeze()
plt.figure()
plt.hist(residuals.cpu().numpy(), bins=50)
plt.savefig("residuals.png")
