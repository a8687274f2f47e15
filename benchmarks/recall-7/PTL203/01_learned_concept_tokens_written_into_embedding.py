# Source: https://github.com/google/inspiration_tree/issues/25
# Pattern: the playground notebook's `load_tokens(pipe, data, device)` adds the learned concept tokens to the
#   tokenizer, resizes the text encoder's token embeddings and writes each learned vector into the embedding matrix
#   by item assignment: "RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place
#   operation"; the reporters wrapped the function in `torch.no_grad()`; the text encoder and tokenizer are small
#   stand-ins with the same methods
# error: a view of a leaf Variable that requires grad is being used in an in-place operation
import torch
import torch.nn as nn

torch.manual_seed(0)


class Tokenizer:
    def __init__(self, vocab):
        self.vocab = {tok: i for i, tok in enumerate(vocab)}

    def add_tokens(self, tokens):
        added = 0
        for tok in tokens:
            if tok not in self.vocab:
                self.vocab[tok] = len(self.vocab)
                added += 1
        return added

    def tokenize(self, text):
        return text.split()

    def convert_tokens_to_ids(self, tokens):
        return [self.vocab[t] for t in tokens]

    def __len__(self):
        return len(self.vocab)


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, dim=8):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.proj = nn.Linear(dim, dim)

    def get_input_embeddings(self):
        return self.token_embedding

    def resize_token_embeddings(self, new_num_tokens):
        old = self.token_embedding
        new = nn.Embedding(new_num_tokens, old.embedding_dim)
        with torch.no_grad():
            new.weight[: old.num_embeddings] = old.weight
        self.token_embedding = new
        return new

    def forward(self, ids):
        return self.proj(self.token_embedding(ids)).mean(dim=1)


class Pipeline:
    def __init__(self):
        self.tokenizer = Tokenizer(["a", "photo", "of", "<|endoftext|>"])
        self.text_encoder = TextEncoder(len(self.tokenizer))


def load_tokens(pipe, data, device):
    added_tokens = []
    for t_ in data.keys():
        added_tokens.append(t_)
    num_added_tokens = pipe.tokenizer.add_tokens(added_tokens)
    pipe.text_encoder.resize_token_embeddings(len(pipe.tokenizer))
    for token_ in data.keys():
        ref_token = pipe.tokenizer.tokenize(token_)
        ref_indx = pipe.tokenizer.convert_tokens_to_ids(ref_token)[0]
        embd_cur = data[token_].to(device).to(dtype=torch.float32)
        pipe.text_encoder.get_input_embeddings().weight[ref_indx] = embd_cur  # bug: PTL203
    return num_added_tokens


pipe = Pipeline()
learned = {"<v0>": torch.randn(8), "<v1>": torch.randn(8), "<v2>": torch.randn(8)}
print("added", load_tokens(pipe, learned, "cpu"))
ids = torch.tensor([pipe.tokenizer.convert_tokens_to_ids(["a", "photo", "of", "<v1>"])])
print(pipe.text_encoder(ids).shape)
