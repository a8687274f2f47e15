# Source: https://github.com/zhuangdizhu/FedGen/issues/1
# Pattern: the federated server averages the users' test losses, weighted by sample counts, with np.sum
# over a list of loss tensors that still require grad.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class User:
    def __init__(self, n):
        self.model = nn.Linear(4, 2)
        self.x, self.y = torch.randn(n, 4), torch.randint(0, 2, (n,))

    def test(self):
        loss = nn.functional.cross_entropy(self.model(self.x), self.y, reduction="sum")
        return len(self.y), loss


class Server:
    def __init__(self, users):
        self.users = users

    def evaluate(self):
        test_samples, test_losses = zip(*[user.test() for user in self.users])
        weighted = np.sum([x * y for (x, y) in zip(test_samples, test_losses)])  # bug: PTL402
        glob_loss = weighted.item() / np.sum(test_samples)
        return glob_loss


print(Server([User(5), User(8)]).evaluate())
