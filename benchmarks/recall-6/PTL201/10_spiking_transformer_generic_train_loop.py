# Source: https://github.com/zhouchenlin2096/QKFormer/issues/10
# Pattern: the reporter trains the spiking transformer with "the train framework I am used to" (zero_grad,
#   forward, loss, backward, step) and gets "Trying to backward through the graph a second time" at the second
#   batch: the project's own loop resets the neurons' states after each step, the generic one does not. The
#   spiking neuron is written out here (it keeps its membrane potential on the module)
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn


class LIFNeuron(nn.Module):
    def __init__(self, tau=2.0, threshold=1.0):
        super().__init__()
        self.tau, self.threshold = tau, threshold
        self.v = None

    def forward(self, x):
        if self.v is None:
            self.v = torch.zeros_like(x)
        self.v = self.v + (x - self.v) / self.tau
        spike = torch.sigmoid(4 * (self.v - self.threshold))
        self.v = self.v * (1 - spike)
        return spike

    def reset(self):
        self.v = None


class SpikingTokenAttention(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.q, self.k = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.q_lif, self.k_lif = LIFNeuron(), LIFNeuron()

    def forward(self, x):
        q, k = self.q_lif(self.q(x)), self.k_lif(self.k(x))
        return x * q.sum(dim=1, keepdim=True) * k


class QKFormerLike(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.embed = nn.Linear(12, dim)
        self.attn = SpikingTokenAttention(dim)
        self.head = nn.Linear(dim, 1)

    def forward(self, img):
        return self.head(self.attn(self.embed(img)).mean(dim=1))


def cal_loss(pred, label):
    return {"total": nn.functional.binary_cross_entropy_with_logits(pred, label)}


model = QKFormerLike()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
train_loader = [(torch.randn(4, 10, 12), torch.randint(0, 2, (4,))) for _ in range(3)]
for epoch in range(1, 3):
    model.train()
    for iteration, data in enumerate(train_loader):
        img, label = data[0], data[1].float()
        pre_label = model(img).squeeze(1).float()
        loss_dict = cal_loss(pre_label, label)
        loss_total = loss_dict["total"]
        optimizer.zero_grad()
        loss_total.backward()  # bug: PTL201
        optimizer.step()
