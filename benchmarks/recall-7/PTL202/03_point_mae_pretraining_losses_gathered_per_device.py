# Source: https://github.com/WisconsinAIVision/MaskPoint/issues/7
# Pattern: MaskPoint's pretraining runner ("Using Data parallel ...") gets the loss from the model's forward and calls
#   `_loss.backward()`: wrapped in `nn.DataParallel`, the model returns one loss per GPU, gathered into a vector,
#   and torch raises "grad can be implicitly created only for scalar outputs"; `GatheringParallel` below does what
#   `nn.DataParallel` does with the replicas' scalar outputs (splits the batch, stacks one loss per device)
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn as nn

torch.manual_seed(0)


class GatheringParallel(nn.Module):
    """Stand-in for nn.DataParallel on two devices: scatter the batch, gather each replica's 0-dim output."""

    def __init__(self, module, num_devices=2):
        super().__init__()
        self.module, self.num_devices = module, num_devices

    def forward(self, *inputs):
        chunks = zip(*(x.chunk(self.num_devices) for x in inputs))
        return torch.stack([self.module(*chunk) for chunk in chunks])


class MaskPointPretrain(nn.Module):
    """Point encoder + occupancy decoder: is a query point real or a fake (noise) point?"""

    def __init__(self, dim=32):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(3, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.decoder = nn.Sequential(nn.Linear(dim + 3, dim), nn.ReLU(), nn.Linear(dim, 1))

    def forward(self, points, queries, labels):
        feat = self.encoder(points).max(dim=1).values
        logits = self.decoder(torch.cat([feat[:, None].expand(-1, queries.size(1), -1), queries], dim=-1))
        return nn.functional.binary_cross_entropy_with_logits(logits.squeeze(-1), labels)


base_model = GatheringParallel(MaskPointPretrain())
optimizer = torch.optim.AdamW(base_model.parameters(), lr=1e-3)
for idx in range(3):
    points = torch.randn(8, 64, 3)
    queries = torch.cat([points[:, :16], torch.rand(8, 16, 3) * 2 - 1], dim=1)
    labels = torch.cat([torch.ones(8, 16), torch.zeros(8, 16)], dim=1)
    _loss = base_model(points, queries, labels)
    _loss.backward()  # bug: PTL202
    optimizer.step()
    base_model.zero_grad()
    print(f"[{idx}] loss {_loss.mean().item():.4f}")
