# Source: https://github.com/gzerveas/mvts_transformer/issues/24
# Pattern: the fix: the test-only path evaluates under `torch.no_grad()` too
import torch
import torch.nn as nn


class TSTransformerEncoderRegressor(nn.Module):
    def __init__(self, feat_dim=4, d_model=16, num_outputs=1):
        super().__init__()
        self.project_inp = nn.Linear(feat_dim, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead=2, dim_feedforward=32, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.output_layer = nn.Linear(d_model, num_outputs)

    def forward(self, X, padding_masks):
        out = self.encoder(self.project_inp(X), src_key_padding_mask=~padding_masks)
        return self.output_layer(out.mean(dim=1))


class SupervisedRunner:
    def __init__(self, model, dataloader, loss_module):
        self.model, self.dataloader, self.loss_module = model, dataloader, loss_module

    def evaluate(self, keep_all=True):
        self.model.eval()
        per_batch = {"targets": [], "predictions": [], "metrics": []}
        for X, targets, padding_masks in self.dataloader:
            predictions = self.model(X, padding_masks)
            loss = self.loss_module(predictions, targets)
            per_batch["targets"].append(targets.cpu().numpy())
            per_batch["predictions"].append(predictions.cpu().numpy())
            per_batch["metrics"].append([loss.cpu().item()])
        return per_batch


def main(test_only):
    model = TSTransformerEncoderRegressor()
    loader = [(torch.randn(8, 10, 4), torch.randn(8, 1), torch.ones(8, 10, dtype=torch.bool)) for _ in range(2)]
    runner = SupervisedRunner(model, loader, nn.MSELoss())
    with torch.no_grad():
        return runner.evaluate(keep_all=test_only)


print(len(main(test_only=True)["predictions"]))
