# Source: https://github.com/yastrebksv/TennisCourtDetector/issues/7
# Pattern: a train() function of a keypoint detector runs backward and step for every batch of the
# loader and never resets the gradients.
# error: gradients accumulated across steps
# symptom: the check at the end (the model's .grad is not the last batch's gradient)
import torch
from torch import nn


def train(model, train_loader, optimizer, criterion, device):
    model.train()
    losses = []
    for _iter_id, (inp, gt_hm) in enumerate(train_loader):
        out = model(inp.float().to(device))
        loss = criterion(torch.sigmoid(out), gt_hm.float().to(device))
        loss.backward()
        optimizer.step()  # bug: PTL204
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
