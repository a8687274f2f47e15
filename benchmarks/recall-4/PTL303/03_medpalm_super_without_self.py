# Source: https://github.com/kyegomez/Med-PaLM/issues/8
# Pattern: the medical multimodal model's `__init__` calls `super(MedPalm).__init__()` (no `self`:
# an unbound super object, so `nn.Module.__init__` never runs on the instance) and then assigns
# the vision encoder; `MedPalm()` in the example script fails on that first assignment.
# (The same author's PALM-E repository had the same line; this is the Med-PaLM report.)
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class ViTransformerWrapper(nn.Module):
    def __init__(self, image_size=16, patch_size=4, dim=16):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, patch_size, stride=patch_size)

    def forward(self, img):
        return self.patch(img).flatten(2).transpose(1, 2)


class MedPalm(nn.Module):
    def __init__(self, num_tokens=32, dim=16):
        super(MedPalm).__init__()
        self.encoder = ViTransformerWrapper(dim=dim)  # bug: PTL303
        self.embed = nn.Embedding(num_tokens, dim)  # also: PTL303
        self.decoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 2, 32), 1)  # also: PTL303
        self.to_logits = nn.Linear(dim, num_tokens)  # also: PTL303

    def forward(self, img, text):
        tokens = torch.cat([self.encoder(img), self.embed(text)], dim=1)
        return self.to_logits(self.decoder(tokens.transpose(0, 1)).transpose(0, 1))


model = MedPalm()
print(model(torch.randn(1, 3, 16, 16), torch.randint(0, 32, (1, 5))).shape)
