"""PTL202 through the project's other files (issue 11, session 13, H-202): a model, a loss or a
helper imported from models.py / losses.py / utils.py (or a package) of the project.

Each case is our own program package, written for this test. Under torch 2.13 every `main` file
raises "RuntimeError: grad can be implicitly created only for scalar outputs" at its marked
`backward()` (run from its folder; the relative-import case as `python -m pkg.train`); every fixed
neighbour (`ok.py`, `pkg/ok.py`) runs to the end. Before this change, 1 of these 25 was reported
(`per_token_loss_of_project_seq2seq`, whose loss is built in the main file); the project's classes
and functions that core/flow/project.py resolves are now read by a prover of their own file
(rules/autograd/_shape_project.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pt_lsp.core.engine import lint_source
from pt_lsp.core.selection import Selection

# name -> (main file, {path: text}); the main file's `backward()` line ends with `# fails`
CASES: dict[str, tuple[str, dict[str, str]]] = {
    "criterion_given_to_project_model": (
        "train.py",
        {
            "models.py": "import torch.nn as nn\n\n\nclass Regressor(nn.Module):\n    def __init__(self, criterion, in_dim=6, out_dim=3):\n        super().__init__()\n        self.fc = nn.Linear(in_dim, out_dim)\n        self.criterion = criterion\n\n    def forward(self, x, y):\n        return self.criterion(self.fc(x), y)\n",
            "ok.py": "import torch\nimport torch.nn as nn\nfrom models import Regressor\n\nmodel = Regressor(nn.SmoothL1Loss())\nloss = model(torch.randn(10, 6), torch.randn(10, 3))\nloss.backward()\n",
            "train.py": 'import torch\nimport torch.nn as nn\nfrom models import Regressor\n\nmodel = Regressor(nn.SmoothL1Loss(reduction="none"))\nx = torch.randn(10, 6)\ny = torch.randn(10, 3)\nloss = model(x, y)\nloss.backward()  # fails\n',
        },
    ),
    "bool_reduce_flag_of_project_loss": (
        "train.py",
        {
            "losses.py": 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass BinaryFocalLoss(nn.Module):\n    def __init__(self, alpha=1.0, gamma=2.0, reduce=True):\n        super().__init__()\n        self.alpha = alpha\n        self.gamma = gamma\n        self.reduce = reduce\n\n    def forward(self, inputs, targets):\n        bce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")\n        pt = torch.exp(-bce)\n        focal = self.alpha * (1 - pt) ** self.gamma * bce\n        if self.reduce:\n            return torch.mean(focal)\n        return focal\n',
            "ok.py": "import torch\nimport torch.nn as nn\nfrom losses import BinaryFocalLoss\n\nmodel = nn.Linear(10, 1)\ncriterion = BinaryFocalLoss(gamma=2.0)\nloss = criterion(model(torch.randn(32, 10)), torch.randint(0, 2, (32, 1)).float())\nloss.backward()\n",
            "train.py": "import torch\nimport torch.nn as nn\nfrom losses import BinaryFocalLoss\n\nmodel = nn.Linear(10, 1)\ncriterion = BinaryFocalLoss(gamma=2.0, reduce=False)\nx = torch.randn(32, 10)\ny = torch.randint(0, 2, (32, 1)).float()\nloss = criterion(model(x), y)\nloss.backward()  # fails\n",
        },
    ),
    "per_pixel_dice_of_project_unet": (
        "train.py",
        {
            "losses.py": "import torch\nimport torch.nn as nn\n\n\nclass SoftDiceLoss(nn.Module):\n    def __init__(self, smooth=1.0):\n        super().__init__()\n        self.smooth = smooth\n\n    def forward(self, logits, target):\n        probs = torch.sigmoid(logits)\n        inter = (probs * target).sum(dim=(2, 3))\n        union = probs.sum(dim=(2, 3)) + target.sum(dim=(2, 3))\n        return 1 - (2 * inter + self.smooth) / (union + self.smooth)\n",
            "nets/__init__.py": "from .unet import TinyUNet\n",
            "nets/unet.py": "import torch.nn as nn\n\n\nclass TinyUNet(nn.Module):\n    def __init__(self, in_ch=3, n_classes=2):\n        super().__init__()\n        self.enc = nn.Conv2d(in_ch, 8, 3, padding=1)\n        self.act = nn.ReLU()\n        self.out = nn.Conv2d(8, n_classes, 1)\n\n    def forward(self, x):\n        return self.out(self.act(self.enc(x)))\n",
            "ok.py": "import torch\nfrom losses import SoftDiceLoss\nfrom nets import TinyUNet\n\nnet = TinyUNet(n_classes=2)\nloss = SoftDiceLoss()(net(torch.randn(4, 3, 32, 32)), torch.randint(0, 2, (4, 2, 32, 32)).float()).mean()\nloss.backward()\n",
            "train.py": "import torch\nfrom losses import SoftDiceLoss\nfrom nets import TinyUNet\n\nnet = TinyUNet(n_classes=2)\ncriterion = SoftDiceLoss()\nimages = torch.randn(4, 3, 32, 32)\nmasks = torch.randint(0, 2, (4, 2, 32, 32)).float()\nloss = criterion(net(images), masks)\nloss.backward()  # fails\n",
        },
    ),
    "nt_xent_helper_per_sample": (
        "train.py",
        {
            "losses.py": "import torch\nimport torch.nn.functional as F\n\n\ndef nt_xent(z_i, z_j, tau=0.5):\n    z = F.normalize(torch.cat([z_i, z_j], dim=0), dim=1)\n    sim = torch.exp(z @ z.t() / tau)\n    n = z_i.shape[0]\n    pos = torch.exp((z_i * z_j).sum(dim=-1) / tau)\n    pos = torch.cat([pos, pos], dim=0)\n    return -torch.log(pos / (sim.sum(dim=1) - torch.exp(torch.tensor(1.0 / tau))))\n",
            "models.py": "import torch.nn as nn\n\n\nclass Projector(nn.Module):\n    def __init__(self, in_dim=64, out_dim=32):\n        super().__init__()\n        self.mlp = nn.Sequential(nn.Linear(in_dim, in_dim), nn.ReLU(), nn.Linear(in_dim, out_dim))\n\n    def forward(self, h):\n        return self.mlp(h)\n",
            "ok.py": "import torch\nfrom losses import nt_xent\nfrom models import Projector\n\nproj = Projector()\nloss = nt_xent(proj(torch.randn(16, 64)), proj(torch.randn(16, 64))).mean()\nloss.backward()\n",
            "train.py": "import torch\nfrom losses import nt_xent\nfrom models import Projector\n\nproj = Projector()\nh1, h2 = torch.randn(16, 64), torch.randn(16, 64)\nloss = nt_xent(proj(h1), proj(h2))\nloss.backward()  # fails\n",
        },
    ),
    "per_token_loss_of_project_seq2seq": (
        "train.py",
        {
            "model.py": "import torch.nn as nn\n\n\nclass Seq2Seq(nn.Module):\n    def __init__(self, vocab=100, dim=32):\n        super().__init__()\n        self.emb = nn.Embedding(vocab, dim)\n        self.rnn = nn.GRU(dim, dim, batch_first=True)\n        self.out = nn.Linear(dim, vocab)\n\n    def forward(self, src):\n        h, _ = self.rnn(self.emb(src))\n        return self.out(h)\n",
            "ok.py": 'import torch\nimport torch.nn as nn\nfrom model import Seq2Seq\n\nmodel = Seq2Seq(vocab=100)\ncriterion = nn.CrossEntropyLoss(ignore_index=0, reduction="none")\nsrc = torch.randint(1, 100, (8, 12))\ntgt = torch.randint(0, 100, (8, 12))\nper_token = criterion(model(src).view(-1, 100), tgt.view(-1))\nmask = (tgt.view(-1) != 0).float()\n((per_token * mask).sum() / mask.sum()).backward()\n',
            "train.py": 'import torch\nimport torch.nn as nn\nfrom model import Seq2Seq\n\nVOCAB = 100\nmodel = Seq2Seq(vocab=VOCAB)\ncriterion = nn.CrossEntropyLoss(ignore_index=0, reduction="none")\nsrc = torch.randint(1, VOCAB, (8, 12))\ntgt = torch.randint(1, VOCAB, (8, 12))\nlogits = model(src)\nloss = criterion(logits.view(-1, VOCAB), tgt.view(-1))\nloss.backward()  # fails\n',
        },
    ),
    "unpacked_tuple_of_project_model": (
        "train.py",
        {
            "models.py": "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Linear(10, 16)\n        self.cls = nn.Linear(16, 4)\n\n    def forward(self, x):\n        feat = self.body(x).relu()\n        return self.cls(feat), feat\n",
            "ok.py": "import torch\nimport torch.nn.functional as F\nfrom models import Net\n\nnet = Net()\nlogits, feats = net(torch.randn(8, 10))\nF.cross_entropy(logits, torch.randint(0, 4, (8,))).backward()\n",
            "train.py": "import torch\nfrom models import Net\n\nnet = Net()\nx = torch.randn(8, 10)\npairs = [(torch.randn(2, 3), torch.randn(2, 3))]\na, b = pairs[0]\nlogits, feats = net(x)\nlogits.backward()  # fails\n",
        },
    ),
    "model_returns_per_sample_loss": (
        "train.py",
        {
            "models.py": 'import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Classifier(nn.Module):\n    def __init__(self, in_dim=32, num_classes=5):\n        super().__init__()\n        self.body = nn.Sequential(nn.Linear(in_dim, 64), nn.ReLU())\n        self.head = nn.Linear(64, num_classes)\n\n    def forward(self, x, labels=None):\n        logits = self.head(self.body(x))\n        if labels is None:\n            return logits\n        return F.cross_entropy(logits, labels, reduction="none")\n',
            "ok.py": "import torch\nimport torch.nn.functional as F\nfrom models import Classifier\n\nmodel = Classifier()\nx = torch.randn(16, 32)\ny = torch.randint(0, 5, (16,))\nloss = F.cross_entropy(model(x), y)\nloss.backward()\nloss2 = model(x, y).mean()\nloss2.backward()\n",
            "train.py": "import torch\nfrom models import Classifier\n\nmodel = Classifier()\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\nx = torch.randn(16, 32)\ny = torch.randint(0, 5, (16,))\nloss = model(x, y)\nopt.zero_grad()\nloss.backward()  # fails\nopt.step()\n",
        },
    ),
    "focal_loss_none_by_default": (
        "train.py",
        {
            "losses.py": 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass FocalLoss(nn.Module):\n    def __init__(self, gamma=2.0, reduction="none"):\n        super().__init__()\n        self.gamma = gamma\n        self.reduction = reduction\n\n    def forward(self, logits, target):\n        ce = F.cross_entropy(logits, target, reduction="none")\n        pt = torch.exp(-ce)\n        loss = (1 - pt) ** self.gamma * ce\n        if self.reduction == "mean":\n            return loss.mean()\n        if self.reduction == "sum":\n            return loss.sum()\n        return loss\n',
            "ok.py": 'import torch\nimport torch.nn as nn\nfrom losses import FocalLoss\n\nnet = nn.Sequential(nn.Linear(20, 50), nn.ReLU(), nn.Linear(50, 4))\ncriterion = FocalLoss(gamma=2.0, reduction="mean")\nloss = criterion(net(torch.randn(8, 20)), torch.randint(0, 4, (8,)))\nloss.backward()\n',
            "train.py": "import torch\nimport torch.nn as nn\nfrom losses import FocalLoss\n\nnet = nn.Sequential(nn.Linear(20, 50), nn.ReLU(), nn.Linear(50, 4))\ncriterion = FocalLoss(gamma=2.0)\noptimizer = torch.optim.Adam(net.parameters())\n\n\ndef train_step(inputs, targets):\n    optimizer.zero_grad()\n    loss = criterion(net(inputs), targets)\n    loss.backward()  # fails\n    optimizer.step()\n\n\ntrain_step(torch.randn(8, 20), torch.randint(0, 4, (8,)))\n",
        },
    ),
    "saliency_raw_output": (
        "saliency.py",
        {
            "models.py": "import torch.nn as nn\n\n\nclass SmallCNN(nn.Module):\n    def __init__(self, num_classes=10):\n        super().__init__()\n        self.features = nn.Sequential(\n            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()\n        )\n        self.fc = nn.Linear(16, num_classes)\n\n    def forward(self, x):\n        return self.fc(self.features(x))\n",
            "ok.py": "import torch\nfrom models import SmallCNN\n\nmodel = SmallCNN(num_classes=10)\nimage = torch.rand(1, 3, 32, 32, requires_grad=True)\nscores = model(image)\nscores[0, scores.argmax()].backward()\nprint(image.grad.shape)\n",
            "saliency.py": "import torch\nfrom models import SmallCNN\n\nmodel = SmallCNN(num_classes=10)\nmodel.eval()\nimage = torch.rand(1, 3, 32, 32, requires_grad=True)\nscores = model(image)\nscores.backward()  # fails\nsaliency = image.grad.abs().max(dim=1)[0]\nprint(saliency.shape)\n",
        },
    ),
    "ddpg_critic_without_mean": (
        "ddpg.py",
        {
            "ddpg.py": "import torch\nfrom models import Actor, Critic\n\nactor = Actor(8, 2)\ncritic = Critic(8, 2)\nactor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)\nstate = torch.randn(64, 8)\nactor_loss = -critic(state, actor(state))\nactor_opt.zero_grad()\nactor_loss.backward()  # fails\nactor_opt.step()\n",
            "models.py": "import torch\nimport torch.nn as nn\n\n\nclass Actor(nn.Module):\n    def __init__(self, state_dim, action_dim):\n        super().__init__()\n        self.net = nn.Sequential(nn.Linear(state_dim, 64), nn.ReLU(), nn.Linear(64, action_dim), nn.Tanh())\n\n    def forward(self, s):\n        return self.net(s)\n\n\nclass Critic(nn.Module):\n    def __init__(self, state_dim, action_dim):\n        super().__init__()\n        self.l1 = nn.Linear(state_dim + action_dim, 64)\n        self.l2 = nn.Linear(64, 1)\n\n    def forward(self, s, a):\n        return self.l2(torch.relu(self.l1(torch.cat([s, a], dim=1))))\n",
            "ok.py": "import torch\nfrom models import Actor, Critic\n\nactor = Actor(8, 2)\ncritic = Critic(8, 2)\nstate = torch.randn(1, 8)\nactor_loss = -critic(state, actor(state))\nactor_loss.backward()\n",
        },
    ),
    "criterion_from_factory": (
        "train.py",
        {
            "ok.py": 'import torch\nimport torch.nn as nn\nfrom utils import get_loss\n\nmodel = nn.Linear(10, 3)\ncriterion = get_loss("bce")\nx = torch.randn(12, 10)\ny = torch.rand(12, 3)\nloss = criterion(model(x), y).mean()\nloss.backward()\n',
            "train.py": 'import torch\nimport torch.nn as nn\nfrom utils import get_loss\n\nmodel = nn.Linear(10, 3)\ncriterion = get_loss("bce")\nopt = torch.optim.SGD(model.parameters(), lr=0.01)\nfor step in range(3):\n    x = torch.randn(12, 10)\n    y = torch.rand(12, 3)\n    loss = criterion(model(x), y)\n    opt.zero_grad()\n    loss.backward()  # fails\n    opt.step()\n',
            "utils.py": 'import torch.nn as nn\n\n\ndef get_loss(name):\n    if name == "bce":\n        return nn.BCEWithLogitsLoss(reduction="none")\n    return nn.MSELoss(reduction="none")\n',
        },
    ),
    "wgan_module_attribute_classes": (
        "wgan.py",
        {
            "models.py": "import torch.nn as nn\n\n\nclass Discriminator(nn.Module):\n    def __init__(self, img_dim=784):\n        super().__init__()\n        self.model = nn.Sequential(nn.Linear(img_dim, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))\n\n    def forward(self, img):\n        return self.model(img)\n\n\nclass Generator(nn.Module):\n    def __init__(self, z_dim=64, img_dim=784):\n        super().__init__()\n        self.model = nn.Sequential(nn.Linear(z_dim, 256), nn.ReLU(), nn.Linear(256, img_dim), nn.Tanh())\n\n    def forward(self, z):\n        return self.model(z)\n",
            "ok.py": "import torch\nimport models\n\nD = models.Discriminator()\nG = models.Generator()\nreal = torch.randn(32, 784)\nfake = G(torch.randn(32, 64)).detach()\nloss_d = D(fake).mean() - D(real).mean()\nloss_d.backward()\n",
            "wgan.py": "import torch\nimport models\n\nD = models.Discriminator()\nG = models.Generator()\nopt_d = torch.optim.RMSprop(D.parameters(), lr=5e-5)\nreal = torch.randn(32, 784)\nz = torch.randn(32, 64)\nfake = G(z).detach()\nloss_d = D(fake) - D(real)\nopt_d.zero_grad()\nloss_d.backward()  # fails\nopt_d.step()\n",
        },
    ),
    "loss_class_by_module_attribute": (
        "train.py",
        {
            "losses.py": 'import torch.nn as nn\n\n\nclass WeightedMSE(nn.Module):\n    def __init__(self, weight=1.0, reduction="mean"):\n        super().__init__()\n        self.weight = weight\n        self.reduction = reduction\n\n    def forward(self, pred, target):\n        err = self.weight * (pred - target) ** 2\n        if self.reduction == "mean":\n            return err.mean()\n        return err\n',
            "ok.py": "import torch\nimport torch.nn as nn\nimport losses\n\nmodel = nn.Linear(6, 2)\ncriterion = losses.WeightedMSE(weight=0.5)\nloss = criterion(model(torch.randn(10, 6)), torch.randn(10, 2))\nloss.backward()\n",
            "train.py": 'import torch\nimport torch.nn as nn\nimport losses\n\nmodel = nn.Linear(6, 2)\ncriterion = losses.WeightedMSE(weight=0.5, reduction="none")\nx = torch.randn(10, 6)\ny = torch.randn(10, 2)\nloss = criterion(model(x), y)\nloss.backward()  # fails\n',
        },
    ),
    "per_token_loss_helper": (
        "train.py",
        {
            "losses.py": 'import torch.nn.functional as F\n\n\ndef token_loss(logits, targets, pad_id=0):\n    loss = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")\n    mask = (targets != pad_id).float()\n    return loss * mask\n',
            "ok.py": "import torch\nimport torch.nn as nn\nfrom losses import token_loss\n\nemb = nn.Embedding(50, 16)\nproj = nn.Linear(16, 50)\ntokens = torch.randint(1, 50, (4, 7))\nloss = token_loss(proj(emb(tokens)), tokens)\n(loss.sum() / (tokens != 0).sum()).backward()\n",
            "train.py": "import torch\nimport torch.nn as nn\nfrom losses import token_loss\n\nvocab, dim = 50, 16\nemb = nn.Embedding(vocab, dim)\nproj = nn.Linear(dim, vocab)\ntokens = torch.randint(1, vocab, (4, 7))\nlogits = proj(emb(tokens))\nloss = token_loss(logits, tokens)\nloss.backward()  # fails\n",
        },
    ),
    "similarity_matrix_helper": (
        "train.py",
        {
            "losses.py": "import torch\nimport torch.nn.functional as F\n\n\ndef similarity(z1, z2, temperature=0.5):\n    z1 = F.normalize(z1, dim=1)\n    z2 = F.normalize(z2, dim=1)\n    return torch.mm(z1, z2.t()) / temperature\n",
            "models.py": "import torch.nn as nn\n\n\nclass Encoder(nn.Module):\n    def __init__(self, dim=128):\n        super().__init__()\n        self.proj = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, dim))\n\n    def forward(self, x):\n        return self.proj(x)\n",
            "ok.py": "import torch\nimport torch.nn.functional as F\nfrom losses import similarity\nfrom models import Encoder\n\nenc = Encoder()\na = torch.randn(8, 32)\nlogits = similarity(enc(a), enc(a + 0.1))\nF.cross_entropy(logits, torch.arange(8)).backward()\n",
            "train.py": "import torch\nfrom losses import similarity\nfrom models import Encoder\n\nenc = Encoder()\na = torch.randn(8, 32)\nb = a + 0.1 * torch.randn(8, 32)\nlogits = similarity(enc(a), enc(b))\nlogits.backward()  # fails\n",
        },
    ),
    "factory_built_model": (
        "train.py",
        {
            "models.py": "import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self, sizes):\n        super().__init__()\n        layers = []\n        for a, b in zip(sizes[:-1], sizes[1:]):\n            layers += [nn.Linear(a, b), nn.ReLU()]\n        self.net = nn.Sequential(*layers)\n\n    def forward(self, x):\n        return self.net(x)\n\n\ndef build_regressor():\n    return nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))\n",
            "ok.py": "import torch\nfrom models import build_regressor\n\nmodel = build_regressor()\nx = torch.randn(100, 13)\ny = torch.randn(100, 3)\nloss = ((model(x) - y) ** 2).mean()\nloss.backward()\n",
            "train.py": "import torch\nfrom models import build_regressor\n\nmodel = build_regressor()\nx = torch.randn(100, 13)\ny = torch.randn(100, 3)\npred = model(x)\nloss = (pred - y) ** 2\nloss.backward()  # fails\n",
        },
    ),
    "dict_item_of_project_model": (
        "train.py",
        {
            "models.py": 'import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass VAE(nn.Module):\n    def __init__(self, d=784, z=8):\n        super().__init__()\n        self.enc = nn.Linear(d, 2 * z)\n        self.dec = nn.Linear(z, d)\n        self.z = z\n\n    def forward(self, x):\n        h = self.enc(x)\n        mu, logvar = h[:, : self.z], h[:, self.z :]\n        recon = self.dec(mu)\n        rec = F.mse_loss(recon, x, reduction="none").sum(dim=1)\n        return {"loss": rec, "recon": recon}\n',
            "ok.py": 'import torch\nfrom models import VAE\n\nvae = VAE()\nout = vae(torch.rand(16, 784))\nout["loss"].mean().backward()\n',
            "train.py": 'import torch\nfrom models import VAE\n\nvae = VAE()\nx = torch.rand(16, 784)\nout = vae(x)\nout["loss"].backward()  # fails\n',
        },
    ),
    "kl_div_helper": (
        "train.py",
        {
            "losses.py": 'import torch.nn.functional as F\n\n\ndef distillation_loss(student_logits, teacher_logits, T=4.0):\n    p = F.log_softmax(student_logits / T, dim=1)\n    q = F.softmax(teacher_logits / T, dim=1)\n    return F.kl_div(p, q, reduction="none") * T * T\n',
            "models.py": "import torch.nn as nn\n\n\nclass Student(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(20, 10)\n\n    def forward(self, x):\n        return self.fc(x)\n",
            "ok.py": "import torch\nimport torch.nn as nn\nfrom losses import distillation_loss\nfrom models import Student\n\nstudent = Student()\nteacher = nn.Linear(20, 10)\nx = torch.randn(32, 20)\nloss = distillation_loss(student(x), teacher(x).detach()).sum(dim=1).mean()\nloss.backward()\n",
            "train.py": "import torch\nimport torch.nn as nn\nfrom losses import distillation_loss\nfrom models import Student\n\nstudent = Student()\nteacher = nn.Linear(20, 10)\nx = torch.randn(32, 20)\nwith torch.no_grad():\n    t_logits = teacher(x)\nloss = distillation_loss(student(x), t_logits)\nloss.backward()  # fails\n",
        },
    ),
    "criterion_passed_to_fit": (
        "main.py",
        {
            "losses.py": 'import torch.nn as nn\n\n\ndef make_criterion(kind="l1"):\n    if kind == "l1":\n        return nn.L1Loss(reduction="none")\n    return nn.SmoothL1Loss(reduction="none")\n',
            "main.py": 'import torch\nimport torch.nn as nn\nfrom losses import make_criterion\n\n\nclass Regressor(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\ndef fit(model, criterion, x, y):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    opt.zero_grad()\n    loss = criterion(model(x), y)\n    loss.backward()  # fails\n    opt.step()\n\n\nfit(Regressor(), make_criterion("l1"), torch.randn(9, 4), torch.randn(9, 2))\n',
            "ok.py": 'import torch\nimport torch.nn as nn\nfrom losses import make_criterion\n\n\ndef fit(model, criterion, x, y):\n    loss = criterion(model(x), y).mean()\n    loss.backward()\n\n\nfit(nn.Linear(4, 2), make_criterion("l1"), torch.randn(9, 4), torch.randn(9, 2))\n',
        },
    ),
    "value_net_in_agent_method": (
        "agent.py",
        {
            "agent.py": "import torch\nfrom models import ValueNet\n\n\nclass Agent:\n    def __init__(self):\n        self.value = ValueNet(obs_dim=4)\n        self.opt = torch.optim.Adam(self.value.parameters(), lr=3e-4)\n\n    def update(self, obs, returns):\n        value_loss = (returns - self.value(obs)) ** 2\n        self.opt.zero_grad()\n        value_loss.backward()  # fails\n        self.opt.step()\n\n\nagent = Agent()\nagent.update(torch.randn(20, 4), torch.randn(20))\n",
            "models.py": "import torch.nn as nn\n\n\nclass ValueNet(nn.Module):\n    def __init__(self, obs_dim=4, hidden=32):\n        super().__init__()\n        self.v = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))\n\n    def forward(self, obs):\n        return self.v(obs).squeeze(-1)\n",
            "ok.py": "import torch\nfrom models import ValueNet\n\nvalue = ValueNet(obs_dim=4)\nobs = torch.randn(1, 4)\nvalue_loss = (torch.tensor([1.0]) - value(obs)) ** 2\nvalue_loss.backward()\n",
        },
    ),
    "star_import": (
        "train.py",
        {
            "losses.py": 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass FocalLoss(nn.Module):\n    def __init__(self, gamma=2.0, reduction="none"):\n        super().__init__()\n        self.gamma = gamma\n        self.reduction = reduction\n\n    def forward(self, logits, target):\n        ce = F.cross_entropy(logits, target, reduction="none")\n        pt = torch.exp(-ce)\n        loss = (1 - pt) ** self.gamma * ce\n        if self.reduction == "mean":\n            return loss.mean()\n        if self.reduction == "sum":\n            return loss.sum()\n        return loss\n',
            "ok.py": 'import torch\nimport torch.nn as nn\nfrom losses import *\n\nmodel = nn.Linear(12, 3)\ncrit = FocalLoss(reduction="sum")\nloss = crit(model(torch.randn(6, 12)), torch.randint(0, 3, (6,)))\nloss.backward()\n',
            "train.py": "import torch\nimport torch.nn as nn\nfrom losses import *\n\nmodel = nn.Linear(12, 3)\ncrit = FocalLoss()\nout = model(torch.randn(6, 12))\nloss = crit(out, torch.randint(0, 3, (6,)))\nloss.backward()  # fails\n",
        },
    ),
    "aliased_module": (
        "run.py",
        {
            "models.py": 'import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass Classifier(nn.Module):\n    def __init__(self, in_dim=32, num_classes=5):\n        super().__init__()\n        self.body = nn.Sequential(nn.Linear(in_dim, 64), nn.ReLU())\n        self.head = nn.Linear(64, num_classes)\n\n    def forward(self, x, labels=None):\n        logits = self.head(self.body(x))\n        if labels is None:\n            return logits\n        return F.cross_entropy(logits, labels, reduction="none")\n',
            "ok.py": "import torch\nimport models as M\n\nnet = M.Classifier(num_classes=3)\nlogits = net(torch.randn(4, 32))\nlogits[:, 0].sum().backward()\n",
            "run.py": "import torch\nimport models as M\n\nnet = M.Classifier(num_classes=3)\nbatch = torch.randn(4, 32)\nlogits = net(batch)\nlogits.backward()  # fails\n",
        },
    ),
    "conditional_factory_in_attribute": (
        "trainer.py",
        {
            "losses.py": 'import torch.nn as nn\n\n\ndef build(name):\n    table = {"l1": nn.L1Loss, "mse": nn.MSELoss}\n    return nn.L1Loss(reduction="none") if name == "l1" else nn.MSELoss(reduction="none")\n',
            "ok.py": 'import torch\nimport torch.nn as nn\nimport losses\n\n\nclass Trainer:\n    def __init__(self):\n        self.model = nn.Linear(5, 2)\n        self.criterion = losses.build("l1")\n\n    def step(self):\n        loss = self.criterion(self.model(torch.randn(7, 5)), torch.randn(7, 2)).mean()\n        loss.backward()\n\n\nTrainer().step()\n',
            "trainer.py": 'import torch\nimport torch.nn as nn\nimport losses\n\n\nclass Trainer:\n    def __init__(self):\n        self.model = nn.Linear(5, 2)\n        self.criterion = losses.build("l1")\n        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1)\n\n    def step(self):\n        x = torch.randn(7, 5)\n        y = torch.randn(7, 2)\n        loss = self.criterion(self.model(x), y)\n        self.opt.zero_grad()\n        loss.backward()  # fails\n        self.opt.step()\n\n\nTrainer().step()\n',
        },
    ),
    "relative_import": (
        "pkg/train.py",
        {
            "pkg/__init__.py": "",
            "pkg/losses.py": 'import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass FocalLoss(nn.Module):\n    def __init__(self, gamma=2.0, reduction="none"):\n        super().__init__()\n        self.gamma = gamma\n        self.reduction = reduction\n\n    def forward(self, logits, target):\n        ce = F.cross_entropy(logits, target, reduction="none")\n        pt = torch.exp(-ce)\n        loss = (1 - pt) ** self.gamma * ce\n        if self.reduction == "mean":\n            return loss.mean()\n        if self.reduction == "sum":\n            return loss.sum()\n        return loss\n',
            "pkg/ok.py": 'import torch\nimport torch.nn as nn\nfrom .losses import FocalLoss\n\nhead = nn.Linear(16, 6)\nloss = FocalLoss(gamma=1.0, reduction="mean")(head(torch.randn(10, 16)), torch.randint(0, 6, (10,)))\nloss.backward()\n',
            "pkg/train.py": "import torch\nimport torch.nn as nn\nfrom .losses import FocalLoss\n\nhead = nn.Linear(16, 6)\nfeats = torch.randn(10, 16)\nper_sample = FocalLoss(gamma=1.0)(head(feats), torch.randint(0, 6, (10,)))\nper_sample.backward()  # fails\n",
        },
    ),
    "model_with_project_head": (
        "train.py",
        {
            "blocks.py": "import torch.nn as nn\n\n\nclass Head(nn.Module):\n    def __init__(self, dim, n_out=10):\n        super().__init__()\n        self.fc = nn.Linear(dim, n_out)\n\n    def forward(self, x):\n        return self.fc(x)\n",
            "models.py": "import torch.nn as nn\nfrom blocks import Head\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.backbone = nn.Sequential(nn.Linear(20, 32), nn.ReLU())\n        self.head = Head(32)\n\n    def forward(self, x):\n        return self.head(self.backbone(x))\n",
            "ok.py": "import torch\nfrom models import Net\n\nnet = Net()\nout = net(torch.randn(3, 20))\nout.logsumexp(dim=1).mean().backward()\n",
            "train.py": "import torch\nfrom models import Net\n\nnet = Net()\nout = net(torch.randn(3, 20))\nout.backward()  # fails\n",
        },
    ),
}


def write(tmp_path: Path, files: dict[str, str]) -> None:
    (tmp_path / ".git").mkdir()  # the project root
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def reported(path: Path) -> list[int]:
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL202"]))
    assert result.errors == []
    return [f.line for f in result.findings if f.code == "PTL202"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_reported_through_the_project_files(name: str, tmp_path: Path) -> None:
    main, files = CASES[name]
    write(tmp_path, files)
    expected = [i for i, row in enumerate(files[main].splitlines(), 1) if row.endswith("# fails")]
    assert reported(tmp_path / main) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_neighbour_is_silent(name: str, tmp_path: Path) -> None:
    main, files = CASES[name]
    write(tmp_path, files)
    ok = Path(main).parent / "ok.py"
    assert str(ok) in files
    assert reported(tmp_path / ok) == []


def test_the_evidence_names_the_other_file(tmp_path: Path) -> None:
    main, files = CASES["focal_loss_none_by_default"]
    write(tmp_path, files)
    path = tmp_path / main
    result = lint_source(path.read_text(), str(path), selection=Selection.of(["PTL202"]))
    (finding,) = result.findings
    assert any(r.path == "losses.py" for r in finding.related)


def test_nothing_read_without_the_file(tmp_path: Path) -> None:
    """The same main file without its losses.py: `FocalLoss` is unknown, no finding."""
    main, files = CASES["focal_loss_none_by_default"]
    write(tmp_path, {k: v for k, v in files.items() if k != "losses.py"})
    assert reported(tmp_path / main) == []


def test_a_setting_changed_in_the_main_file_keeps_the_branches(tmp_path: Path) -> None:
    """`crit.reduction = "mean"` after the construction: the reduced branch may run (torch: no
    error, the loss is a mean), so the default `"none"` proves nothing."""
    main, files = CASES["focal_loss_none_by_default"]
    changed = files[main].replace(
        "criterion = FocalLoss(gamma=2.0)", 'criterion = FocalLoss(gamma=2.0)\ncriterion.reduction = "mean"'
    )
    assert changed != files[main]
    write(tmp_path, {**files, main: changed})
    assert reported(tmp_path / main) == []


@pytest.mark.parametrize("flag", ["False", "True"])
def test_a_bool_reduce_flag_in_one_file(flag: str, tmp_path: Path) -> None:
    """`if self.reduce: return torch.mean(focal)` with `reduce=False` at the construction: only the
    per-element return runs (torch raises the scalar-outputs error); with `reduce=True` the mean
    is returned (torch runs it): silent."""
    main, files = CASES["bool_reduce_flag_of_project_loss"]
    body = files["losses.py"] + files[main].replace("from losses import BinaryFocalLoss\n", "")
    program = body.replace("reduce=False)", f"reduce={flag})")
    path = tmp_path / "one.py"
    path.write_text(program)
    expected = [i for i, row in enumerate(program.splitlines(), 1) if row.endswith("# fails")]
    assert reported(path) == (expected if flag == "False" else [])
