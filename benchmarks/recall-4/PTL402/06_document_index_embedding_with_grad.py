# Source: https://github.com/docarray/docarray/pull/1429
# Pattern: documents whose `embedding` is a torch tensor computed by an encoder (requiring grad) are
# added to an in-memory document index, which converts every embedding to a numpy array for its
# search structure; the conversion fails on tensors that require grad. The PR detaches them first
# (docarray is not installed: `InMemoryExactNNIndex` stands in with the same conversion).
# error: Can't call numpy() on Tensor that requires grad
import numpy as np
import torch
from torch import nn


class Doc:
    def __init__(self, text, embedding=None):
        self.text = text
        self.embedding = embedding


class InMemoryExactNNIndex:
    def __init__(self):
        self._embeddings = []
        self._docs = []

    @staticmethod
    def _to_numpy(array):
        if isinstance(array, torch.Tensor):
            return array.cpu().numpy()  # bug: PTL402
        return np.asarray(array)

    def index(self, docs):
        for doc in docs:
            self._embeddings.append(self._to_numpy(doc.embedding))
            self._docs.append(doc)

    def find(self, query, limit=2):
        scores = np.stack(self._embeddings) @ self._to_numpy(query)
        return [self._docs[i] for i in np.argsort(-scores)[:limit]]


encoder = nn.EmbeddingBag(100, 8)


def embed(text):
    ids = torch.tensor([[hash(w) % 100 for w in text.split()]])
    return encoder(ids)[0]


docs = [Doc(t, embed(t)) for t in ["a red apple", "a green pear", "the blue sky"]]
doc_index = InMemoryExactNNIndex()
doc_index.index(docs)
print([d.text for d in doc_index.find(embed("red fruit"))])
