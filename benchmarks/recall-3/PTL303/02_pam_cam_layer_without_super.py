# Source: https://github.com/sinAshish/Multi-Scale-Attention/issues/14
# Pattern: the stacked-attention segmentation model builds `PAM_CAM_Layer(64, True)` blocks; the
# block's `__init__` assigns its attention sub-layers (an `nn.Sequential` with `nn.PReLU()`) without
# calling `super().__init__()` first (the answer in the thread adds the call).
# error: cannot assign module before Module.__init__() call
import torch
from torch import nn


class PAM_Module(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.query_conv = nn.Conv2d(in_dim, in_dim // 8, kernel_size=1)
        self.key_conv = nn.Conv2d(in_dim, in_dim // 8, kernel_size=1)
        self.value_conv = nn.Conv2d(in_dim, in_dim, kernel_size=1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.query_conv(x).view(b, -1, h * w).permute(0, 2, 1)
        k = self.key_conv(x).view(b, -1, h * w)
        attention = torch.softmax(torch.bmm(q, k), dim=-1)
        out = torch.bmm(self.value_conv(x).view(b, -1, h * w), attention.permute(0, 2, 1))
        return self.gamma * out.view(b, c, h, w) + x


class PAM_CAM_Layer(nn.Module):
    def __init__(self, in_ch, use_pam=True):
        self.attn = nn.Sequential(  # bug: PTL303
            nn.Conv2d(in_ch * 2, in_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(in_ch),
            nn.PReLU(),
            PAM_Module(in_ch) if use_pam else nn.Identity(),
            nn.Conv2d(in_ch, in_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(in_ch),
            nn.PReLU(),
        )

    def forward(self, x):
        return self.attn(x)


class DAF_stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.pam_attention_1_1 = PAM_CAM_Layer(64, True)

    def forward(self, x):
        return self.pam_attention_1_1(x)


net = DAF_stack()
print(net(torch.randn(1, 128, 8, 8)).shape)
