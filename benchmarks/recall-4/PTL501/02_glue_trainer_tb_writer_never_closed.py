# Source: https://github.com/huggingface/transformers/issues/779
# Pattern: the GLUE fine-tuning example creates `tb_writer = SummaryWriter()` in `train()`, logs the
# learning rate and the loss every `logging_steps` and never closes it; the reporter found that
# some of the scalars never appeared in TensorBoard. Here the run directory is read back right
# after `train()` returns, in the same process, as a sweep script that collects results would.
# error: logged scalars missing from the event file
# symptom: the check at the end (the event file holds fewer scalars than were logged)
import os
import tempfile

import torch
import torch.nn.functional as F
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.tensorboard import SummaryWriter


def train(args, train_dataset, model):
    tb_writer = SummaryWriter(args["output_dir"])  # bug: PTL501
    optimizer = torch.optim.AdamW(model.parameters(), lr=args["learning_rate"])
    scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, 1.0, 0.1, total_iters=len(train_dataset))
    global_step, tr_loss, logging_loss = 0, 0.0, 0.0
    for _ in range(args["num_train_epochs"]):
        for inputs, labels in train_dataset:
            loss = F.cross_entropy(model(inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            tr_loss += loss.item()
            global_step += 1
            if global_step % args["logging_steps"] == 0:
                tb_writer.add_scalar("lr", scheduler.get_last_lr()[0], global_step)
                tb_writer.add_scalar("loss", (tr_loss - logging_loss) / args["logging_steps"], global_step)
                logging_loss = tr_loss
    return global_step, tr_loss / global_step


args = {"output_dir": tempfile.mkdtemp(), "learning_rate": 1e-3, "num_train_epochs": 2, "logging_steps": 3}
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
dataset = [(torch.randn(8, 16), torch.randint(0, 2, (8,))) for _ in range(6)]
global_step, loss = train(args, dataset, model)
logged = global_step // args["logging_steps"]

run = EventAccumulator(args["output_dir"])
run.Reload()
found = len(run.Scalars("loss")) if "loss" in run.Tags()["scalars"] else 0
print(f"{found} of {logged} loss points in {os.path.basename(args['output_dir'])}")
if found < logged:
    raise AssertionError("logged scalars missing from the event file")
