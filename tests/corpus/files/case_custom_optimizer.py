# A hand-written SGD-with-momentum optimizer in the pre-1.0 style of torch.optim: the update
# is done through p.data and d_p = p.grad.data.
import torch
from torch.optim.optimizer import Optimizer


class MomentumSGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.9, weight_decay=0.0):
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = p.grad.data  # expect: PTL102
                if group["weight_decay"] != 0:
                    d_p = d_p.add(p.data, alpha=group["weight_decay"])  # expect: PTL102
                state = self.state[p]
                if "momentum_buffer" not in state:
                    buf = state["momentum_buffer"] = torch.clone(d_p).detach()
                else:
                    buf = state["momentum_buffer"]
                    buf.mul_(group["momentum"]).add_(d_p)
                p.data.add_(buf, alpha=-group["lr"])  # expect: PTL102
        return loss


class ClippedAdamW(torch.optim.AdamW):
    """AdamW with per-parameter gradient value clipping, written the modern way."""

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.clamp_(-1.0, 1.0)
        return super().step(closure)


if __name__ == "__main__":
    model = torch.nn.Linear(4, 1)
    opt = MomentumSGD(model.parameters(), lr=0.1)
    for _ in range(10):
        opt.zero_grad()
        loss = model(torch.randn(8, 4)).pow(2).mean()
        loss.backward()
        opt.step()
    opt2 = ClippedAdamW(model.parameters())
    opt2.zero_grad()
    model(torch.randn(8, 4)).sum().backward()
    opt2.step()
