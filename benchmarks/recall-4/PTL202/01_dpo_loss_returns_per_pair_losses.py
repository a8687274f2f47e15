# Source: https://github.com/OpenRLHF/OpenRLHF/pull/145
# Pattern: a preference-tuning trainer's `DPOLoss.forward` returns the per-pair losses
# `-F.logsigmoid(beta * logits)` together with the chosen and rejected rewards; the trainer
# backwards that loss as returned, a vector with one entry per pair. The PR takes the mean in
# `forward`.
# error: grad can be implicitly created only for scalar outputs
import torch
import torch.nn.functional as F
from torch import nn


class DPOLoss(nn.Module):
    def __init__(self, beta=0.1):
        super().__init__()
        self.beta = beta

    def forward(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):
        pi_logratios = policy_chosen_logps - policy_rejected_logps
        ref_logratios = reference_chosen_logps - reference_rejected_logps
        logits = pi_logratios - ref_logratios
        losses = -F.logsigmoid(self.beta * logits)
        chosen_rewards = self.beta * (policy_chosen_logps - reference_chosen_logps).detach()
        rejected_rewards = self.beta * (policy_rejected_logps - reference_rejected_logps).detach()
        return losses, chosen_rewards, rejected_rewards


class TinyLM(nn.Module):
    def __init__(self, vocab=20, dim=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, ids):
        return self.head(self.embed(ids))


def sequence_logps(model, ids):
    logits = model(ids[:, :-1])
    logps = logits.log_softmax(-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    return logps.sum(-1)


class DPOTrainer:
    def __init__(self, model, ref_model, beta=0.1):
        self.model = model
        self.ref_model = ref_model
        self.loss_fn = DPOLoss(beta)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def training_step(self, chosen_ids, rejected_ids):
        chosen_logps = sequence_logps(self.model, chosen_ids)
        rejected_logps = sequence_logps(self.model, rejected_ids)
        with torch.no_grad():
            ref_chosen = sequence_logps(self.ref_model, chosen_ids)
            ref_rejected = sequence_logps(self.ref_model, rejected_ids)
        loss, chosen_reward, rejected_reward = self.loss_fn(chosen_logps, rejected_logps, ref_chosen, ref_rejected)
        self.optimizer.zero_grad()
        loss.backward()  # bug: PTL202
        self.optimizer.step()
        return (chosen_reward > rejected_reward).float().mean().item()


trainer = DPOTrainer(TinyLM(), TinyLM())
for _ in range(2):
    print(trainer.training_step(torch.randint(0, 20, (4, 7)), torch.randint(0, 20, (4, 7))))
