"""Examples of PTL201 backward-through-freed-graph (kept apart: they are long)."""

from pt_lsp.core.examples import Example, Raises, Runtime

BACKWARD_TWICE = Raises("RuntimeError", r"Trying to backward through the graph a second time")
MODIFIED_IN_PLACE = Raises("RuntimeError", r"modified by an inplace operation")

EXAMPLES = (
    Example(
        "a GAN's discriminator stepped between two backwards through the kept graph",
        """
        import torch
        from torch import nn

        G, D = nn.Linear(2, 4), nn.Linear(4, 1)
        opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
        fake = G(torch.randn(8, 2))
        prob = torch.sigmoid(D(fake))
        d_loss = -torch.log(1.0 - prob).mean()
        g_loss = torch.log(1.0 - prob).mean()
        opt_D.zero_grad()
        d_loss.backward(retain_graph=True)
        opt_D.step()
        opt_G.zero_grad()
        g_loss.backward()  # expect: PTL201
        opt_G.step()
        """,
        runtime=Runtime(MODIFIED_IN_PLACE),
    ),
    Example(
        "the discriminator stepped after the last backward through the kept graph",
        """
        import torch
        from torch import nn

        G, D = nn.Linear(2, 4), nn.Linear(4, 1)
        opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
        fake = G(torch.randn(8, 2))
        prob = torch.sigmoid(D(fake))
        d_loss = -torch.log(1.0 - prob).mean()
        g_loss = torch.log(1.0 - prob).mean()
        opt_D.zero_grad()
        opt_G.zero_grad()
        d_loss.backward(retain_graph=True)
        g_loss.backward()
        opt_D.step()
        opt_G.step()
        """,
        runtime=Runtime(),
    ),
    Example(
        "the same loss backwarded twice",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        x = torch.randn(3)
        loss = (w * x).sigmoid().sum()
        loss.backward()
        loss.backward()  # expect: PTL201
        """,
        fixed="""
        import torch

        w = torch.randn(3, requires_grad=True)
        x = torch.randn(3)
        loss = (w * x).sigmoid().sum()
        loss.backward(retain_graph=True)
        loss.backward()
        """,
        # The graph reused on purpose: the gradient of the loss, accumulated twice.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="w.grad",
            reference="""
            import torch

            w = torch.randn(3, requires_grad=True)
            x = torch.randn(3)
            s = (w * x).sigmoid()
            w.grad = 2 * (s * (1 - s) * x).detach()
            """,
        ),
    ),
    Example(
        "RNN hidden state carried across training steps",
        """
        import torch
        import torch.nn as nn

        rnn = nn.RNN(8, 16)
        head = nn.Linear(16, 1)
        opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.1)
        hidden = torch.zeros(1, 4, 16)
        for step in range(3):
            x = torch.randn(5, 4, 8)
            out, hidden = rnn(x, hidden)
            loss = head(out).pow(2).mean()
            opt.zero_grad()
            loss.backward()  # expect: PTL201
            opt.step()
        """,
        fixed="""
        import torch
        import torch.nn as nn

        rnn = nn.RNN(8, 16)
        head = nn.Linear(16, 1)
        opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.1)
        hidden = torch.zeros(1, 4, 16)
        for step in range(3):
            hidden = hidden.detach()
            x = torch.randn(5, 4, 8)
            out, hidden = rnn(x, hidden)
            loss = head(out).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        """,
        # Intended: truncated backpropagation, the state carried as a value into the next step.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="(rnn, head, hidden)",
            reference="""
            import torch
            import torch.nn as nn

            rnn = nn.RNN(8, 16)
            head = nn.Linear(16, 1)
            opt = torch.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.1)
            hidden = torch.zeros(1, 4, 16)
            for step in range(3):
                x = torch.randn(5, 4, 8)
                out, hidden = rnn(x, hidden.detach())
                loss = head(out).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            """,
        ),
    ),
    Example(
        "LSTM language model returning its (h, c) state",
        """
        import torch
        from torch import nn

        class LanguageModel(nn.Module):
            def __init__(self, vocab=50, hidden=32):
                super().__init__()
                self.embed = nn.Embedding(vocab, hidden)
                self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
                self.out = nn.Linear(hidden, vocab)

            def forward(self, tokens, state):
                output, state = self.lstm(self.embed(tokens), state)
                return self.out(output), state

        model = LanguageModel()
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters())
        state = (torch.zeros(1, 2, 32), torch.zeros(1, 2, 32))
        stream = torch.randint(0, 50, (2, 41))
        for i in range(0, 40, 10):
            inputs, targets = stream[:, i:i + 10], stream[:, i + 1:i + 11]
            logits, state = model(inputs, state)
            loss = criterion(logits.reshape(-1, 50), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()  # expect: PTL201
            optimizer.step()
        """,
        fixed="""
        import torch
        from torch import nn

        class LanguageModel(nn.Module):
            def __init__(self, vocab=50, hidden=32):
                super().__init__()
                self.embed = nn.Embedding(vocab, hidden)
                self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
                self.out = nn.Linear(hidden, vocab)

            def forward(self, tokens, state):
                output, state = self.lstm(self.embed(tokens), state)
                return self.out(output), state

        model = LanguageModel()
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters())
        state = (torch.zeros(1, 2, 32), torch.zeros(1, 2, 32))
        stream = torch.randint(0, 50, (2, 41))
        for i in range(0, 40, 10):
            state = tuple(h.detach() for h in state)
            inputs, targets = stream[:, i:i + 10], stream[:, i + 1:i + 11]
            logits, state = model(inputs, state)
            loss = criterion(logits.reshape(-1, 50), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        """,
        # Intended: the word_language_model example's repackaged hidden state.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="(model, state)",
            reference="""
            import torch
            from torch import nn

            class LanguageModel(nn.Module):
                def __init__(self, vocab=50, hidden=32):
                    super().__init__()
                    self.embed = nn.Embedding(vocab, hidden)
                    self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
                    self.out = nn.Linear(hidden, vocab)

                def forward(self, tokens, state):
                    output, state = self.lstm(self.embed(tokens), state)
                    return self.out(output), state

            def repackage_hidden(h):
                return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)

            model = LanguageModel()
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.Adam(model.parameters())
            state = (torch.zeros(1, 2, 32), torch.zeros(1, 2, 32))
            stream = torch.randint(0, 50, (2, 41))
            for i in range(0, 40, 10):
                inputs, targets = stream[:, i:i + 10], stream[:, i + 1:i + 11]
                logits, state = model(inputs, repackage_hidden(state))
                loss = criterion(logits.reshape(-1, 50), targets.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            """,
        ),
    ),
    Example(
        "GAN: the discriminator step frees the generator's graph",
        """
        import torch
        import torch.nn as nn

        G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
        opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
        opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
        bce = nn.BCEWithLogitsLoss()
        real = torch.randn(16, 2)
        z = torch.randn(16, 4)
        fake = G(z)
        d_loss = bce(D(real), torch.ones(16, 1)) + bce(D(fake), torch.zeros(16, 1))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = bce(D(fake), torch.ones(16, 1))
        opt_g.zero_grad()
        g_loss.backward()  # expect: PTL201
        opt_g.step()
        """,
        fixed="""
        import torch
        import torch.nn as nn

        G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
        opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
        opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
        bce = nn.BCEWithLogitsLoss()
        real = torch.randn(16, 2)
        z = torch.randn(16, 4)
        fake = G(z)
        d_loss = bce(D(real), torch.ones(16, 1)) + bce(D(fake.detach()), torch.zeros(16, 1))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = bce(D(fake), torch.ones(16, 1))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        """,
        # Intended: the DCGAN example's discriminator step on a detached copy of the fakes.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="(G, D)",
            reference="""
            import torch
            import torch.nn as nn

            G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
            D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
            opt_g = torch.optim.Adam(G.parameters(), lr=1e-3)
            opt_d = torch.optim.Adam(D.parameters(), lr=1e-3)
            bce = nn.BCEWithLogitsLoss()
            real = torch.randn(16, 2)
            z = torch.randn(16, 4)
            fake = G(z)
            opt_d.zero_grad()
            err_real = bce(D(real), torch.ones(16, 1))
            err_fake = bce(D(fake.detach()), torch.zeros(16, 1))
            (err_real + err_fake).backward()
            opt_d.step()
            opt_g.zero_grad()
            bce(D(fake), torch.ones(16, 1)).backward()
            opt_g.step()
            """,
        ),
    ),
    Example(
        "multi-task heads on a shared trunk, backwarded one after the other",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn

        trunk = nn.Linear(10, 32)
        head_a = nn.Linear(32, 1)
        head_b = nn.Linear(32, 3)
        x, ya, yb = torch.randn(8, 10), torch.randn(8, 1), torch.randint(0, 3, (8,))
        feat = torch.relu(trunk(x))
        loss_a = F.mse_loss(head_a(feat), ya)
        loss_b = F.cross_entropy(head_b(feat), yb)
        loss_a.backward()
        loss_b.backward()  # expect: PTL201
        """,
        fixed="""
        import torch
        import torch.nn.functional as F
        from torch import nn

        trunk = nn.Linear(10, 32)
        head_a = nn.Linear(32, 1)
        head_b = nn.Linear(32, 3)
        x, ya, yb = torch.randn(8, 10), torch.randn(8, 1), torch.randint(0, 3, (8,))
        feat = torch.relu(trunk(x))
        loss_a = F.mse_loss(head_a(feat), ya)
        loss_b = F.cross_entropy(head_b(feat), yb)
        (loss_a + loss_b).backward()
        """,
        # Intended: both losses' gradients accumulated, the graph kept for the second backward.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="[p.grad for m in (trunk, head_a, head_b) for p in m.parameters()]",
            reference="""
            import torch
            import torch.nn.functional as F
            from torch import nn

            trunk = nn.Linear(10, 32)
            head_a = nn.Linear(32, 1)
            head_b = nn.Linear(32, 3)
            x, ya, yb = torch.randn(8, 10), torch.randn(8, 1), torch.randint(0, 3, (8,))
            feat = torch.relu(trunk(x))
            loss_a = F.mse_loss(head_a(feat), ya)
            loss_b = F.cross_entropy(head_b(feat), yb)
            loss_a.backward(retain_graph=True)
            loss_b.backward()
            """,
        ),
    ),
    Example(
        "features computed once before the training loop",
        """
        import torch
        from torch import nn

        encoder = nn.Linear(16, 8)
        head = nn.Linear(8, 1)
        opt = torch.optim.SGD(head.parameters(), lr=0.01)
        data = torch.randn(32, 16)
        features = torch.tanh(encoder(data))
        for epoch in range(5):
            loss = head(features).pow(2).mean()
            opt.zero_grad()
            loss.backward()  # expect: PTL201
            opt.step()
        """,
        runtime=Runtime(symptom=BACKWARD_TWICE),
    ),
    Example(
        "torch.autograd.grad without retain_graph, then backward",
        """
        import torch

        x = torch.randn(4, requires_grad=True)
        y = (x ** 3).sum()
        (dy_dx,) = torch.autograd.grad(y, x)
        y.backward()  # expect: PTL201
        """,
        fixed="""
        import torch

        x = torch.randn(4, requires_grad=True)
        y = (x ** 3).sum()
        (dy_dx,) = torch.autograd.grad(y, x, retain_graph=True)
        y.backward()
        """,
        # Intended: the derivative 3x^2, both returned and accumulated into x.grad.
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="(dy_dx, x.grad)",
            reference="""
            import torch

            x = torch.randn(4, requires_grad=True)
            dy_dx = 3 * x.detach() ** 2
            x.grad = dy_dx.clone()
            """,
        ),
    ),
    Example(
        "actor-critic: policy and value losses of one network backwarded separately",
        """
        import torch
        from torch import nn

        class ActorCritic(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 64)
                self.policy = nn.Linear(64, 2)
                self.value = nn.Linear(64, 1)

            def forward(self, obs):
                h = torch.relu(self.body(obs))
                return self.policy(h).log_softmax(-1), self.value(h)

        def update(net, optimizer, obs, actions, returns):
            log_probs, values = net(obs)
            advantage = returns - values.squeeze(-1)
            actor_loss = -(log_probs.gather(1, actions[:, None]).squeeze(1) * advantage.detach()).mean()
            critic_loss = advantage.pow(2).mean()
            optimizer.zero_grad()
            actor_loss.backward()
            critic_loss.backward()  # expect: PTL201
            optimizer.step()
        """,
        fixed="""
        import torch
        from torch import nn

        class ActorCritic(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 64)
                self.policy = nn.Linear(64, 2)
                self.value = nn.Linear(64, 1)

            def forward(self, obs):
                h = torch.relu(self.body(obs))
                return self.policy(h).log_softmax(-1), self.value(h)

        def update(net, optimizer, obs, actions, returns):
            log_probs, values = net(obs)
            advantage = returns - values.squeeze(-1)
            actor_loss = -(log_probs.gather(1, actions[:, None]).squeeze(1) * advantage.detach()).mean()
            critic_loss = advantage.pow(2).mean()
            optimizer.zero_grad()
            (actor_loss + critic_loss).backward()
            optimizer.step()
        """,
        # Intended: one update with both losses' gradients (the graph kept for the second one).
        runtime=Runtime(
            symptom=BACKWARD_TWICE,
            outputs="net",
            reference="""
            import torch
            from torch import nn

            class ActorCritic(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Linear(4, 64)
                    self.policy = nn.Linear(64, 2)
                    self.value = nn.Linear(64, 1)

                def forward(self, obs):
                    h = torch.relu(self.body(obs))
                    return self.policy(h).log_softmax(-1), self.value(h)

            def update(net, optimizer, obs, actions, returns):
                log_probs, values = net(obs)
                advantage = returns - values.squeeze(-1)
                actor_loss = -(log_probs.gather(1, actions[:, None]).squeeze(1) * advantage.detach()).mean()
                critic_loss = advantage.pow(2).mean()
                optimizer.zero_grad()
                actor_loss.backward(retain_graph=True)
                critic_loss.backward()
                optimizer.step()
            """,
            driver="""
            net = ActorCritic()
            optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
            obs, actions, returns = torch.randn(6, 4), torch.randint(0, 2, (6,)), torch.randn(6)
            update(net, optimizer, obs, actions, returns)
            """,
        ),
    ),
    # -- good -------------------------------------------------------------------------------------
    Example(
        "a training loop that builds a new graph every iteration",
        """
        import torch
        from torch import nn

        model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(3):
            x, y = torch.randn(8, 10), torch.randn(8, 1)
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        """,
        runtime=Runtime(),
    ),
    Example(
        "retain_graph=True on the first of two backward calls",
        """
        import torch

        w = torch.randn(3, requires_grad=True)
        loss = (w.exp() * 2).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "hidden state detached at every step (truncated BPTT)",
        """
        import torch
        import torch.nn as nn

        lstm = nn.LSTM(8, 16)
        opt = torch.optim.SGD(lstm.parameters(), lr=0.1)
        h, c = torch.zeros(1, 2, 16), torch.zeros(1, 2, 16)
        for step in range(3):
            h, c = h.detach(), c.detach()
            out, (h, c) = lstm(torch.randn(5, 2, 8), (h, c))
            loss = out.pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        """,
        runtime=Runtime(),
    ),
    Example(
        "repackage_hidden from the word_language_model example",
        """
        import torch

        def repackage_hidden(h):
            if isinstance(h, torch.Tensor):
                return h.detach()
            else:
                return tuple(repackage_hidden(v) for v in h)

        def train(model, criterion, batches, hidden):
            for data, targets in batches:
                hidden = repackage_hidden(hidden)
                model.zero_grad()
                output, hidden = model(data, hidden)
                loss = criterion(output, targets)
                loss.backward()
        """,
    ),
    Example(
        "GAN with the generator output detached for the discriminator",
        """
        import torch
        import torch.nn as nn

        G = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
        bce = nn.BCEWithLogitsLoss()
        fake = G(torch.randn(16, 4))
        d_loss = bce(D(fake.detach()), torch.zeros(16, 1))
        d_loss.backward()
        g_loss = bce(D(fake), torch.ones(16, 1))
        g_loss.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "two losses summed and backwarded once",
        """
        import torch
        from torch import nn

        trunk, head_a, head_b = nn.Linear(10, 32), nn.Linear(32, 1), nn.Linear(32, 1)
        feat = trunk(torch.randn(4, 10))
        loss = head_a(feat).mean() + head_b(feat).pow(2).mean()
        loss.backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "backward in one branch or the other, losses from an unknown helper",
        """
        def run_epoch(model, loader, compute_loss, train=True):
            for batch in loader:
                loss = compute_loss(model, batch)
                if train:
                    loss.backward()
                else:
                    print(loss.item())
        """,
    ),
    Example(
        "REINFORCE: log-probabilities cleared after each episode",
        """
        import torch
        from torch.distributions import Categorical

        policy = torch.nn.Linear(4, 2)
        optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
        saved_log_probs = []
        for episode in range(3):
            for t in range(5):
                probs = torch.softmax(policy(torch.randn(4)), -1)
                dist = Categorical(probs)
                action = dist.sample()
                saved_log_probs.append(dist.log_prob(action))
            loss = -torch.stack(saved_log_probs).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            del saved_log_probs[:]
        """,
        runtime=Runtime(),
    ),
    Example(
        "the losses a model returns as a tuple, backwarded one by one",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class TwoHeads(nn.Module):
            def __init__(self):
                super().__init__()
                self.trunk = nn.Linear(6, 8)
                self.cls = nn.Linear(8, 3)
                self.reg = nn.Linear(8, 1)

            def losses(self, x, y, t):
                h = torch.relu(self.trunk(x))
                return F.cross_entropy(self.cls(h), y), F.mse_loss(self.reg(h).squeeze(1), t)


        model = TwoHeads()
        for loss in model.losses(torch.randn(4, 6), torch.randint(0, 3, (4,)), torch.randn(4)):
            loss.backward()  # expect: PTL201
        """,
        runtime=Runtime(symptom=BACKWARD_TWICE),
    ),
    Example(
        "the losses a model returns as a tuple, summed and backwarded once",
        """
        import torch
        import torch.nn.functional as F
        from torch import nn


        class TwoHeads(nn.Module):
            def __init__(self):
                super().__init__()
                self.trunk = nn.Linear(6, 8)
                self.cls = nn.Linear(8, 3)
                self.reg = nn.Linear(8, 1)

            def losses(self, x, y, t):
                h = torch.relu(self.trunk(x))
                return F.cross_entropy(self.cls(h), y), F.mse_loss(self.reg(h).squeeze(1), t)


        model = TwoHeads()
        sum(model.losses(torch.randn(4, 6), torch.randint(0, 3, (4,)), torch.randn(4))).backward()
        """,
        runtime=Runtime(),
    ),
    Example(
        "a backward for each element of a comprehension over one generated batch",
        """
        import torch
        from torch import nn

        gen, critic = nn.Sequential(nn.Linear(8, 12), nn.Tanh()), nn.Linear(12, 1)


        def saliency(x):
            x.retain_grad()
            score = critic(x).sum()
            score.backward()  # expect: PTL201
            return x.grad.abs()


        fake = gen(torch.randn(4, 8))
        maps = [saliency(fake[i : i + 1]) for i in range(4)]
        """,
        runtime=Runtime(symptom=BACKWARD_TWICE),
    ),
    Example(
        "a loss bound in each branch of a setting's if/elif chain",
        """
        import torch
        from torch import nn

        D = nn.Linear(4, 1)
        opt = torch.optim.SGD(D.parameters(), lr=0.1)
        gan_type = "WGAN"
        fake, real = torch.randn(8, 4), torch.randn(8, 4)
        for _ in range(3):
            d_fake, d_real = D(fake), D(real)
            if gan_type == "GAN":
                loss_d = d_fake.mean() + d_real.mean()
            elif gan_type.find("WGAN") >= 0:
                loss_d = (d_fake - d_real).mean()
            opt.zero_grad()
            loss_d.backward()
            opt.step()
        """,
        runtime=Runtime(),
    ),
)
