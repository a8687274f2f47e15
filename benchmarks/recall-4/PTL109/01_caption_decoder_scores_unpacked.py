# Source: https://github.com/sgrvinod/a-PyTorch-Tutorial-to-Image-Captioning/issues/75
# Pattern: the captioning tutorial's `train()` removes the padded time steps from the decoder's
# scores and the targets with `scores, _ = pack_padded_sequence(scores, decode_lengths,
# batch_first=True)`, written for the two-field `PackedSequence` of torch 0.4.
# error: too many values to unpack (expected 2)
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class DecoderWithAttention(nn.Module):
    def __init__(self, vocab_size=20, embed_dim=8, decoder_dim=16, encoder_dim=12):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.init_h = nn.Linear(encoder_dim, decoder_dim)
        self.decode_step = nn.LSTMCell(embed_dim + encoder_dim, decoder_dim)
        self.fc = nn.Linear(decoder_dim, vocab_size)
        self.vocab_size = vocab_size

    def forward(self, encoder_out, encoded_captions, caption_lengths):
        caption_lengths, sort_ind = caption_lengths.sort(dim=0, descending=True)
        encoder_out, encoded_captions = encoder_out[sort_ind], encoded_captions[sort_ind]
        embeddings = self.embedding(encoded_captions)
        mean_enc = encoder_out.mean(1)
        h = self.init_h(mean_enc)
        c = torch.zeros_like(h)
        decode_lengths = (caption_lengths - 1).tolist()
        predictions = torch.zeros(encoder_out.size(0), max(decode_lengths), self.vocab_size)
        for t in range(max(decode_lengths)):
            batch_size_t = sum(length > t for length in decode_lengths)
            h, c = self.decode_step(
                torch.cat([embeddings[:batch_size_t, t], mean_enc[:batch_size_t]], dim=1),
                (h[:batch_size_t], c[:batch_size_t]),
            )
            predictions[:batch_size_t, t] = self.fc(h)
        return predictions, encoded_captions, decode_lengths, sort_ind


def train(train_loader, decoder, criterion, decoder_optimizer):
    decoder.train()
    for imgs, caps, caplens in train_loader:
        scores, caps_sorted, decode_lengths, sort_ind = decoder(imgs, caps, caplens)
        targets = caps_sorted[:, 1:]
        scores, _ = pack_padded_sequence(scores, decode_lengths, batch_first=True)  # bug: PTL109
        targets, _ = pack_padded_sequence(targets, decode_lengths, batch_first=True)  # also: PTL109
        loss = criterion(scores, targets)
        decoder_optimizer.zero_grad()
        loss.backward()
        decoder_optimizer.step()


decoder = DecoderWithAttention()
loader = [(torch.randn(3, 4, 12), torch.randint(1, 20, (3, 6)), torch.tensor([6, 4, 5]))]
train(loader, decoder, nn.CrossEntropyLoss(), torch.optim.Adam(decoder.parameters(), lr=1e-3))
