# Source: https://github.com/hiyoung123/SoftMaskedBert/issues/16
# Pattern: fix (the thread's): the [MASK] embedding computed in `__init__` is detached, so no step backpropagates
#   into the graph of the construction
import torch
import torch.nn as nn

torch.manual_seed(0)


class BertEmbeddings(nn.Module):
    def __init__(self, vocab_size, hidden):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, hidden)
        self.LayerNorm = nn.LayerNorm(hidden)

    def forward(self, input_ids):
        return self.LayerNorm(self.word_embeddings(input_ids))


class SoftMaskedBert(nn.Module):
    def __init__(self, vocab_size=50, hidden=16, mask_token_id=3):
        super().__init__()
        self.embedding = BertEmbeddings(vocab_size, hidden)
        self.detector = nn.GRU(hidden, hidden // 2, batch_first=True, bidirectional=True)
        self.detector_head = nn.Linear(hidden, 1)
        self.corrector = nn.TransformerEncoderLayer(hidden, nhead=2, dim_feedforward=32, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)
        self.mask_e = self.embedding(torch.tensor([[mask_token_id]])).detach()

    def forward(self, input_ids):
        e = self.embedding(input_ids)
        p = torch.sigmoid(self.detector_head(self.detector(e)[0]))
        e_ = p * self.mask_e + (1 - p) * e
        h = self.corrector(e_) + e
        return self.out(h), p.squeeze(-1)


model = SoftMaskedBert()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion_c, criterion_d = nn.CrossEntropyLoss(), nn.BCELoss()
gamma = 0.8

for step in range(3):
    wrong_ids = torch.randint(4, 50, (4, 10))
    correct_ids = wrong_ids.clone()
    correct_ids[:, 2] = torch.randint(4, 50, (4,))
    det_labels = (wrong_ids != correct_ids).float()
    logits, prob = model(wrong_ids)
    loss = gamma * criterion_c(logits.reshape(-1, 50), correct_ids.reshape(-1)) + (1 - gamma) * criterion_d(
        prob, det_labels
    )
    optimizer.zero_grad()
    loss.backward(retain_graph=True)
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")
