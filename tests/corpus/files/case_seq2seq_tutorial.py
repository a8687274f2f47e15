# Seq2seq translation (encoder/decoder GRU) after the classic PyTorch tutorial. The encoder
# hidden state is created fresh for every training pair, so one backward per pair is fine.
# Greedy decoding still reads .data as the tutorial did.
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

SOS_token, EOS_token = 0, 1
MAX_LENGTH = 10
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)

    def forward(self, input, hidden):
        embedded = self.embedding(input).view(1, 1, -1)
        output, hidden = self.gru(embedded, hidden)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, 1, self.hidden_size, device=device)


class DecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden):
        output = F.relu(self.embedding(input).view(1, 1, -1))
        output, hidden = self.gru(output, hidden)
        return F.log_softmax(self.out(output[0]), dim=1), hidden


def train(input_tensor, target_tensor, encoder, decoder, enc_opt, dec_opt, criterion):
    encoder_hidden = encoder.initHidden()
    enc_opt.zero_grad()
    dec_opt.zero_grad()
    loss = 0
    for ei in range(input_tensor.size(0)):
        _, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
    decoder_input = torch.tensor([[SOS_token]], device=device)
    decoder_hidden = encoder_hidden
    for di in range(target_tensor.size(0)):
        decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden)
        topv, topi = decoder_output.topk(1)
        decoder_input = topi.squeeze().detach()
        loss += criterion(decoder_output, target_tensor[di])
        if decoder_input.item() == EOS_token:
            break
    loss.backward()
    enc_opt.step()
    dec_opt.step()
    return loss.item() / target_tensor.size(0)


def evaluate(encoder, decoder, input_tensor, index2word):
    with torch.no_grad():
        encoder_hidden = encoder.initHidden()
        for ei in range(input_tensor.size(0)):
            _, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
        decoder_input = torch.tensor([[SOS_token]], device=device)
        decoder_hidden = encoder_hidden
        decoded_words = []
        for di in range(MAX_LENGTH):
            decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden)
            topv, topi = decoder_output.data.topk(1)  # expect: PTL102
            if topi.item() == EOS_token:
                decoded_words.append("<EOS>")
                break
            decoded_words.append(index2word[topi.item()])
            decoder_input = topi.squeeze().detach()
        return decoded_words


def train_iters(encoder, decoder, pairs, n_iters=1000, lr=0.01):
    enc_opt = optim.SGD(encoder.parameters(), lr=lr)
    dec_opt = optim.SGD(decoder.parameters(), lr=lr)
    criterion = nn.NLLLoss()
    for it in range(1, n_iters + 1):
        inp, tgt = random.choice(pairs)
        train(inp, tgt, encoder, decoder, enc_opt, dec_opt, criterion)


if __name__ == "__main__":
    enc = EncoderRNN(50, 64).to(device)
    dec = DecoderRNN(64, 60).to(device)
    pairs = [(torch.randint(2, 50, (6, 1), device=device), torch.randint(2, 60, (7, 1), device=device))
             for _ in range(20)]
    train_iters(enc, dec, pairs, n_iters=50)
    print(evaluate(enc, dec, pairs[0][0], {i: str(i) for i in range(60)}))
