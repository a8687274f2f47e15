# Source: https://github.com/tenstorrent/tt-blacksmith/pull/711
# Pattern: a Trainer class for LoRA fine-tuning: its training step runs forward, backward and the
# optimizer step, and the gradients are never reset between steps.
# error: gradients accumulated across steps
# symptom: the check at the end (the adapter's .grad is not the last batch's gradient)
import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank=2):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + x @ self.lora_a.t() @ self.lora_b.t()


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)

    def compute_loss(self, batch):
        x, y = batch
        return nn.functional.mse_loss(self.model(x), y)

    def train_step(self, batch):
        loss = self.compute_loss(batch)
        loss.backward()
        self.optimizer.step()  # bug: PTL204
        return loss.item()

    def fit(self, batches):
        return [self.train_step(batch) for batch in batches]


trainer = Trainer(LoRALinear(nn.Linear(6, 3)))
batches = [(torch.randn(4, 6), torch.randn(4, 3)) for _ in range(3)]
trainer.fit(batches)

fresh = torch.autograd.grad(trainer.compute_loss(batches[-1]), trainer.model.lora_b)[0]
if not torch.allclose(trainer.model.lora_b.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
