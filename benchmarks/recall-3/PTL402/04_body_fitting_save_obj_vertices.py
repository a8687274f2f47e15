# Source: https://github.com/yfeng95/PIXIE/pull/31
# Pattern: a body-model fitting script optimises pose parameters with gradients and then calls the
# visualizer's `save_obj(objpath, opdict)`, which exports `opdict['vertices'][k].cpu().numpy()`;
# the vertices come from the optimised parameters, so they still require grad.
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class BodyModel(nn.Module):
    def __init__(self, n_verts=30, n_pose=6):
        super().__init__()
        self.register_buffer("template", torch.randn(n_verts, 3))
        self.blend = nn.Linear(n_pose, n_verts * 3, bias=False)

    def forward(self, pose):
        offsets = self.blend(pose).view(pose.shape[0], -1, 3)
        vertices = self.template + offsets
        return {"vertices": vertices, "transformed_vertices": vertices[..., :2]}


class Visualizer:
    def __init__(self, faces):
        self.faces = faces

    def save_obj(self, objpath, opdict, k=0):
        faces = self.faces.cpu().numpy()
        vertices = opdict["vertices"][k].cpu().numpy()  # bug: PTL402
        lines = [f"v {x:.4f} {y:.4f} {z:.4f}" for x, y, z in vertices]
        lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
        return "\n".join(lines)


body = BodyModel()
for p in body.parameters():
    p.requires_grad_(False)
pose = torch.zeros(1, 6, requires_grad=True)
optimizer = torch.optim.Adam([pose], lr=0.05)
target = torch.randn(1, 30, 2)
for _ in range(5):
    opdict = body(pose)
    loss = (opdict["transformed_vertices"] - target).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

visualizer = Visualizer(faces=torch.from_numpy(np.array([[0, 1, 2], [2, 3, 4]])))
print(visualizer.save_obj("fit.obj", body(pose))[:40])
