# Source: https://github.com/tejank10/null-text-inversion/issues/1
# Pattern: the maintainer's answer: the prompt embedding is detached before the optimisation starts,
# `self.context = torch.cat([uncond, cond]).detach()`.
import torch
import torch.nn.functional as F
from torch import nn


class TextEncoder(nn.Module):
    def __init__(self, vocab=50, dim=16):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, tokens):
        return torch.tanh(self.proj(self.embed(tokens)))


class TinyUNet(nn.Module):
    def __init__(self, dim=16, ctx_dim=16):
        super().__init__()
        self.inp = nn.Linear(dim, 32)
        self.ctx = nn.Linear(ctx_dim, 32)
        self.out = nn.Linear(32, dim)

    def forward(self, latent, t, context):
        h = self.inp(latent) + self.ctx(context.mean(1)) + t
        return self.out(F.silu(h))


class NullInversion:
    def __init__(self, unet, text_encoder, num_steps=3):
        self.unet = unet
        self.text_encoder = text_encoder
        self.num_steps = num_steps
        self.context = None

    def init_prompt(self, prompt_tokens):
        uncond = self.text_encoder(torch.zeros_like(prompt_tokens))
        cond = self.text_encoder(prompt_tokens)
        self.context = torch.cat([uncond, cond]).detach()

    def get_noise_pred_single(self, latents, t, context):
        return self.unet(latents, t, context)

    def null_optimization(self, latents, num_inner_steps=3, guidance=7.5):
        uncond_embeddings, cond_embeddings = self.context.chunk(2)
        uncond_list = []
        latent_cur = latents[-1]
        for i in range(self.num_steps):
            uncond_embeddings = uncond_embeddings.clone().detach()
            uncond_embeddings.requires_grad = True
            optimizer = torch.optim.Adam([uncond_embeddings], lr=1e-2 * (1.0 - i / 100.0))
            latent_prev = latents[len(latents) - i - 2]
            t = float(i)
            for _ in range(num_inner_steps):
                noise_pred_cond = self.get_noise_pred_single(latent_cur, t, cond_embeddings)
                noise_pred_uncond = self.get_noise_pred_single(latent_cur, t, uncond_embeddings)
                noise_pred = noise_pred_uncond + guidance * (noise_pred_cond - noise_pred_uncond)
                latents_prev_rec = latent_cur - 0.1 * noise_pred
                loss = F.mse_loss(latents_prev_rec, latent_prev)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            uncond_list.append(uncond_embeddings[:1].detach())
            latent_cur = latent_prev
        return uncond_list


inversion = NullInversion(TinyUNet(), TextEncoder())
inversion.init_prompt(torch.randint(1, 50, (1, 6)))
ddim_latents = [torch.randn(1, 16) for _ in range(5)]
print(len(inversion.null_optimization(ddim_latents)))
