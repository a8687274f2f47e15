# Source: https://github.com/pytorch/pytorch/issues/52972
# Pattern: the fix: the convolutions in an `nn.ModuleList`
import io

import torch
import torch.nn as nn
import torch.optim as optim


class AuthorConvNet(nn.Module):
    def __init__(self, embedding_dim, hidden_dim=32, dropout_rate=0.3, max_conv_size=3, criterion=None):
        super().__init__()
        self.criterion = criterion or nn.L1Loss()
        self.dropout = nn.Dropout(dropout_rate)
        self.max_conv_size = max_conv_size
        self.embedding_dim = embedding_dim
        self.convs = nn.ModuleList(nn.Conv2d(1, 1, (i, 1)) for i in range(1, self.max_conv_size + 1))
        self.relu = nn.ReLU()
        self.linear1 = nn.Linear(embedding_dim * max_conv_size, hidden_dim)
        self.linear2 = nn.Linear(hidden_dim, 1)

    def max_pool(self, x):
        return torch.max(x, dim=x.dim() - 2)[0]

    def forward(self, x):
        z = x.unsqueeze(1)
        pooled = [self.max_pool(self.relu(conv(z))).flatten(1) for conv in self.convs]
        h = self.dropout(self.relu(self.linear1(torch.cat(pooled, dim=1))))
        return self.linear2(h).squeeze(-1)


torch.manual_seed(0)
model = AuthorConvNet(embedding_dim=6)
optimizer = optim.Adadelta(model.parameters())
for epoch in range(3):
    docs, scores = torch.randn(8, 5, 6), torch.rand(8)
    optimizer.zero_grad()
    loss = model.criterion(model(docs), scores)
    loss.backward()
    optimizer.step()

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
restored = AuthorConvNet(embedding_dim=6)
restored.load_state_dict(torch.load(buffer))
model.eval()
restored.eval()
sample = torch.randn(2, 5, 6)
if not torch.allclose(model(sample), restored(sample)):
    raise RuntimeError("the reloaded model does not reproduce the trained one")
