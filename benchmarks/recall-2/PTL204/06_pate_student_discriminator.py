# Source: https://github.com/opendp/smartnoise-sdk/issues/280
# Pattern: a PATE-CTGAN trainer resets the teacher discriminators' optimizers before each of their
# backward passes, but the student discriminator's loop (labels from the teachers' noisy vote) calls
# `loss_s.backward()` and `optimizer_s.step()` without resetting `optimizer_s`.
# error: gradients accumulated across steps
# symptom: the check at the end (the student's .grad is not the last iteration's gradient)
import torch
from torch import nn

EMB, DATA_DIM, NUM_TEACHERS = 4, 6, 3


def pate_votes(teachers, data, lap_scale=0.1):
    votes = torch.stack([(t(data) > 0.5).float().view(-1) for t in teachers]).sum(0)
    noisy = votes + torch.distributions.Laplace(0.0, lap_scale).sample(votes.shape)
    return (noisy > NUM_TEACHERS / 2).float()


def disc():
    return nn.Sequential(nn.Linear(DATA_DIM, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())


torch.manual_seed(0)
generator = nn.Sequential(nn.Linear(EMB, 8), nn.ReLU(), nn.Linear(8, DATA_DIM))
teacher_disc = [disc() for _ in range(NUM_TEACHERS)]
student_disc = disc()
optimizer_t = [torch.optim.Adam(t.parameters(), lr=1e-4) for t in teacher_disc]
optimizer_s = torch.optim.Adam(student_disc.parameters(), lr=1e-5)
criterion = nn.BCELoss()
real_parts = [torch.randn(8, DATA_DIM) for _ in range(NUM_TEACHERS)]

for _t_2 in range(2):
    for i in range(NUM_TEACHERS):
        optimizer_t[i].zero_grad()
        fake = generator(torch.randn(8, EMB)).detach()
        loss_t = criterion(teacher_disc[i](real_parts[i]).view(-1), torch.ones(8))
        loss_t = loss_t + criterion(teacher_disc[i](fake).view(-1), torch.zeros(8))
        loss_t.backward()
        optimizer_t[i].step()

noises = [torch.randn(8, EMB) for _ in range(4)]
for fakez in noises:
    fake = generator(fakez)
    predictions = pate_votes(teacher_disc, fake.detach())
    output = student_disc(fake.detach()).view(-1)
    loss_s = criterion(output, predictions)
    loss_s.backward()
    optimizer_s.step()  # bug: PTL204

fake = generator(noises[-1]).detach()
last = criterion(student_disc(fake).view(-1), predictions)
fresh = torch.autograd.grad(last, student_disc[0].weight)[0]
if not torch.allclose(student_disc[0].weight.grad, fresh, rtol=0.05, atol=1e-4):
    raise AssertionError("gradients accumulated across steps")
