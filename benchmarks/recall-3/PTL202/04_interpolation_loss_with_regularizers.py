# Source: https://github.com/tding1/CDFI/issues/15
# Pattern: a frame-interpolation trainer builds its loss from a spec string: reconstruction terms
# plus regularisers read from the model's output dict (`output[r['type']]`); the model returns each
# regulariser per sample, so `loss_sum` keeps one value per image and `train()` backwards it.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class Loss(nn.modules.loss._Loss):
    def __init__(self, spec="1*L1+0.01*g_Spatial+0.005*g_Occlusion"):
        super().__init__()
        self.loss, self.regularize = [], []
        for term in spec.split("+"):
            weight, kind = term.split("*")
            if kind == "L1":
                self.loss.append({"type": kind, "weight": float(weight), "function": nn.L1Loss()})
            else:
                self.regularize.append({"type": kind, "weight": float(weight)})

    def forward(self, output, gt):
        losses = []
        for entry in self.loss:
            losses.append(entry["weight"] * entry["function"](output["frame1"], gt))
        for r in self.regularize:
            effective_loss = r["weight"] * output[r["type"]]
            losses.append(effective_loss)
        loss_sum = sum(losses)
        return loss_sum


class AdaCoFNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Conv2d(6, 8, 3, padding=1)
        self.offsets = nn.Conv2d(8, 2, 3, padding=1)
        self.occlusion = nn.Conv2d(8, 1, 3, padding=1)

    def forward(self, frame0, frame2):
        h = torch.relu(self.features(torch.cat([frame0, frame2], dim=1)))
        offsets, occ = self.offsets(h), torch.sigmoid(self.occlusion(h))
        frame1 = occ * frame0 + (1 - occ) * frame2
        g_spatial = offsets.abs().mean(dim=(1, 2, 3))
        g_occlusion = (occ * (1 - occ)).mean(dim=(1, 2, 3))
        return {"frame1": frame1, "g_Spatial": g_spatial, "g_Occlusion": g_occlusion}


def train(model, criterion, optimizer, loader):
    model.train()
    for frame0, frame1, frame2 in loader:
        optimizer.zero_grad()
        output = model(frame0, frame2)
        loss = criterion(output, frame1)
        loss.backward()  # bug: PTL202
        optimizer.step()


model = AdaCoFNet()
criterion = Loss()
optimizer = torch.optim.Adamax(model.parameters(), lr=1e-3)
loader = [tuple(torch.rand(2, 3, 16, 16) for _ in range(3)) for _ in range(2)]
train(model, criterion, optimizer, loader)
