# Source: https://github.com/kyegomez/PALM-E/issues/4
# Pattern: the multimodal model's `__init__` calls `super(PalmE).__init__()`, an unbound `super`
# object (the `self` argument is missing), so `nn.Module.__init__` never runs on the model and the
# first submodule assignment, `self.encoder = ViTransformerWrapper(...)`, raises.
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class ViTransformerWrapper(nn.Module):
    def __init__(self, image_size=32, patch_size=8, dim=64):
        super().__init__()
        self.to_patch = nn.Conv2d(3, dim, patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(dim)

    def forward(self, img):
        return self.norm(self.to_patch(img).flatten(2).transpose(1, 2))


class PalmE(nn.Module):
    def __init__(self, dim=64, num_tokens=100):
        super(PalmE).__init__()
        self.encoder = ViTransformerWrapper(dim=dim)  # bug: PTL303
        self.embed = nn.Embedding(num_tokens, dim)  # also: PTL303
        layer = nn.TransformerEncoderLayer(dim, 4, batch_first=True)
        self.decoder = nn.TransformerEncoder(layer, num_layers=1)  # also: PTL303
        self.to_logits = nn.Linear(dim, num_tokens)  # also: PTL303

    def forward(self, img, text):
        tokens = torch.cat([self.encoder(img), self.embed(text)], dim=1)
        return self.to_logits(self.decoder(tokens))


model = PalmE()
print(model(torch.randn(1, 3, 32, 32), torch.randint(0, 100, (1, 8))).shape)
