# The same validation loop written carefully: everything is brought back with .cpu() (and
# .detach() where needed) before NumPy; labels that never left the CPU are converted directly.
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import f1_score, precision_recall_fscore_support

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def run_validation(model, loader):
    model.eval()
    y_true, y_pred, scores = [], [], []
    for inputs, labels in loader:
        inputs = inputs.to(device)
        logits = model(inputs)
        y_pred.append(logits.argmax(1).cpu().numpy())
        scores.append(F.softmax(logits, 1).detach().cpu().numpy())
        y_true.append(labels.numpy())
    y_true = np.concatenate(y_true)
    y_pred = np.concatenate(y_pred)
    return f1_score(y_true, y_pred, average="macro"), np.concatenate(scores)


def per_class(y_true: torch.Tensor, y_pred: torch.Tensor):
    return precision_recall_fscore_support(y_true.cpu().numpy(), y_pred.cpu().numpy())


def embeddings_to_numpy(model, images):
    with torch.no_grad():
        emb = model(images.to(device))
    return emb.cpu().numpy()


if __name__ == "__main__":
    model = torch.nn.Linear(10, 4).to(device)
    loader = [(torch.randn(8, 10), torch.randint(0, 4, (8,))) for _ in range(3)]
    f1, scores = run_validation(model, loader)
    print(f1, scores.shape)
    targets = torch.tensor([0, 1, 2, 3])
    print(targets.numpy(), torch.arange(10).numpy().sum())
    weights = model.weight.detach().cpu().numpy()
    print(np.linalg.norm(weights))
