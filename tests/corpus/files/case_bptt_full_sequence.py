# Full backpropagation through time: the hidden state flows through the whole sequence and the
# loss is backwarded once, after the loop; generation reuses the state under no_grad. Correct.
import torch
import torch.nn as nn

cell = nn.GRUCell(5, 20)
readout = nn.Linear(20, 5)
params = list(cell.parameters()) + list(readout.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)
sequence = torch.randn(50, 8, 5)

for epoch in range(10):
    h = torch.zeros(8, 20)
    loss = 0.0
    for t in range(49):
        h = cell(sequence[t], h)
        loss = loss + nn.functional.mse_loss(readout(h), sequence[t + 1])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

with torch.no_grad():
    h = torch.zeros(1, 20)
    x = sequence[0, :1]
    generated = []
    for t in range(100):
        h = cell(x, h)
        x = readout(h)
        generated.append(x.squeeze(0).numpy())
print(len(generated), loss.item())
