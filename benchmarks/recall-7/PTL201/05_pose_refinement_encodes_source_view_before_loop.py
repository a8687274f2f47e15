# Source: https://github.com/yenchenlin/iNeRF-public/issues/12
# Pattern: iNeRF's pose estimation runs `net.encode(input_image, input_pose, focal)` inside the optimisation loop,
#   and the question asks why it cannot move out of the loop since it "does the same thing in each loop": the
#   encoder's parameters still require grad, so the latent features carry the encoder's graph, and with the encode
#   done once before the loop the second iteration's `loss.backward()` runs into the graph the first one freed
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class PixelNeRFNet(nn.Module):
    """Image-conditioned radiance field: features of the source view are sampled at each query point."""

    def __init__(self, latent_dim=8):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, latent_dim, 3, padding=1), nn.ReLU())
        self.mlp = nn.Sequential(nn.Linear(latent_dim + 3, 32), nn.ReLU(), nn.Linear(32, 4))

    def encode(self, images, poses, focal):
        self.latent = self.encoder(images)
        self.poses = poses
        self.focal = focal

    def forward(self, xyz):
        cam = xyz - self.poses[:, :3, 3]
        uv = self.focal * cam[:, :2] / (cam[:, 2:] + 3.0)
        feats = F.grid_sample(self.latent, uv.clamp(-1, 1).view(1, -1, 1, 2), align_corners=True)
        feats = feats.view(self.latent.size(1), -1).t()
        out = self.mlp(torch.cat([feats, xyz], dim=-1))
        return torch.sigmoid(out[:, :3]), F.softplus(out[:, 3])


def render_rays(net, origins, dirs, n_samples=8):
    t = torch.linspace(0.5, 2.5, n_samples)
    pts = origins[:, None, :] + dirs[:, None, :] * t[None, :, None]
    rgb, sigma = net(pts.reshape(-1, 3))
    rgb, sigma = rgb.view(-1, n_samples, 3), sigma.view(-1, n_samples)
    alpha = 1 - torch.exp(-sigma * (t[1] - t[0]))
    trans = torch.cumprod(torch.cat([torch.ones_like(alpha[:, :1]), 1 - alpha[:, :-1]], dim=1), dim=1)
    return ((alpha * trans)[..., None] * rgb).sum(dim=1)


net = PixelNeRFNet().eval()  # pretrained weights would be loaded here
input_image, input_pose, focal = torch.rand(1, 3, 16, 16), torch.eye(4)[None], 1.2
target_pixels = torch.rand(32, 3)
ray_dirs = F.normalize(torch.randn(32, 3) * 0.2 + torch.tensor([0.0, 0.0, 1.0]), dim=-1)

cam_trans = nn.Parameter(torch.zeros(3))  # the pose being estimated
optimizer = torch.optim.Adam([cam_trans], lr=1e-2)

# Encode (once, outside the loop)
net.encode(input_image, input_pose, focal)
for step in range(4):
    origins = cam_trans.expand(32, 3)
    rgb = render_rays(net, origins, ray_dirs)
    loss = F.mse_loss(rgb, target_pixels)
    optimizer.zero_grad()
    loss.backward()  # bug: PTL201
    optimizer.step()
    print(f"step {step}: photometric loss {loss.item():.4f}")
