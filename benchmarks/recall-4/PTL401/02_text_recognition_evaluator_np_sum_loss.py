# Source: https://github.com/HCIILAB/Scene-Text-Recognition-Recommendations/issues/2
# Pattern: a scene-text recogniser's evaluator accumulates the batch losses computed on the GPU and
# averages them with `np.sum(losses) / ...`, which converts the CUDA loss tensor.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class Recognizer(nn.Module):
    def __init__(self, num_classes=37, seq_len=5):
        super().__init__()
        self.seq_len = seq_len
        self.num_classes = num_classes
        self.encoder = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d((1, seq_len)))
        self.decoder = nn.Linear(8, num_classes)

    def forward(self, x):
        feats = self.encoder(x).squeeze(2).transpose(1, 2)
        return self.decoder(feats)


class Evaluator:
    def __init__(self, model, device):
        self.model = model
        self.device = device

    def evaluate(self, data_loader, batch_size):
        self.model.eval()
        losses = []
        with torch.no_grad():
            for images, labels in data_loader:
                images, labels = images.to(self.device), labels.to(self.device)
                logits = self.model(images)
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1))
                losses.append(loss * images.size(0))
        losses = np.sum(losses) / (1.0 * len(data_loader) * batch_size)  # bug: PTL401
        return losses


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Recognizer().to(device)
loader = [(torch.randn(4, 1, 16, 40), torch.randint(0, 37, (4, 5))) for _ in range(3)]
print(Evaluator(model, device).evaluate(loader, batch_size=4))
