# Source: https://github.com/BaiTheBest/SparseLLM/issues/13
# Fix: the update is done under torch.no_grad().
import torch


def update_s(s, target, weight, s_learning_rate=0.01, chunk_size=4):
    for start in range(0, s.size(1), chunk_size):
        chunk = slice(start, start + chunk_size)
        s_batch = s[:, chunk].clone().float().requires_grad_(True)
        loss_s = ((s_batch @ weight[chunk] - target) ** 2).mean()
        loss_s.backward()
        with torch.no_grad():
            s_batch -= s_learning_rate * s_batch.grad
        s_batch.grad.zero_()
        s[:, chunk] = s_batch.detach()
    return s


update_s(torch.randn(3, 8), torch.randn(3, 5), torch.randn(8, 5))
