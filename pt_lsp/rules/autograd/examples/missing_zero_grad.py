"""Examples of PTL204 (missing-zero-grad): training loops whose gradients pile up."""

from __future__ import annotations

from pt_lsp.core.examples import Example, Probe, Runtime

# After the loop, the stored gradient is compared with a fresh gradient of the last batch: a
# loop that resets stores about one batch's gradient, a loop that does not stores the sum over
# all iterations (the examples use data whose gradients point the same way).
ACCUMULATED = Probe(
    """
    fresh = torch.autograd.grad(loss_fn(model(x), y), model.weight)[0]
    symptom = bool(model.weight.grad.norm() > 2 * fresh.norm())
    """,
    "model.weight.grad holds the sum of every iteration's gradient, not the last batch's",
)

# The same for gradient descent by hand: a fixed loop sets `w.grad = None` after each update.
MANUAL_ACCUMULATED = Probe(
    """
    fresh = torch.autograd.grad(((x @ w + b - y) ** 2).mean(), b)[0]
    symptom = b.grad is not None and bool(b.grad.norm() > 2 * fresh.norm())
    """,
    "b.grad holds the sum of every iteration's gradient, not the last one's",
)

EXAMPLES = (
    Example(
        "full-batch regression without zero_grad",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.MSELoss()
        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        for epoch in range(5):
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()  # expect: PTL204
        """,
        fixed="""
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.MSELoss()
        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        for epoch in range(5):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """,
        # Intended: each step uses that epoch's gradient only.
        runtime=Runtime(
            ACCUMULATED,
            outputs="model",
            reference="""
            import torch
            from torch import nn

            model = nn.Linear(3, 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            loss_fn = nn.MSELoss()
            x = torch.randn(32, 3)
            y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
            for epoch in range(5):
                for p in model.parameters():
                    p.grad = None
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
            """,
        ),
    ),
    Example(
        "minibatches with Adam, zero_grad called once before training",
        """
        import torch
        from torch import nn

        model = nn.Linear(4, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.L1Loss()
        data = torch.rand(64, 4)
        batches = [(b, b.sum(dim=1, keepdim=True) + 5.0) for b in data.split(16)]
        optimizer.zero_grad()
        for epoch in range(2):
            for x, y in batches:
                pred = model(x)
                loss = loss_fn(pred, y)
                loss.backward()
                optimizer.step()  # expect: PTL204
        """,
        fixed="""
        import torch
        from torch import nn

        model = nn.Linear(4, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.L1Loss()
        data = torch.rand(64, 4)
        batches = [(b, b.sum(dim=1, keepdim=True) + 5.0) for b in data.split(16)]
        optimizer.zero_grad()
        for epoch in range(2):
            for x, y in batches:
                pred = model(x)
                loss = loss_fn(pred, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        """,
        runtime=Runtime(
            ACCUMULATED,
            outputs="model",
            reference="""
            import torch
            from torch import nn

            model = nn.Linear(4, 1)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            loss_fn = nn.L1Loss()
            data = torch.rand(64, 4)
            batches = [(b, b.sum(dim=1, keepdim=True) + 5.0) for b in data.split(16)]
            for epoch in range(2):
                for x, y in batches:
                    optimizer.zero_grad()
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    optimizer.step()
            """,
        ),
    ),
    Example(
        "a training function with an optimizer parameter",
        """
        def train_epoch(model, loader, criterion, optimizer, device):
            model.train()
            for images, labels in loader:
                images, labels = images.to(device), labels.to(device)
                loss = criterion(model(images), labels)
                loss.backward()
                optimizer.step()  # expect: PTL204
        """,
        fixed="""
        def train_epoch(model, loader, criterion, optimizer, device):
            model.train()
            for images, labels in loader:
                images, labels = images.to(device), labels.to(device)
                loss = criterion(model(images), labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        """,
        runtime=Runtime(
            ACCUMULATED,
            outputs="model",
            reference="""
            def train_epoch(model, loader, criterion, optimizer, device):
                model.train()
                for images, labels in loader:
                    optimizer.zero_grad()
                    images, labels = images.to(device), labels.to(device)
                    criterion(model(images), labels).backward()
                    optimizer.step()
            """,
            driver="""
            import torch
            from torch import nn

            model, loss_fn = nn.Linear(3, 1), nn.MSELoss()
            x = torch.randn(32, 3)
            y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            train_epoch(model, [(x, y)] * 5, loss_fn, optimizer, "cpu")
            """,
        ),
    ),
    Example(
        "mixed precision: scaler.step(optimizer) without a reset",
        """
        import torch

        def train(model, loader, loss_fn):
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            scaler = torch.amp.GradScaler("cuda")
            for x, y in loader:
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)  # expect: PTL204
                scaler.update()
        """,
        fixed="""
        import torch

        def train(model, loader, loss_fn):
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            scaler = torch.amp.GradScaler("cuda")
            for x, y in loader:
                with torch.autocast("cuda", dtype=torch.float16):
                    loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
        """,
        # The first float16 gradient overflows at GradScaler's initial scale (as it often does);
        # never reset, the inf stays in .grad and the scaler skips every later step. torch.amp's
        # GradScaler and float16 autocast on the CPU row need torch 2.5.
        runtime=Runtime(
            torch=">=2.5",
            symptom=Probe(
                "symptom = torch.equal(model.weight, initial)",
                "no optimizer step was taken: an overflowed gradient is never cleared",
            ),
            outputs="model",
            reference="""
            import torch

            def train(model, loader, loss_fn):
                optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
                scaler = torch.amp.GradScaler("cuda")
                for x, y in loader:
                    optimizer.zero_grad(set_to_none=True)
                    with torch.autocast("cuda", dtype=torch.float16):
                        loss = loss_fn(model(x), y)
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
            """,
            driver="""
            from torch import nn

            model, loss_fn = nn.Linear(3, 1).cuda(), nn.MSELoss()
            x = torch.randn(32, 3).cuda()
            y = x @ torch.tensor([[2.0], [-1.0], [0.5]]).cuda() + 3.0
            initial = model.weight.detach().clone()
            train(model, [(x, y)] * 8, loss_fn)
            """,
        ),
    ),
    Example(
        "a trainer class stepping self.optimizer",
        """
        import torch

        class Trainer:
            def __init__(self, model, lr):
                self.model = model
                self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

            def fit(self, batches, loss_fn):
                for inputs, targets in batches:
                    loss = loss_fn(self.model(inputs), targets)
                    loss.backward()
                    self.optimizer.step()  # expect: PTL204
        """,
        fixed="""
        import torch

        class Trainer:
            def __init__(self, model, lr):
                self.model = model
                self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

            def fit(self, batches, loss_fn):
                for inputs, targets in batches:
                    loss = loss_fn(self.model(inputs), targets)
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()
        """,
        runtime=Runtime(
            ACCUMULATED,
            outputs="model",
            reference="""
            import torch

            class Trainer:
                def __init__(self, model, lr):
                    self.model = model
                    self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

                def fit(self, batches, loss_fn):
                    for inputs, targets in batches:
                        self.optimizer.zero_grad(set_to_none=True)
                        loss_fn(self.model(inputs), targets).backward()
                        self.optimizer.step()
            """,
            driver="""
            from torch import nn

            model, loss_fn = nn.Linear(3, 1), nn.MSELoss()
            x = torch.randn(32, 3)
            y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
            Trainer(model, lr=0.01).fit([(x, y)] * 5, loss_fn)
            """,
        ),
    ),
    Example(
        "a GAN loop stepping two optimizers",
        """
        import torch

        def train_gan(G, D, loader, bce, z_dim=64):
            opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
            opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
            for real in loader:
                fake = G(torch.randn(real.size(0), z_dim))
                d_loss = bce(D(real), torch.ones(real.size(0), 1)) + bce(D(fake.detach()), torch.zeros(real.size(0), 1))
                d_loss.backward()
                opt_d.step()  # expect: PTL204
                g_loss = bce(D(fake), torch.ones(real.size(0), 1))
                g_loss.backward()
                opt_g.step()  # expect: PTL204
        """,
        fixed="""
        import torch

        def train_gan(G, D, loader, bce, z_dim=64):
            opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
            opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
            for real in loader:
                fake = G(torch.randn(real.size(0), z_dim))
                d_loss = bce(D(real), torch.ones(real.size(0), 1)) + bce(D(fake.detach()), torch.zeros(real.size(0), 1))
                opt_d.zero_grad()
                opt_g.zero_grad()
                d_loss.backward()
                opt_d.step()
                g_loss = bce(D(fake), torch.ones(real.size(0), 1))
                g_loss.backward()
                opt_g.step()
        """,
        # The generator's gradient after the loop is compared with one fresh generator-loss gradient.
        runtime=Runtime(
            Probe(
                """
                fresh = torch.autograd.grad(bce(D(G(torch.randn(16, 8))), torch.ones(16, 1)), G.bias)[0]
                symptom = bool(G.bias.grad.norm() > 2 * fresh.norm())
                """,
                "G.bias.grad holds the sum of every iteration's generator gradient",
            ),
            outputs="(G, D)",
            reference="""
            import torch

            def train_gan(G, D, loader, bce, z_dim=64):
                opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
                opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
                for real in loader:
                    fake = G(torch.randn(real.size(0), z_dim))
                    opt_d.zero_grad()
                    d_real = bce(D(real), torch.ones(real.size(0), 1))
                    d_fake = bce(D(fake.detach()), torch.zeros(real.size(0), 1))
                    (d_real + d_fake).backward()
                    opt_d.step()
                    opt_g.zero_grad()
                    bce(D(fake), torch.ones(real.size(0), 1)).backward()
                    opt_g.step()
            """,
            driver="""
            from torch import nn

            G, D = nn.Linear(8, 2), nn.Linear(2, 1)
            bce = nn.BCEWithLogitsLoss()
            train_gan(G, D, [torch.randn(16, 2) + 2.0] * 5, bce, z_dim=8)
            """,
        ),
    ),
    Example(
        "a train_step helper called from the epoch loop",
        """
        import torch
        import torch.nn.functional as F

        def train_step(model, optimizer, x, y):
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()  # expect: PTL204
            return loss.item()

        def fit(model, loader, epochs=10):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(epochs):
                for x, y in loader:
                    train_step(model, opt, x, y)
        """,
        fixed="""
        import torch
        import torch.nn.functional as F

        def train_step(model, optimizer, x, y):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()

        def fit(model, loader, epochs=10):
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(epochs):
                for x, y in loader:
                    train_step(model, opt, x, y)
        """,
        runtime=Runtime(
            ACCUMULATED,
            outputs="model",
            reference="""
            import torch
            import torch.nn.functional as F

            def train_step(model, optimizer, x, y):
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
                return loss.item()

            def fit(model, loader, epochs=10):
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                for epoch in range(epochs):
                    for x, y in loader:
                        train_step(model, opt, x, y)
            """,
            driver="""
            model, loss_fn = torch.nn.Linear(4, 3), F.cross_entropy
            x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
            fit(model, [(x, y)], epochs=5)
            """,
        ),
    ),
    # -- good ---------------------------------------------------------------------------------------
    Example(
        "zero_grad in every iteration",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.MSELoss()
        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        for epoch in range(5):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        """,
        runtime=Runtime(ACCUMULATED),
    ),
    Example(
        "gradient accumulation over four batches",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.MSELoss()
        x = torch.randn(32, 3)
        y = x.sum(dim=1, keepdim=True)
        for i in range(8):
            loss = loss_fn(model(x), y) / 4
            loss.backward()
            if (i + 1) % 4 == 0:
                optimizer.step()
                optimizer.zero_grad()
        """,
        runtime=Runtime(),
    ),
    Example(
        "gradients set to None by hand",
        """
        import torch
        from torch import nn

        model = nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.MSELoss()
        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        for epoch in range(5):
            for p in model.parameters():
                p.grad = None
            loss_fn(model(x), y).backward()
            optimizer.step()
        loss = loss_fn(model(x), y)
        """,
        runtime=Runtime(ACCUMULATED),
    ),
    Example(
        "the reset lives in a helper the loop calls",
        """
        import torch

        def clear(model, optimizer):
            optimizer.zero_grad(set_to_none=True)

        def train(model, batches, loss_fn):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in batches:
                clear(model, optimizer)
                loss_fn(model(x), y).backward()
                optimizer.step()
        """,
    ),
    Example(
        "LBFGS with a closure, a scheduler and an environment step",
        """
        import torch

        def fit(model, x, y, loss_fn, env, policy):
            optimizer = torch.optim.LBFGS(model.parameters())
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
            for _ in range(20):
                def closure():
                    optimizer.zero_grad()
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    return loss
                optimizer.step(closure)
                scheduler.step()
                observation, reward, done, info = env.step(policy(x))
        """,
    ),
    Example(
        "micro-batches accumulated within an epoch that starts with zero_grad",
        """
        import torch

        def train(model, epochs, micro_batches, loss_fn):
            optimizer = torch.optim.Adam(model.parameters())
            for epoch in range(epochs):
                optimizer.zero_grad()
                for x, y in micro_batches:
                    loss_fn(model(x), y).backward()
                optimizer.step()
        """,
    ),
    Example(
        "gradient descent by hand that never resets w.grad",
        """
        import torch

        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        w = torch.zeros(3, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for epoch in range(5):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad  # expect: PTL204
                b -= 0.01 * b.grad  # expect: PTL204
        """,
        fixed="""
        import torch

        x = torch.randn(32, 3)
        y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
        w = torch.zeros(3, 1, requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        for epoch in range(5):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad
                w.grad = None
                b -= 0.01 * b.grad
                b.grad = None
        """,
        # Intended: each update uses that epoch's gradient only.
        runtime=Runtime(
            MANUAL_ACCUMULATED,
            outputs="(w, b)",
            reference="""
            import torch

            x = torch.randn(32, 3)
            y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0
            w = torch.zeros(3, 1, requires_grad=True)
            b = torch.zeros(1, requires_grad=True)
            for epoch in range(5):
                loss = ((x @ w + b - y) ** 2).mean()
                loss.backward()
                with torch.no_grad():
                    w -= 0.01 * w.grad
                    b -= 0.01 * b.grad
                w.grad.zero_()
                b.grad.zero_()
            """,
        ),
    ),
)
