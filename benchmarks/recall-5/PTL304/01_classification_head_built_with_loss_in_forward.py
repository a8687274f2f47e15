# Source: https://github.com/huggingface/transformers/issues/13191
# Pattern: "why build the loss modules in every forward?": harmless for a loss without weights, but the same
#   habit applied to the classification head (the maintainer: with `nn.Linear` it would be a bug) gives a
#   head with new random weights on every call
# error: the layer built in forward gives a different output on every call
# symptom: the check at the end (two eval-mode calls on the same input differ)
import torch
import torch.nn as nn


class SequenceClassifier(nn.Module):
    def __init__(self, vocab_size=100, hidden=32, num_labels=3):
        super().__init__()
        self.num_labels = num_labels
        self.embeddings = nn.Embedding(vocab_size, hidden)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(hidden, 4, 64, batch_first=True), 1)

    def forward(self, input_ids, labels=None):
        pooled = self.encoder(self.embeddings(input_ids))[:, 0]
        classifier = nn.Linear(pooled.size(-1), self.num_labels)  # bug: PTL304
        logits = classifier(pooled)
        loss = None
        if labels is not None:
            loss_fct = nn.CrossEntropyLoss()
            loss = loss_fct(logits.view(-1, self.num_labels), labels.view(-1))
        return loss, logits


model = SequenceClassifier()
model.eval()
ids = torch.randint(0, 100, (2, 7))
with torch.no_grad():
    _, first = model(ids)
    _, second = model(ids)
if not torch.equal(first, second):
    raise RuntimeError("the layer built in forward gives a different output on every call")
