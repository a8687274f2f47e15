# Multi-task model (age regression + gender classification) sharing a ResNet-like trunk.
# Each loss gets its own backward: the second one runs through the trunk graph the first freed.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Trunk(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.conv2(x))
        return self.pool(x).flatten(1)


class FaceNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = Trunk()
        self.age_head = nn.Linear(64, 1)
        self.gender_head = nn.Linear(64, 2)

    def forward(self, x):
        feats = self.trunk(x)
        return self.age_head(feats).squeeze(1), self.gender_head(feats)


def train_epoch(model, loader, optimizer, device):
    model.train()
    for images, ages, genders in loader:
        images, ages, genders = images.to(device), ages.to(device), genders.to(device)
        optimizer.zero_grad()
        age_pred, gender_logits = model(images)
        age_loss = F.l1_loss(age_pred, ages)
        gender_loss = F.cross_entropy(gender_logits, genders)
        age_loss.backward()
        gender_loss.backward()  # expect: PTL201
        optimizer.step()


def train_epoch_fixed(model, loader, optimizer, device, w=0.5):
    model.train()
    for images, ages, genders in loader:
        images, ages, genders = images.to(device), ages.to(device), genders.to(device)
        optimizer.zero_grad()
        age_pred, gender_logits = model(images)
        loss = w * F.l1_loss(age_pred, ages) + (1 - w) * F.cross_entropy(gender_logits, genders)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = FaceNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    data = [(torch.randn(8, 3, 32, 32), torch.rand(8) * 80, torch.randint(0, 2, (8,))) for _ in range(10)]
    train_epoch(model, data, optimizer, device)
    train_epoch_fixed(model, data, optimizer, device)
