# Mixed-precision training with DataParallel, then an evaluation that hands GPU tensors to
# NumPy (the half-precision cast does not move anything to the CPU).
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import mean_absolute_error

model = nn.Sequential(nn.Linear(32, 128), nn.GELU(), nn.Linear(128, 1))
model = nn.DataParallel(model).cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
scaler = torch.cuda.amp.GradScaler()

for step in range(100):
    x = torch.randn(64, 32).cuda(non_blocking=True)
    y = torch.randn(64, 1).cuda(non_blocking=True)
    with torch.cuda.amp.autocast():
        loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()

model.eval()
val_x, val_y = torch.randn(500, 32), torch.randn(500, 1)
with torch.no_grad(), torch.cuda.amp.autocast():
    pred = model(val_x.cuda())
mae = mean_absolute_error(val_y.numpy(), pred.float().numpy())  # expect: PTL401
np.save("val_pred.npy", pred.float().cpu().numpy())
print(mae)
