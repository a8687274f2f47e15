# Knowledge distillation: teacher under torch.no_grad(), student trained on a mix of the soft
# and hard losses with one backward. Teacher logits cached on the CPU for analysis. Correct.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
teacher = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 10)).to(device).eval()
student = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
T, alpha = 4.0, 0.7
cached = []

for step in range(300):
    x = torch.randn(128, 64, device=device)
    y = torch.randint(0, 10, (128,), device=device)
    with torch.no_grad():
        teacher_logits = teacher(x)
    student_logits = student(x)
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                    reduction="batchmean") * T * T
    hard = F.cross_entropy(student_logits, y)
    loss = alpha * soft + (1 - alpha) * hard
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        cached.append(teacher_logits.cpu().numpy())
        agreement = (student_logits.argmax(1) == teacher_logits.argmax(1)).float().mean()
        print(step, loss.item(), agreement.item())

print(np.concatenate(cached).shape)
