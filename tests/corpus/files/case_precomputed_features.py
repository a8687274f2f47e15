# Transfer learning with "cached" features: the backbone output is computed once before the
# training loop to save time, but it still carries the backbone's graph. The second epoch's
# backward runs through the graph the first one freed.
import torch
import torch.nn as nn
from torchvision import models

backbone = models.resnet18(weights=None)
backbone.fc = nn.Identity()
head = nn.Linear(512, 10)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(list(backbone.parameters()) + list(head.parameters()), lr=1e-4)

images = torch.randn(64, 3, 224, 224)
labels = torch.randint(0, 10, (64,))
features = backbone(images)

for epoch in range(20):
    optimizer.zero_grad()
    logits = head(features)
    loss = criterion(logits, labels)
    loss.backward()  # expect: PTL201
    optimizer.step()
    print(epoch, loss.item())


def train_head_only(backbone, head, images, labels, epochs=20):
    """The intended version: features computed without a graph, only the head trains."""
    with torch.no_grad():
        feats = backbone(images)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)
    for epoch in range(epochs):
        opt.zero_grad()
        loss = criterion(head(feats), labels)
        loss.backward()
        opt.step()
    return loss.item()


print(train_head_only(backbone, head, images, labels))
