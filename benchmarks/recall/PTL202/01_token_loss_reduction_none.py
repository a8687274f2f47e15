# Source: https://github.com/z814081807/DeepNER/issues/19
# Pattern: an NER model builds its criterion with reduction="none" in __init__ (per-token losses) and the
# training loop calls backward() on the returned loss.
# error: grad can be implicitly created only for scalar outputs
import torch
from torch import nn


class CRFLikeTagger(nn.Module):
    def __init__(self, vocab=50, dim=16, num_tags=5, loss_type="ce"):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.classifier = nn.Linear(dim, num_tags)
        reduction = "none"
        if loss_type == "ce":
            self.criterion = nn.CrossEntropyLoss(reduction=reduction)

    def forward(self, token_ids, labels):
        logits = self.classifier(self.embed(token_ids))
        return self.criterion(logits.view(-1, logits.size(-1)), labels.view(-1))


model = CRFLikeTagger()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for _step in range(2):
    token_ids = torch.randint(0, 50, (4, 12))
    labels = torch.randint(0, 5, (4, 12))
    loss = model(token_ids, labels)
    optimizer.zero_grad()
    loss.backward()  # bug: PTL202
    optimizer.step()
