# Siamese network with contrastive loss, then a t-SNE plot of the embeddings. The embeddings
# are detached but never brought back from the GPU.
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.manifold import TSNE


class EmbeddingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.convnet = nn.Sequential(nn.Conv2d(1, 32, 5), nn.PReLU(), nn.MaxPool2d(2, stride=2),
                                     nn.Conv2d(32, 64, 5), nn.PReLU(), nn.MaxPool2d(2, stride=2))
        self.fc = nn.Sequential(nn.Linear(64 * 4 * 4, 256), nn.PReLU(), nn.Linear(256, 2))

    def forward(self, x):
        return self.fc(self.convnet(x).view(x.size(0), -1))


def contrastive_loss(o1, o2, target, margin=1.0):
    distances = (o2 - o1).pow(2).sum(1)
    losses = 0.5 * (target.float() * distances +
                    (1 - target).float() * F.relu(margin - (distances + 1e-9).sqrt()).pow(2))
    return losses.mean()


model = EmbeddingNet().cuda()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(200):
    x1, x2 = torch.randn(32, 1, 28, 28).cuda(), torch.randn(32, 1, 28, 28).cuda()
    target = torch.randint(0, 2, (32,)).cuda()
    loss = contrastive_loss(model(x1), model(x2), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

images = torch.randn(500, 1, 28, 28).cuda()
labels = torch.randint(0, 10, (500,))
emb = model(images)
points = TSNE(n_components=2).fit_transform(emb.detach().numpy())  # expect: PTL401
plt.scatter(points[:, 0], points[:, 1], c=labels.numpy(), cmap="tab10", s=4)
plt.savefig("tsne.png")
