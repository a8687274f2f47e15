# Source: https://github.com/adjidieng/DETM/pull/11
# Pattern: a topic model's visualisation takes beta (the topic-word matrix computed by the model) and
# calls `.numpy()` to list the top words of each topic.
# error: Can't call numpy() on Tensor that requires grad
import torch
from torch import nn


class TopicModel(nn.Module):
    def __init__(self, num_topics=3, vocab_size=20, rho_size=8):
        super().__init__()
        self.rho = nn.Linear(rho_size, vocab_size, bias=False)
        self.alphas = nn.Linear(rho_size, num_topics, bias=False)

    def get_beta(self):
        logit = self.alphas(self.rho.weight)
        return torch.softmax(logit, dim=0).transpose(1, 0)


def visualize(model, vocab, num_words=4):
    model.eval()
    beta = model.get_beta()
    for k in range(beta.size(0)):
        gamma = beta[k]
        top_words = list(gamma.numpy().argsort()[-num_words:][::-1])  # bug: PTL402
        print(k, [vocab[a] for a in top_words])


visualize(TopicModel(), [f"w{i}" for i in range(20)])
