# Source: https://github.com/dmlc/dgl/issues/4285
# Pattern: a graph transformer trained in a short loop fails in the second episode with "Trying to backward through
#   the graph a second time" (and, with `retain_graph=True`, "modified by an inplace operation"): the node and edge
#   features `h` and `e` fed to the model each episode were computed once before the loop by the model's own
#   embedding layers, so each episode's loss backpropagates into that one graph
# error: Trying to backward through the graph a second time
import torch
import torch.nn as nn

torch.manual_seed(0)


class GraphTransformerLayer(nn.Module):
    def __init__(self, dim, num_heads=2):
        super().__init__()
        self.h, self.d = num_heads, dim // num_heads
        self.Q, self.K, self.V = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.E = nn.Linear(dim, num_heads)
        self.O = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, h, e, adj):
        n = h.size(0)
        q, k, v = (lin(h).view(n, self.h, self.d).transpose(0, 1) for lin in (self.Q, self.K, self.V))
        scores = q @ k.transpose(1, 2) / self.d**0.5 + self.E(e).permute(2, 0, 1)
        scores = scores.masked_fill(adj[None] == 0, float("-inf"))
        out = (scores.softmax(-1) @ v).transpose(0, 1).reshape(n, -1)
        return self.norm(h + self.O(out))


class GraphTransformerNet(nn.Module):
    def __init__(self, in_dim=6, edge_dim=3, pe_dim=4, hidden=16):
        super().__init__()
        self.embedding_h = nn.Linear(in_dim, hidden)
        self.embedding_e = nn.Linear(edge_dim, hidden)
        self.embedding_lap_pos_enc = nn.Linear(pe_dim, hidden)
        self.layers = nn.ModuleList(GraphTransformerLayer(hidden) for _ in range(2))
        self.readout = nn.Linear(hidden, 1)

    def forward(self, adj, h, e, lap_pe):
        h = h + self.embedding_lap_pos_enc(lap_pe)
        for layer in self.layers:
            h = layer(h, e, adj)
        return self.readout(h)


num_nodes = 12
adj = ((torch.rand(num_nodes, num_nodes) > 0.6).float() + torch.eye(num_nodes)).clamp(max=1)
node_feat, edge_feat = torch.randn(num_nodes, 6), torch.randn(num_nodes, num_nodes, 3)
lap_pos_enc = torch.randn(num_nodes, 4)
node_label = torch.randn(num_nodes, 1)

model = GraphTransformerNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criteria = nn.MSELoss()

h = model.embedding_h(node_feat)
e = model.embedding_e(edge_feat)
for n in range(3):
    lp_pe = lap_pos_enc
    out = model(adj, h, e, lp_pe)
    loss = criteria(node_label, out)
    print(f"epoch #{n}, loss:{loss.item():.4f}")
    optimizer.zero_grad()
    loss.backward()  # bug: PTL201
    optimizer.step()
