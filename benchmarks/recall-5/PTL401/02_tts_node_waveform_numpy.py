# Source: https://github.com/stavsap/comfyui-kokoro/issues/24
# Pattern: a text-to-speech node runs its model on the GPU and converts the generated waveform with `.numpy()`
#   to hand it to the audio output
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn as nn


class TinyVocoder(nn.Module):
    def __init__(self, n_tokens=64, dim=32, hop=40):
        super().__init__()
        self.embed = nn.Embedding(n_tokens, dim)
        self.style = nn.Linear(16, dim)
        self.to_wave = nn.Linear(dim, hop)

    def forward(self, tokens, ref_s):
        h = self.embed(tokens) + self.style(ref_s)[:, None]
        return torch.tanh(self.to_wave(h)).flatten(1)


class KokoroGenerator:
    def __init__(self):
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = TinyVocoder().to(self.device).eval()
        self.voice = torch.randn(1, 16)

    def generate(self, tokens, speed=1.0):
        with torch.no_grad():
            audio = self.model(tokens.to(self.device), self.voice.to(self.device))
        audio = audio[0].numpy()  # bug: PTL401
        return {"waveform": np.clip(audio * speed, -1.0, 1.0), "sample_rate": 24000}


node = KokoroGenerator()
out = node.generate(torch.randint(0, 64, (1, 20)))
print(out["waveform"].shape)
