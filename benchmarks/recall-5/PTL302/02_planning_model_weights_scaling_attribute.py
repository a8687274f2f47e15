# Source: https://github.com/woven-by-toyota/l5kit/issues/305
# Pattern: "what happens if I don't register `weights_scaling` as a buffer?": a trajectory-planning model keeps
#   its per-coordinate loss weights as a plain tensor attribute; after `model.to(device)` the loss in
#   `forward` mixes them (on the CPU) with CUDA predictions
# error: Expected all tensors to be on the same device
# symptom: raised in `forward`, where the CPU weights meet the CUDA predictions
# device: fake-cuda
import torch
import torch.nn as nn


class RasterizedPlanningModel(nn.Module):
    def __init__(self, num_targets=6, weights_scaling=(1.0, 1.0, 1.0)):
        super().__init__()
        self.num_targets = num_targets
        self.backbone = nn.Sequential(nn.Conv2d(5, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(8, num_targets * 3)
        self.weights_scaling = torch.tensor(weights_scaling)  # bug: PTL302
        self.criterion = nn.MSELoss(reduction="none")

    def forward(self, image, target_positions, target_yaws, target_availabilities):
        pred = self.head(self.backbone(image)).view(-1, self.num_targets, 3)
        targets = torch.cat((target_positions, target_yaws), dim=2)
        target_weights = target_availabilities.unsqueeze(-1) * self.weights_scaling
        return torch.mean(self.criterion(pred, targets) * target_weights)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = RasterizedPlanningModel().to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
batch = {
    "image": torch.randn(4, 5, 32, 32),
    "target_positions": torch.randn(4, 6, 2),
    "target_yaws": torch.randn(4, 6, 1),
    "target_availabilities": torch.ones(4, 6),
}
batch = {k: v.to(device) for k, v in batch.items()}
loss = model(batch["image"], batch["target_positions"], batch["target_yaws"], batch["target_availabilities"])
optimizer.zero_grad()
loss.backward()
optimizer.step()
