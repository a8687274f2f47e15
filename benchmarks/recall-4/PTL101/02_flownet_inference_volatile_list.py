# Source: https://github.com/vt-vl-lab/flownet2.pytorch/pull/5
# Pattern: the optical-flow inference script wraps every input and target of a batch with
# `[Variable(d, volatile=True) for d in data]` and decides whether to add backward hooks from
# `volatile`; since `volatile` was removed that flag has no effect (the warning says so), and the
# PR checks `requires_grad` instead.
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class FlowNetS(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(6, 8, 3, padding=1), nn.LeakyReLU(0.1), nn.Conv2d(8, 2, 3, padding=1))

    def forward(self, inputs):
        x = torch.cat([inputs[:, :, 0], inputs[:, :, 1]], dim=1)
        return self.conv(x)


def inference(model, data_loader, offset=0):
    model.eval()
    flows = []
    for batch_idx, (data, target) in enumerate(data_loader):
        data = [Variable(d, volatile=True) for d in data]  # bug: PTL101
        target = [Variable(t, volatile=True) for t in target]  # also: PTL101
        output = model(data[0])
        flows.append((output - target[0]).abs().mean().item())
    return flows


model = FlowNetS()
loader = [([torch.randn(1, 3, 2, 16, 16)], [torch.randn(1, 2, 16, 16)]) for _ in range(2)]
print(inference(model, loader))
