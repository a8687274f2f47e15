# Learnable loss weights (uncertainty weighting, Kendall et al.) kept as tensors made trainable
# with requires_grad_(): the optimizer built from model.parameters() never sees them.
import torch
import torch.nn as nn


class MultiTaskLoss(nn.Module):
    def __init__(self, n_tasks):
        super().__init__()
        self.log_vars = torch.zeros(n_tasks).requires_grad_()  # expect: PTL301
        self.n_tasks = n_tasks

    def forward(self, losses):
        total = 0
        for i, loss in enumerate(losses):
            total = total + torch.exp(-self.log_vars[i]) * loss + self.log_vars[i]
        return total


class MultiTaskLossFixed(nn.Module):
    def __init__(self, n_tasks):
        super().__init__()
        self.log_vars = nn.Parameter(torch.zeros(n_tasks))
        self.register_parameter("bias", nn.Parameter(torch.zeros(1)))
        for i in range(n_tasks):
            setattr(self, f"head{i}", nn.Linear(4, 1))

    def forward(self, losses):
        return sum(torch.exp(-lv) * l + lv for lv, l in zip(self.log_vars, losses)) + self.bias


crit = MultiTaskLoss(2)
print(list(crit.parameters()), len(list(MultiTaskLossFixed(2).parameters())))
