# Source: https://github.com/xmu-xiaoma666/External-Attention-pytorch/issues/94
# Pattern: MLP-Mixer blocks appended to `self.mlp_blocks = []`; on the GPU the blocks' weights stay on
# the CPU.
# error: Expected all tensors to be on the same device
# symptom: the first mixer block in forward
# device: fake-cuda
import torch
from torch import nn


class MixerBlock(nn.Module):
    def __init__(self, tokens, channels):
        super().__init__()
        self.token_mlp = nn.Linear(tokens, tokens)
        self.channel_mlp = nn.Linear(channels, channels)
        self.ln = nn.LayerNorm(channels)

    def forward(self, x):
        x = x + self.token_mlp(self.ln(x).transpose(1, 2)).transpose(1, 2)
        return x + self.channel_mlp(self.ln(x))


class MlpMixer(nn.Module):
    def __init__(self, num_classes, num_blocks, patch_size, tokens_hidden_dim, channels_hidden_dim):
        super().__init__()
        self.embd = nn.Conv2d(3, channels_hidden_dim, kernel_size=patch_size, stride=patch_size)
        self.ln = nn.LayerNorm(channels_hidden_dim)
        self.mlp_blocks = []  # bug: PTL301
        for _ in range(num_blocks):
            self.mlp_blocks.append(MixerBlock(tokens_hidden_dim, channels_hidden_dim))
        self.fc = nn.Linear(channels_hidden_dim, num_classes)

    def forward(self, x):
        y = self.embd(x).flatten(2).transpose(1, 2)
        for block in self.mlp_blocks:
            y = block(y)
        return self.fc(self.ln(y).mean(dim=1))


model = MlpMixer(num_classes=10, num_blocks=2, patch_size=4, tokens_hidden_dim=16, channels_hidden_dim=8).cuda()
out = model(torch.randn(2, 3, 16, 16).cuda())
