# Source: https://github.com/KupynOrest/DeblurGAN/pull/105
# Pattern: the conditional-GAN model's `test()` wraps its inputs as `Variable(self.input_A,
# volatile=True)` to avoid running out of memory on the test set (the PR's change); on torch 0.4 and
# later the flag has no effect, the generator still records its graph, and torch warns.
# error: volatile was removed
# warnings-as-errors
import torch
from torch import nn
from torch.autograd import Variable  # also: PTL101


class ResnetGenerator(nn.Module):
    def __init__(self, ngf=8):
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(3, ngf, 7, padding=3), nn.ReLU(True), nn.Conv2d(ngf, 3, 7, padding=3), nn.Tanh()
        )

    def forward(self, x):
        return torch.clamp(x + self.model(x), -1, 1)


class ConditionalGAN:
    def __init__(self):
        self.netG = ResnetGenerator()
        self.input_A = torch.empty(0)
        self.input_B = torch.empty(0)

    def set_input(self, data):
        self.input_A = data["A"]
        self.input_B = data["B"]

    def test(self):
        self.real_A = Variable(self.input_A, volatile=True)  # bug: PTL101
        self.fake_B = self.netG.forward(self.real_A)
        self.real_B = Variable(self.input_B, volatile=True)  # also: PTL101

    def get_current_errors(self):
        return {"L1": float((self.fake_B - self.real_B).abs().mean())}


model = ConditionalGAN()
for _ in range(2):
    model.set_input({"A": torch.rand(1, 3, 16, 16) * 2 - 1, "B": torch.rand(1, 3, 16, 16) * 2 - 1})
    model.test()
    print(model.get_current_errors())
