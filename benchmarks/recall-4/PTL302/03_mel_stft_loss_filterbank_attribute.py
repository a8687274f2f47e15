# Source: https://github.com/csteinmetz1/auraloss/issues/34
# Pattern: an STFT loss on the mel scale builds its filterbank in `__init__` and keeps it as a
# plain attribute, `self.fb = torch.tensor(fb).unsqueeze(0)`, moved only when a `device` argument
# is given; a loss module moved to the GPU with the model keeps the filterbank on the CPU and the
# loss fails there. The maintainer: it should be registered as a buffer (librosa is not
# installed: `mel_filters` builds the triangular filterbank librosa would).
# error: Expected all tensors to be on the same device
# symptom: the filterbank product in STFTLoss.forward
# device: fake-cuda
import numpy as np
import torch
from torch import nn


def mel_filters(sr, n_fft, n_mels):
    mel = np.linspace(0, 2595 * np.log10(1 + sr / 2 / 700), n_mels + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.floor((n_fft + 1) * hz / sr).astype(int)
    fb = np.zeros((n_mels, n_fft // 2 + 1), dtype=np.float32)
    for m in range(1, n_mels + 1):
        left, center, right = bins[m - 1], bins[m], bins[m + 1]
        fb[m - 1, left:center] = np.linspace(0, 1, max(center - left, 0), endpoint=False)
        fb[m - 1, center:right] = np.linspace(1, 0, max(right - center, 0), endpoint=False)
    return fb


class STFTLoss(nn.Module):
    def __init__(
        self, fft_size=256, hop_size=64, win_length=256, sample_rate=16000, scale="mel", n_bins=32, device=None
    ):
        super().__init__()
        self.fft_size, self.hop_size, self.win_length = fft_size, hop_size, win_length
        self.scale = scale
        self.device = device
        if self.scale == "mel":
            fb = mel_filters(sample_rate, fft_size, n_mels=n_bins)
            self.fb = torch.tensor(fb).unsqueeze(0)  # bug: PTL302
        if scale is not None and device is not None:
            self.fb = self.fb.to(self.device)

    def stft(self, x):
        window = torch.hann_window(self.win_length, device=x.device)
        spec = torch.stft(x, self.fft_size, self.hop_size, self.win_length, window, return_complex=True)
        return spec.abs().clamp(min=1e-8)

    def forward(self, x, y):
        x_mag, y_mag = self.stft(x.view(-1, x.size(-1))), self.stft(y.view(-1, y.size(-1)))
        if self.scale is not None:
            x_mag = torch.matmul(self.fb, x_mag)
            y_mag = torch.matmul(self.fb, y_mag)
        sc_loss = torch.norm(y_mag - x_mag, p="fro") / torch.norm(y_mag, p="fro")
        mag_loss = torch.nn.functional.l1_loss(torch.log(x_mag), torch.log(y_mag))
        return sc_loss + mag_loss


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = nn.Conv1d(1, 1, 9, padding=4).to(device)
criterion = STFTLoss(scale="mel").to(device)
x, y = torch.randn(2, 1, 2048, device=device), torch.randn(2, 1, 2048, device=device)
loss = criterion(model(x), y)
loss.backward()
print(loss.item())
