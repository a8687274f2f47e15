# Source: https://github.com/graytowne/revisit_adv_rec/issues/3
# Pattern: fake user profiles are a leaf that requires grad; the attack clamps a slice of them in place
# between surrogate-model steps.
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
from torch import nn


class WMFSurrogate(nn.Module):
    def __init__(self, n_users, n_items, dim=8):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)

    def forward(self, data):
        return (self.user.weight @ self.item.weight.t()) * data.sum()


def project_fake_data(fake_tensor, n_fakes):
    fake_tensor[:n_fakes].clamp_(0.0, 1.0)  # bug: PTL203


n_fakes, n_items = 4, 12
fake_tensor = torch.rand(n_fakes, n_items, requires_grad=True)
surrogate = WMFSurrogate(6, n_items)
adv_loss = surrogate(fake_tensor).mean()
adv_loss.backward()
project_fake_data(fake_tensor, n_fakes)
