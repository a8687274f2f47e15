# Validation metrics with scikit-learn after moving everything to the GPU: .numpy() on CUDA
# tensors ("TypeError: can't convert cuda:0 device type tensor to numpy").
import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, roc_auc_score

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Classifier(nn.Module):
    def __init__(self, n_in=20, n_classes=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 64), nn.ReLU(), nn.Linear(64, n_classes))

    def forward(self, x):
        return self.net(x)


def evaluate(model, loader):
    model.eval()
    all_preds, all_labels, all_probs = [], [], []
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            probs = torch.softmax(outputs, dim=1)
            preds = outputs.argmax(dim=1)
            all_preds.extend(preds.numpy())  # expect: PTL401
            all_labels.extend(labels.numpy())  # expect: PTL401
            all_probs.append(probs.cpu().numpy())
    acc = accuracy_score(all_labels, all_preds)
    cm = confusion_matrix(all_labels, all_preds)
    auc = roc_auc_score(all_labels, np.concatenate(all_probs), multi_class="ovr")
    print(classification_report(all_labels, all_preds))
    return acc, cm, auc


model = Classifier().to(device)
loader = [(torch.randn(32, 20), torch.randint(0, 3, (32,))) for _ in range(5)]
acc, cm, auc = evaluate(model, loader)
print(f"accuracy={acc:.3f} auc={auc:.3f}")
print(cm)
