# Source: https://github.com/JerryYLi/bg-resample-ood/issues/1
# Pattern: fix (the reporter's): both losses are backwarded before either optimizer steps
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, feat_dim=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(20, feat_dim), nn.ReLU())
        self.fc = nn.Linear(feat_dim, num_classes)

    def forward(self, x):
        return self.fc(self.features(x))


class ResampleTrainer:
    def __init__(self, model, num_background=64):
        self.model = model
        self.w_logits = nn.Parameter(torch.zeros(num_background))  # one resampling weight per background image
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        self.optimizer_w = torch.optim.SGD([self.w_logits], lr=0.1)

    def train_step(self, x_in, y_in, x_bg, bg_idx):
        logits_in = self.model(x_in)
        logits_bg = self.model(x_bg)
        w = torch.softmax(self.w_logits, dim=0)[bg_idx] * len(self.w_logits)
        uniform = torch.full_like(logits_bg, 1.0 / logits_bg.size(1))
        ood_term = -(uniform * F.log_softmax(logits_bg, dim=1)).sum(dim=1)
        loss = F.cross_entropy(logits_in, y_in) + 0.5 * (w * ood_term).mean()
        loss_w = -(w * ood_term).mean() + 0.1 * (w * w.log()).mean()

        self.optimizer.zero_grad()
        self.optimizer_w.zero_grad()
        loss.backward(retain_graph=True)
        loss_w.backward()
        self.optimizer.step()
        self.optimizer_w.step()
        return loss.item(), loss_w.item()


trainer = ResampleTrainer(Net())
for it in range(3):
    bg_idx = torch.randint(0, 64, (16,))
    print(it, trainer.train_step(torch.randn(16, 20), torch.randint(0, 10, (16,)), torch.randn(16, 20), bg_idx))
