# Source: https://github.com/fangwei123456/Spike-Element-Wise-ResNet/issues/19
# Pattern: a detector with a spiking ResNet backbone is trained with a generic `fit_one_epoch` loop; the
#   spiking neurons keep their membrane potential `v` on the module between calls, and the loop never resets
#   the network after the backward ("check whether the code calls reset after backpropagation to reset the
#   whole network's state"), so the second batch starts from the first batch's graph. The neuron layer of the
#   spiking library is written out here (multi-step LIF with a surrogate spike)
# error: Trying to backward through the graph a second time
# symptom: raised in the surrogate spike's `backward` (`ctx.saved_tensors`), which the marked `loss.backward()`
#   runs, as in the report's traceback (the spiking library's neuron kernel)
import torch
import torch.nn as nn


class SurrogateSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).float()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + (3.14 * x) ** 2)


class MultiStepLIFNode(nn.Module):
    def __init__(self, tau=2.0, v_threshold=1.0):
        super().__init__()
        self.tau, self.v_threshold = tau, v_threshold
        self.v = 0.0

    def forward(self, x_seq):
        spikes = []
        for x in x_seq:
            self.v = self.v + (x - self.v) / self.tau
            spike = SurrogateSpike.apply(self.v - self.v_threshold)
            self.v = self.v * (1 - spike)
            spikes.append(spike)
        return torch.stack(spikes)

    def reset(self):
        self.v = 0.0


class SEWBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.sn = MultiStepLIFNode()

    def forward(self, x_seq):
        t, b = x_seq.shape[:2]
        out = self.conv(x_seq.flatten(0, 1)).view(t, b, *x_seq.shape[2:])
        return self.sn(out) + x_seq


class SpikingDetector(nn.Module):
    def __init__(self, T=4):
        super().__init__()
        self.T = T
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = SEWBlock(8)
        self.head = nn.Linear(8, 5)

    def forward(self, img):
        x_seq = self.stem(img).unsqueeze(0).repeat(self.T, 1, 1, 1, 1)
        return self.head(self.block(x_seq).mean(dim=(0, 3, 4)))


def fit_one_epoch(model, loader, optimizer):
    model.train()
    for images, targets in loader:
        optimizer.zero_grad()
        loss = nn.functional.smooth_l1_loss(model(images), targets)
        loss.backward()  # bug: PTL201
        optimizer.step()


model = SpikingDetector()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
fit_one_epoch(model, [(torch.randn(2, 3, 8, 8), torch.randn(2, 5)) for _ in range(3)], optimizer)
