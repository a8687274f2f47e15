# Text classifier initialised from GloVe vectors. Loading the vectors with .data.copy_ is the
# pattern from countless blog posts; freezing through requires_grad is fine.
import numpy as np
import torch
import torch.nn as nn


class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, n_classes, kernel_sizes=(3, 4, 5), n_filters=100):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(embed_dim, n_filters, k) for k in kernel_sizes])
        self.fc = nn.Linear(n_filters * len(kernel_sizes), n_classes)
        self.kernel_sizes = kernel_sizes

    def load_pretrained(self, vectors, freeze=True):
        self.embedding.weight.data.copy_(torch.from_numpy(vectors))  # expect: PTL102
        self.embedding.weight.requires_grad = not freeze

    def forward(self, tokens):
        x = self.embedding(tokens).transpose(1, 2)
        pooled = [torch.relu(conv(x)).max(dim=2).values for conv in self.convs]
        return self.fc(torch.cat(pooled, dim=1))


def init_weights(model):
    for name, param in model.named_parameters():
        if "embedding" in name:
            continue
        if param.dim() > 1:
            nn.init.xavier_uniform_(param)
        else:
            with torch.no_grad():
                param.zero_()


vectors = np.random.randn(20000, 300).astype(np.float32)
model = TextCNN(20000, 300, 5)
init_weights(model)
model.load_pretrained(vectors)
with torch.no_grad():
    model.embedding.weight[0].fill_(0)
logits = model(torch.randint(1, 20000, (8, 50)))
print(logits.detach().numpy().argmax(1))
