# Source: https://github.com/GBLin5566/toward-controlled-generation-of-text-pytorch/issues/8
# Pattern: `train_vae_with_attr_loss()` decodes a sentence word by word, scores the generated
# sentence with the discriminator, and then backwards the language loss (`total_vae_loss`), steps the
# encoder's optimizer, and backwards the attribute loss (`extra_decoder_loss`), whose graph runs
# through the same decoder outputs that the first backward freed.
# error: Trying to backward through the graph a second time
import torch
from torch import nn

vocab, emb, hid, c_dim, maxlen, batch_size = 50, 16, 24, 2, 6, 4
lambda_c = 0.1


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hid, batch_first=True)
        self.mean = nn.Linear(hid, hid - c_dim)

    def forward(self, tokens):
        _, h = self.rnn(self.emb(tokens))
        return self.mean(h[0])


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj_in = nn.Linear(vocab, emb)
        self.cell = nn.GRUCell(emb, hid)
        self.out = nn.Linear(hid, vocab)

    def forward(self, word, hidden):
        hidden = self.cell(self.proj_in(word), hidden)
        pre_soft = self.out(hidden)
        return torch.softmax(pre_soft / 0.5, dim=1), hidden, pre_soft


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(vocab, c_dim)

    def forward(self, sentence):
        return self.fc(sentence.mean(dim=1))


encoder, decoder, discriminator = Encoder(), Generator(), Discriminator()
criterion = nn.CrossEntropyLoss()
e_opt = torch.optim.Adam(encoder.parameters())
g_opt = torch.optim.Adam(decoder.parameters())


def train_vae_with_attr_loss(encoder, decoder, discriminator, batches):
    for batch, (input_data, labels) in enumerate(batches):
        encoder.zero_grad()
        decoder.zero_grad()
        z = encoder(input_data)
        c = nn.functional.one_hot(labels, c_dim).float()
        hidden = torch.cat([z, c], dim=1)
        word = torch.zeros(batch_size, vocab)
        word[:, 0] = 1
        generated, vae_loss = [], 0
        for index in range(maxlen - 1):
            word, hidden, pre_soft = decoder(word, hidden)
            vae_loss += criterion(pre_soft, input_data[:, index + 1])
            generated.append(word)
        logit = discriminator(torch.stack(generated, dim=1))
        l_attr_c = criterion(logit, labels)

        total_vae_loss = vae_loss
        extra_decoder_loss = lambda_c * l_attr_c
        total_vae_loss.backward()
        e_opt.step()
        extra_decoder_loss.backward()  # bug: PTL201
        g_opt.step()
        print(batch, total_vae_loss.item(), l_attr_c.item())


batches = [(torch.randint(0, vocab, (batch_size, maxlen)), torch.randint(0, c_dim, (batch_size,))) for _ in range(2)]
train_vae_with_attr_loss(encoder, decoder, discriminator, batches)
