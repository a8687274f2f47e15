# Source: https://github.com/yastrebksv/TennisCourtDetector/issues/7
# Fix (the author's): optimizer.zero_grad() before the backward.
import torch
from torch import nn


def train(model, train_loader, optimizer, criterion, device):
    model.train()
    losses = []
    for _iter_id, (inp, gt_hm) in enumerate(train_loader):
        optimizer.zero_grad()
        out = model(inp.float().to(device))
        loss = criterion(torch.sigmoid(out), gt_hm.float().to(device))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Conv2d(3, 2, 3, padding=1).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
criterion = nn.MSELoss()
loader = [(torch.rand(2, 3, 8, 8), torch.rand(2, 2, 8, 8)) for _ in range(3)]
train(model, loader, optimizer, criterion, device)

inp, gt_hm = loader[-1]
fresh = torch.autograd.grad(criterion(torch.sigmoid(model(inp)), gt_hm), model.weight)[0]
if not torch.allclose(model.weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
