# MAML inner/outer loop: the inner gradient uses create_graph=True so the outer backward can
# differentiate through it; each task builds its own graph. Correct.
import torch
import torch.nn.functional as F


def forward(params, x):
    w1, b1, w2, b2 = params
    return F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)


def sample_task():
    amp, phase = torch.rand(1) * 4.9 + 0.1, torch.rand(1) * 3.1416
    x = torch.rand(20, 1) * 10 - 5
    return x, amp * torch.sin(x + phase)


params = [torch.randn(40, 1).mul_(0.1).requires_grad_(), torch.zeros(40, requires_grad=True),
          torch.randn(1, 40).mul_(0.1).requires_grad_(), torch.zeros(1, requires_grad=True)]
meta_opt = torch.optim.Adam(params, lr=1e-3)
inner_lr = 0.01

for it in range(1000):
    meta_opt.zero_grad()
    meta_loss = 0.0
    for _ in range(4):
        x, y = sample_task()
        inner_loss = F.mse_loss(forward(params, x[:10]), y[:10])
        grads = torch.autograd.grad(inner_loss, params, create_graph=True)
        fast = [p - inner_lr * g for p, g in zip(params, grads)]
        meta_loss = meta_loss + F.mse_loss(forward(fast, x[10:]), y[10:])
    meta_loss.backward()
    meta_opt.step()
    if it % 100 == 0:
        print(it, meta_loss.item() / 4)
