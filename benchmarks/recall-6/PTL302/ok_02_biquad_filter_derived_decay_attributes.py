# Source: https://github.com/gdalsanto/flamo/pull/30
# Pattern: the fix: the envelope is registered as a buffer, so `.to()` moves it
# device: fake-cuda
import torch
import torch.nn as nn


class DSP(nn.Module):
    def __init__(self, size, nfft, alias_decay_db=0.0):
        super().__init__()
        self.size, self.nfft = size, nfft
        self.param = nn.Parameter(torch.randn(*size))
        self.alias_decay_db = torch.tensor(alias_decay_db)
        gamma = 10 ** (-torch.abs(self.alias_decay_db) / (nfft) / 20)
        self.register_buffer("alias_envelope_dcy", gamma ** torch.arange(0, -nfft, -1))


class Biquad(DSP):
    def __init__(self, size=(1, 1), n_sections=2, nfft=64):
        super().__init__(size=(n_sections, 3, *size), nfft=nfft, alias_decay_db=40.0)

    def forward(self, x):
        x = x * self.alias_envelope_dcy.unsqueeze(-1)
        b = torch.fft.rfft(self.param[:, :, 0, 0], n=self.nfft, dim=-1)
        return torch.fft.irfft(torch.fft.rfft(x, dim=0) * b.prod(dim=0).mean(0).unsqueeze(-1), n=self.nfft, dim=0)


class Shell(nn.Module):
    def __init__(self, core):
        super().__init__()
        self.core = core

    def forward(self, x):
        return self.core(x)


model = Shell(core=Biquad(nfft=64)).to("cuda")
y = model(torch.randn(64, 1, device="cuda"))
print(y.shape)
