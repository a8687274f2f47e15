# Char-RNN trainer written as a class. The GRU hidden state is created once per epoch and then
# carried through every chunk: the second chunk backpropagates into the first chunk's graph.
import random
import string

import torch
import torch.nn as nn

all_characters = string.printable
n_characters = len(all_characters)


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, n_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.encoder = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers)
        self.decoder = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden):
        batch_size = input.size(0)
        encoded = self.encoder(input)
        output, hidden = self.gru(encoded.view(1, batch_size, -1), hidden)
        output = self.decoder(output.view(batch_size, -1))
        return output, hidden

    def init_hidden(self, batch_size):
        return torch.zeros(self.n_layers, batch_size, self.hidden_size)


def char_tensor(text):
    return torch.tensor([all_characters.index(c) for c in text], dtype=torch.long)


class Trainer:
    def __init__(self, model, text, chunk_len=200, batch_size=1, lr=0.005):
        self.model = model
        self.text = text
        self.chunk_len = chunk_len
        self.batch_size = batch_size
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.criterion = nn.CrossEntropyLoss()

    def random_chunk(self):
        start = random.randint(0, len(self.text) - self.chunk_len - 1)
        chunk = self.text[start:start + self.chunk_len + 1]
        return char_tensor(chunk[:-1]), char_tensor(chunk[1:])

    def train_epoch(self, n_chunks=100):
        hidden = self.model.init_hidden(self.batch_size)
        total = 0.0
        for _ in range(n_chunks):
            inp, target = self.random_chunk()
            self.optimizer.zero_grad()
            loss = 0
            for c in range(self.chunk_len):
                output, hidden = self.model(inp[c].unsqueeze(0), hidden)
                loss += self.criterion(output, target[c].unsqueeze(0))
            loss.backward()  # expect: PTL201
            self.optimizer.step()
            total += loss.item() / self.chunk_len
        return total / n_chunks

    def generate(self, prime_str="A", predict_len=100, temperature=0.8):
        hidden = self.model.init_hidden(1)
        prime_input = char_tensor(prime_str)
        predicted = prime_str
        with torch.no_grad():
            for p in range(len(prime_str) - 1):
                _, hidden = self.model(prime_input[p].unsqueeze(0), hidden)
            inp = prime_input[-1].unsqueeze(0)
            for p in range(predict_len):
                output, hidden = self.model(inp, hidden)
                output_dist = output.view(-1).div(temperature).exp()
                top_i = torch.multinomial(output_dist, 1)[0]
                predicted += all_characters[top_i]
                inp = char_tensor(all_characters[top_i])
        return predicted


if __name__ == "__main__":
    text = "".join(random.choice(string.ascii_letters) for _ in range(10000))
    trainer = Trainer(CharRNN(n_characters, 100, n_characters), text)
    for epoch in range(10):
        print(epoch, trainer.train_epoch())
        print(trainer.generate())
