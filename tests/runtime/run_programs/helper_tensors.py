import torch


def make_weights():
    return torch.ones(2, requires_grad=True)
