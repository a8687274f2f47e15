# Source: https://github.com/pytorch/pytorch/issues/31574
# Pattern: the fix: `register_buffer("fb", ...)`, which `.to(device)` moves
# device: fake-cuda
import math

import torch
import torch.nn as nn


def create_fb_matrix(n_freqs, n_mels, sample_rate):
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
    m_pts = torch.linspace(0, 2595.0 * math.log10(1.0 + (sample_rate / 2.0) / 700.0), n_mels + 2)
    f_pts = 700.0 * (10 ** (m_pts / 2595.0) - 1.0)
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = -slopes[:, :-2] / (f_pts[1:-1] - f_pts[:-2])
    up = slopes[:, 2:] / (f_pts[2:] - f_pts[1:-1])
    return torch.clamp(torch.min(down, up), min=0.0)


class MelScale(nn.Module):
    def __init__(self, n_mels=16, sample_rate=16000, n_stft=65):
        super().__init__()
        self.register_buffer("fb", create_fb_matrix(n_stft, n_mels, sample_rate))

    def forward(self, specgram):
        return torch.matmul(specgram.transpose(-1, -2), self.fb).transpose(-1, -2)


class MelSpectrogram(nn.Module):
    def __init__(self, n_fft=128):
        super().__init__()
        self.n_fft = n_fft
        self.mel_scale = MelScale(n_stft=n_fft // 2 + 1)

    def forward(self, waveform):
        frames = waveform.unfold(-1, self.n_fft, self.n_fft // 2)
        specgram = torch.fft.rfft(frames, dim=-1).abs().pow(2).transpose(-1, -2)
        return self.mel_scale(specgram)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
transform = MelSpectrogram().to(device)
mel = transform(torch.randn(2, 4000, device=device))
print(mel.shape)
