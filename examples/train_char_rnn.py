"""Character-level language model, written the way many older tutorials do it."""
import torch
import torch.nn as nn
from torch.autograd import Variable

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size=128, n_layers=2):
        super().__init__()
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.embed = nn.Embedding(vocab_size, hidden_size)
        self.lstm = nn.LSTM(hidden_size, hidden_size, n_layers, batch_first=True)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, hidden):
        output, hidden = self.lstm(self.embed(tokens), hidden)
        return self.decoder(output), hidden

    def init_hidden(self, batch_size):
        return (torch.zeros(self.n_layers, batch_size, self.hidden_size, device=device),
                torch.zeros(self.n_layers, batch_size, self.hidden_size, device=device))


def train(model, stream, epochs=3, seq_len=64, lr=2e-3):
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        hidden = model.init_hidden(stream.size(0))
        for i in range(0, stream.size(1) - seq_len - 1, seq_len):
            inputs = Variable(stream[:, i:i + seq_len].to(device))
            targets = Variable(stream[:, i + 1:i + seq_len + 1].to(device))
            logits, hidden = model(inputs, hidden)
            loss = criterion(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.grad.data.clamp_(-5, 5)
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.data.item():.3f}")


if __name__ == "__main__":
    text = torch.randint(0, 64, (8, 4096))
    net = CharRNN(64).to(device)
    train(net, text)
