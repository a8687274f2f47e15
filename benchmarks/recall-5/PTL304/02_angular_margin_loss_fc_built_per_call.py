# Source: https://github.com/cvqluu/Angular-Penalty-Softmax-Losses-Pytorch/issues/10
# Pattern: the report's question, "a fully connected layer initialised on each call, how can it be optimised?":
#   an angular-margin loss whose class-weight layer is built in `forward` (the maintainer answers that the
#   repository builds it once in `__init__`; this program is the pattern the question describes)
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
import torch.nn as nn
import torch.nn.functional as F


class AngularPenaltySMLoss(nn.Module):
    def __init__(self, in_features, out_features, s=30.0, m=0.4):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.s = s
        self.m = m

    def forward(self, x, labels):
        fc = nn.Linear(self.in_features, self.out_features, bias=False)  # bug: PTL304
        wf = F.linear(F.normalize(x, p=2, dim=1), F.normalize(fc.weight, p=2, dim=1))
        numerator = self.s * (torch.diagonal(wf.transpose(0, 1)[labels]) - self.m)
        excl = torch.cat([torch.cat((wf[i, :y], wf[i, y + 1 :])).unsqueeze(0) for i, y in enumerate(labels)], dim=0)
        denominator = torch.exp(numerator) + torch.sum(torch.exp(self.s * excl), dim=1)
        return -torch.mean(numerator - torch.log(denominator))


criterion = AngularPenaltySMLoss(8, 5)
criterion.eval()
embeddings, labels = torch.randn(4, 8), torch.tensor([0, 3, 1, 4])
with torch.no_grad():
    first = criterion(embeddings, labels)
    second = criterion(embeddings, labels)
if not torch.equal(first, second):
    raise RuntimeError("the layer built in forward gives a different output on every call")
