# Source: https://github.com/appvision-ai/fast-bert/pull/159
# Pattern: the text-classification learner's `validate()` collects the logits of each batch on the
# model's device and calls the metric function `accuracy(out, labels)`, which computes
# `np.argmax(out, axis=1)` on the CUDA logits.
# error: can't convert cuda:0 device type tensor to numpy
# device: fake-cuda
import numpy as np
import torch
from torch import nn


def accuracy(out, labels):
    outputs = np.argmax(out, axis=1)  # bug: PTL401
    return np.sum(outputs == labels) / len(labels)  # also: PTL401


class BertLearner:
    def __init__(self, model, metrics, device):
        self.model = model.to(device)
        self.metrics = metrics
        self.device = device

    def validate(self, val_dataloader):
        self.model.eval()
        all_logits, all_labels = None, None
        for input_ids, label_ids in val_dataloader:
            input_ids, label_ids = input_ids.to(self.device), label_ids.to(self.device)
            with torch.no_grad():
                logits = self.model(input_ids)
            all_logits = logits if all_logits is None else torch.cat((all_logits, logits), 0)
            all_labels = label_ids if all_labels is None else torch.cat((all_labels, label_ids), 0)
        return {metric["name"]: metric["function"](all_logits, all_labels) for metric in self.metrics}


class TinyClassifier(nn.Module):
    def __init__(self, vocab=100, dim=16, num_labels=2):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)
        self.fc = nn.Linear(dim, num_labels)

    def forward(self, input_ids):
        return self.fc(self.emb(input_ids))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
learner = BertLearner(TinyClassifier(), [{"name": "accuracy", "function": accuracy}], device)
loader = [(torch.randint(0, 100, (4, 12)), torch.randint(0, 2, (4,))) for _ in range(2)]
print(learner.validate(loader))
