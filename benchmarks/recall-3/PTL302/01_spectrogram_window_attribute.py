# Source: https://github.com/pytorch/audio/pull/369
# Pattern: an audio transform module builds its analysis window in `__init__`
# (`self.window = window_fn(self.win_length)`) as a plain attribute; after `transform.cuda()` the
# window stays on the CPU and the framed CUDA signal is multiplied by it in `forward`.
# error: Expected all tensors to be on the same device
# symptom: the windowing in forward
# device: fake-cuda
import torch
from torch import nn


class Spectrogram(nn.Module):
    def __init__(self, n_fft=64, win_length=None, hop_length=None, window_fn=torch.hann_window, power=2.0):
        super().__init__()
        self.n_fft = n_fft
        self.win_length = win_length if win_length is not None else n_fft
        self.hop_length = hop_length if hop_length is not None else self.win_length // 2
        self.window = window_fn(self.win_length)  # bug: PTL302
        self.power = power

    def forward(self, waveform):
        frames = waveform.unfold(-1, self.win_length, self.hop_length)
        spec = torch.fft.rfft(frames * self.window, n=self.n_fft)
        return spec.abs().pow(self.power)


class MelFrontend(nn.Module):
    def __init__(self, n_fft=64, n_mels=8):
        super().__init__()
        self.spectrogram = Spectrogram(n_fft=n_fft)
        self.mel = nn.Linear(n_fft // 2 + 1, n_mels, bias=False)

    def forward(self, waveform):
        return torch.log1p(self.mel(self.spectrogram(waveform)))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
frontend = MelFrontend().to(device)
waveform = torch.randn(2, 800, device=device)
print(frontend(waveform).shape)
