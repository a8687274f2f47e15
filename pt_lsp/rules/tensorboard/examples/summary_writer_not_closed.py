"""Examples of PTL501 summary-writer-not-closed."""

from pt_lsp.core.examples import Example, Probe, Runs, Runtime


def _events_probe(logdir: str, tag: str, count: int) -> Probe:
    """Open writer at the end of the program, or fewer scalars in the event file than written.

    A fresh reader counts the scalars in the event file; ``writer.all_writers`` is None once the
    writer is closed. An open writer at exit leaves its queue to a daemon thread the interpreter
    stops: how many events are lost then depends on timing, the open writer does not.
    """
    return Probe(
        f"""
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

        reader = EventAccumulator({logdir!r}, size_guidance={{"scalars": 0}})
        reader.Reload()
        written = len(reader.Scalars({tag!r})) if {tag!r} in reader.Tags()["scalars"] else 0
        symptom = writer.all_writers is not None or written < {count}
        """,
        f"the writer is still open at exit (its queued events are dropped with its daemon thread) "
        f"or fewer than {count} '{tag}' scalars are in the event file",
    )


# A driver for the outputs: what a fresh reader finds in the event files, so that a fixed program is
# compared with the intended one by the events it really wrote.
_LOGGED = """
import gc
import glob

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

def logged(tag, logdir="runs/*"):
    found = []
    for run in sorted(glob.glob(logdir)):
        reader = EventAccumulator(run, size_guidance={"scalars": 0})
        reader.Reload()
        if tag in reader.Tags()["scalars"]:
            found += [(event.step, event.value) for event in reader.Scalars(tag)]
    return found
"""
WRITER_OPEN = Probe(
    "symptom = writer.all_writers is not None",
    "the writer is still open at exit: its queued events are dropped with its daemon thread",
)


EXAMPLES = (
    Example(
        "a training loop logging the loss, never closing the writer",
        """
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter("runs/exp1")  # expect: PTL501
        for step in range(100):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        """,
        fixed="""
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter("runs/exp1")
        for step in range(100):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.close()
        """,
        runtime=Runtime(
            symptom=_events_probe("runs/exp1", "loss", 100),
            needs=("tensorboard",),
            driver=_LOGGED,
            outputs='logged("loss")',
            reference="""
            from torch.utils.tensorboard import SummaryWriter

            with SummaryWriter("runs/exp1") as writer:
                for step in range(100):
                    writer.add_scalar("loss", 1.0 / (step + 1), step)
            """,
        ),
    ),
    Example(
        "accuracy of a model logged per epoch",
        """
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 2)
        writer = SummaryWriter(log_dir="runs/acc")  # expect: PTL501
        for epoch in range(20):
            out = model(torch.randn(8, 4))
            writer.add_scalar("accuracy", (out.argmax(1) == 0).float().mean().item(), epoch)
        """,
        fixed="""
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 2)
        writer = SummaryWriter(log_dir="runs/acc")
        for epoch in range(20):
            out = model(torch.randn(8, 4))
            writer.add_scalar("accuracy", (out.argmax(1) == 0).float().mean().item(), epoch)
        writer.close()
        """,
        runtime=Runtime(
            symptom=_events_probe("runs/acc", "accuracy", 20),
            needs=("tensorboard",),
            driver=_LOGGED,
            outputs='logged("accuracy")',
            reference="""
            import torch
            from torch.utils.tensorboard import SummaryWriter

            model = torch.nn.Linear(4, 2)
            writer = SummaryWriter(log_dir="runs/acc")
            try:
                for epoch in range(20):
                    out = model(torch.randn(8, 4))
                    writer.add_scalar("accuracy", (out.argmax(1) == 0).float().mean().item(), epoch)
            finally:
                writer.close()
            """,
        ),
    ),
    Example(
        "a train function with its own writer",
        """
        import torch
        import torch.nn.functional as F
        from torch.utils.tensorboard import SummaryWriter

        class Regression(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(3, 1)

            def forward(self, x, y):
                return F.mse_loss(self.fc(x), y)

        def train(model, loader, optimizer):
            writer = SummaryWriter()  # expect: PTL501
            for step, (x, y) in enumerate(loader):
                loss = model(x, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                writer.add_scalar("train/loss", loss.item(), step)

        model = Regression()
        loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
        train(model, loader, torch.optim.SGD(model.parameters(), lr=0.1))
        """,
        fixed="""
        import torch
        import torch.nn.functional as F
        from torch.utils.tensorboard import SummaryWriter

        class Regression(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(3, 1)

            def forward(self, x, y):
                return F.mse_loss(self.fc(x), y)

        def train(model, loader, optimizer):
            writer = SummaryWriter()
            for step, (x, y) in enumerate(loader):
                loss = model(x, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                writer.add_scalar("train/loss", loss.item(), step)
            writer.close()

        model = Regression()
        loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
        train(model, loader, torch.optim.SGD(model.parameters(), lr=0.1))
        """,
        runtime=Runtime(
            # Observed: once train() returns, the unreachable writer is finalised by the garbage collector,
            # which flushes its file, so the 5 scalars are there when they are read.
            Runs(
                "the writer is left to the garbage collector: its events reach the file only when the collector "
                "finalises it (here, before they are read); close() makes that deterministic"
            ),
            needs=("tensorboard",),
            driver=_LOGGED,
            outputs='(logged("train/loss"), model)',
            reference="""
            import torch
            import torch.nn.functional as F
            from torch.utils.tensorboard import SummaryWriter

            class Regression(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = torch.nn.Linear(3, 1)

                def forward(self, x, y):
                    return F.mse_loss(self.fc(x), y)

            def train(model, loader, optimizer):
                with SummaryWriter() as writer:
                    for step, (x, y) in enumerate(loader):
                        loss = model(x, y)
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        writer.add_scalar("train/loss", loss.item(), step)

            model = Regression()
            loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
            train(model, loader, torch.optim.SGD(model.parameters(), lr=0.1))
            """,
        ),
    ),
    Example(
        "a trainer class keeping the writer in an attribute",
        """
        import torch.utils.tensorboard as tb

        class Trainer:
            def __init__(self, logdir):
                self.writer = tb.SummaryWriter(logdir)  # expect: PTL501

            def log(self, name, value, step):
                self.writer.add_scalar(name, value, step)

        trainer = Trainer("runs/trainer")
        for step in range(5):
            trainer.log("loss", 1.0 / (step + 1), step)
        """,
        runtime=Runtime(
            WRITER_OPEN,
            needs=("tensorboard",),
            driver="writer = trainer.writer\n",
        ),
    ),
    Example(
        "a module-level writer that helper functions log to",
        """
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter("runs/gan")  # expect: PTL501

        def log_losses(d_loss, g_loss, step):
            writer.add_scalars("loss", {"D": d_loss, "G": g_loss}, step)

        for step in range(5):
            log_losses(1.0 / (step + 1), 0.5, step)
        """,
        runtime=Runtime(WRITER_OPEN, needs=("tensorboard",)),
    ),
    Example(
        "a checkpoint every other epoch: the last epoch skips it, and the program ends after its event",
        """
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 1)
        writer = SummaryWriter("runs/every2")  # expect: PTL501
        for epoch in range(9):
            writer.add_scalar("loss", 1.0 / (epoch + 1), epoch)
            if epoch % 2 == 1:
                torch.save(model.state_dict(), "model.pt")
        """,
        fixed="""
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 1)
        writer = SummaryWriter("runs/every2")
        for epoch in range(9):
            writer.add_scalar("loss", 1.0 / (epoch + 1), epoch)
            if epoch % 2 == 1:
                torch.save(model.state_dict(), "model.pt")
        writer.close()
        """,
        runtime=Runtime(
            symptom=_events_probe("runs/every2", "loss", 9),
            needs=("tensorboard",),
            driver=_LOGGED,
            outputs='logged("loss")',
            reference="""
            import torch
            from torch.utils.tensorboard import SummaryWriter

            model = torch.nn.Linear(4, 1)
            with SummaryWriter("runs/every2") as writer:
                for epoch in range(9):
                    writer.add_scalar("loss", 1.0 / (epoch + 1), epoch)
                    if epoch % 2 == 1:
                        torch.save(model.state_dict(), "model.pt")
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "a logger that creates its writer lazily, at the first scalar",
        """
        from torch.utils.tensorboard import SummaryWriter

        class Logger:
            def __init__(self, logdir):
                self.logdir = logdir
                self.writer = None

            def scalar(self, tag, value, step):
                if self.writer is None:
                    self.writer = SummaryWriter(self.logdir)  # expect: PTL501
                self.writer.add_scalar(tag, value, step)

        logger = Logger("runs/lazy")
        for step in range(5):
            logger.scalar("loss", 1.0 / (step + 1), step)
        """,
        runtime=Runtime(
            WRITER_OPEN,
            needs=("tensorboard",),
            driver="writer = logger.writer\n",
        ),
    ),
    Example(
        "tensorboardX's writer, closed by tensorboardX itself at exit",
        """
        from tensorboardX import SummaryWriter

        def evaluate(scores):
            writer = SummaryWriter("runs/eval")
            for i, s in enumerate(scores):
                writer.add_scalar("eval/score", s, i)
            return max(scores)
        """,
        runtime=Runtime(needs=("tensorboardX",), driver="best = evaluate([0.5, 0.7, 0.6])\n"),
    ),
    Example(
        "the writer as a context manager",
        """
        from torch.utils.tensorboard import SummaryWriter

        with SummaryWriter("runs/exp2") as writer:
            for step in range(100):
                writer.add_scalar("loss", 1.0 / (step + 1), step)
        """,
        runtime=Runtime(symptom=_events_probe("runs/exp2", "loss", 100), needs=("tensorboard",)),
    ),
    Example(
        "closed after the last event",
        """
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter("runs/exp3")
        for step in range(50):
            writer.add_scalar("lr", 0.1 * 0.9 ** step, step)
        writer.close()
        """,
        runtime=Runtime(symptom=_events_probe("runs/exp3", "lr", 50), needs=("tensorboard",)),
    ),
    Example(
        "flushed at the end of each epoch",
        """
        from torch.utils.tensorboard import SummaryWriter

        def fit(epochs, step_fn):
            writer = SummaryWriter()
            for epoch in range(epochs):
                writer.add_scalar("loss", step_fn(), epoch)
                writer.flush()
        """,
    ),
    Example(
        "the last event is followed by a checkpoint save: the writer's thread has written it by then",
        """
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 1)
        writer = SummaryWriter("runs/save")
        for epoch in range(10):
            writer.add_scalar("weight_norm", model.weight.norm().item(), epoch)
        torch.save(model.state_dict(), "model.pt")
        """,
    ),
    Example(
        "a checkpoint every fourth epoch, and the last epoch of range(9) is one: the save follows the last event",
        """
        import torch
        from torch.utils.tensorboard import SummaryWriter

        model = torch.nn.Linear(4, 1)
        writer = SummaryWriter("runs/every4")
        for epoch in range(9):
            writer.add_scalar("loss", 1.0 / (epoch + 1), epoch)
            if epoch % 4 == 0:
                torch.save(model.state_dict(), "model.pt")
        """,
    ),
    Example(
        "a train function that no code of this file calls: when the program ends is not known here",
        """
        from torch.utils.tensorboard import SummaryWriter

        def train(step_fn, steps):
            writer = SummaryWriter()
            for step in range(steps):
                writer.add_scalar("loss", step_fn(), step)
        """,
    ),
    Example(
        "a factory returning the writer to its caller",
        """
        from torch.utils.tensorboard import SummaryWriter

        def make_writer(name):
            writer = SummaryWriter(f"runs/{name}")
            writer.add_text("config", name)
            return writer
        """,
    ),
    Example(
        "closed in a finally block",
        """
        from torch.utils.tensorboard import SummaryWriter

        def run(steps):
            writer = SummaryWriter()
            try:
                for i in range(steps):
                    writer.add_scalar("x", i, i)
            finally:
                writer.close()
        """,
    ),
    Example(
        "an attribute closed by the owner's close method",
        """
        from torch.utils.tensorboard import SummaryWriter

        class Logger:
            def __init__(self, logdir):
                self.tb = SummaryWriter(logdir)

            def close(self):
                self.tb.close()
        """,
    ),
)
