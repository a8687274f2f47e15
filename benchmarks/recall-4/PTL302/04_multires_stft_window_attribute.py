# Source: https://github.com/csteinmetz1/auraloss/issues/17
# Pattern: a multi-resolution STFT loss makes one STFT loss per resolution; each keeps its analysis
# window as a plain attribute, `self.window = getattr(torch, window)(win_length)`, so after
# `model.cuda()` the windows stay on the CPU and `torch.stft` of a CUDA signal fails.
# error: Expected all tensors to be on the same device
# symptom: the torch.stft call in STFTLoss.stft
# device: fake-cuda
import torch
from torch import nn


class STFTLoss(nn.Module):
    def __init__(self, fft_size=256, hop_size=64, win_length=256, window="hann_window", w_sc=1.0, w_mag=1.0):
        super().__init__()
        self.fft_size, self.hop_size, self.win_length = fft_size, hop_size, win_length
        self.window = getattr(torch, window)(win_length)  # bug: PTL302
        self.w_sc, self.w_mag = w_sc, w_mag

    def stft(self, x):
        spec = torch.stft(x, self.fft_size, self.hop_size, self.win_length, self.window, return_complex=True)
        return spec.abs().clamp(min=1e-8)

    def forward(self, x, y):
        x_mag, y_mag = self.stft(x.view(-1, x.size(-1))), self.stft(y.view(-1, y.size(-1)))
        sc = torch.norm(y_mag - x_mag, p="fro") / torch.norm(y_mag, p="fro")
        mag = torch.nn.functional.l1_loss(torch.log(x_mag), torch.log(y_mag))
        return self.w_sc * sc + self.w_mag * mag


class MultiResolutionSTFTLoss(nn.Module):
    def __init__(self, fft_sizes=(512, 128), hop_sizes=(128, 32), win_lengths=(512, 128), window="hamming_window"):
        super().__init__()
        self.stft_losses = nn.ModuleList(
            STFTLoss(f, h, w, window) for f, h, w in zip(fft_sizes, hop_sizes, win_lengths)
        )

    def forward(self, x, y):
        mrstft_loss = 0.0
        for f in self.stft_losses:
            mrstft_loss += f(x, y)
        return mrstft_loss / len(self.stft_losses)


model = MultiResolutionSTFTLoss()
x = [torch.randn(2048).cuda() if torch.cuda.is_available() else torch.randn(2048) for _ in range(2)]
for x1 in x:
    model.cuda()
    z = model(x1.view(1, 1, -1), x[0].view(1, 1, -1))
    print(z.item())
