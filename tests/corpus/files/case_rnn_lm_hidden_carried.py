# "RuntimeError: Trying to backward through the graph a second time" -- the classic forum post:
# an LSTM language model whose hidden state is carried from batch to batch without detaching.
import torch
import torch.nn as nn
import torch.optim as optim


class LanguageModel(nn.Module):
    def __init__(self, vocab_size, embed_size=128, hidden_size=256, num_layers=2):
        super(LanguageModel, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)
        self.num_layers = num_layers
        self.hidden_size = hidden_size

    def forward(self, x, h):
        x = self.embed(x)
        out, (h, c) = self.lstm(x, h)
        out = out.reshape(out.size(0) * out.size(1), out.size(2))
        out = self.linear(out)
        return out, (h, c)


vocab_size = 5000
batch_size = 20
seq_length = 30
ids = torch.randint(0, vocab_size, (batch_size, 3000))
num_batches = ids.size(1) // seq_length

model = LanguageModel(vocab_size)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.002)

for epoch in range(5):
    states = (torch.zeros(2, batch_size, 256),
              torch.zeros(2, batch_size, 256))
    for i in range(0, ids.size(1) - seq_length, seq_length):
        inputs = ids[:, i:i + seq_length]
        targets = ids[:, (i + 1):(i + 1) + seq_length]

        outputs, states = model(inputs, states)
        loss = criterion(outputs, targets.reshape(-1))

        model.zero_grad()
        loss.backward()  # expect: PTL201
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()

        step = (i + 1) // seq_length
        if step % 100 == 0:
            print("Epoch [{}/{}], Loss: {:.4f}".format(epoch + 1, 5, loss.item()))
