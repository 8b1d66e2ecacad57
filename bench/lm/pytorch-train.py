"""The PyTorch peer for bench/sections/lm-student.ts: the same Llama-family model as the TypeScript
student (tied embedding, RMSNorm, interleaved rotary, grouped-query attention, SwiGLU), trained
with AdamW (no weight decay on the norm gains, as ours) on fixed tokens; prints training tokens/s,
the loss before every step and peak RSS as JSON. Run with Debian's torch:

    /usr/bin/python3 bench/lm/pytorch-train.py '{"vocabularySize":1024,"width":128,...,"batch":8,"length":64,"steps":10,"threads":1}'

With "initial": PATH, the weights (float32, the TypeScript student's namedTensors order, matrices
input-major) and then the tokens and targets (int32, batch × length each) are read from that file,
so both trainers start from the same point and their losses can be compared step by step.
"""
import json
import math
import resource
import sys
import time

import numpy

import torch

settings = json.loads(sys.argv[1])
torch.set_num_threads(settings['threads'])
torch.manual_seed(0)
V, D, L, H, KV, F = (settings[k] for k in ('vocabularySize', 'width', 'layers', 'heads', 'keyValueHeads', 'hiddenWidth'))
B, T, HD = settings['batch'], settings['length'], settings['width'] // settings['heads']


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        p = lambda *shape: torch.nn.Parameter(torch.randn(*shape) * 0.02)
        self.embedding = p(V, D)
        self.blocks = torch.nn.ParameterList()
        self.layers = [dict(attention_norm=torch.nn.Parameter(torch.ones(D)), query=p(D, D), key=p(D, KV * HD), value=p(D, KV * HD), output=p(D, D),
                            mlp_norm=torch.nn.Parameter(torch.ones(D)), gate=p(D, F), up=p(D, F), down=p(F, D)) for _ in range(L)]
        for layer in self.layers:
            self.blocks.extend(layer.values())
        self.final_norm = torch.nn.Parameter(torch.ones(D))
        half = HD // 2
        angles = torch.arange(T)[:, None] * (settings.get('ropeTheta', 10000.0) ** (-2 * torch.arange(half) / HD))[None, :]
        self.cos, self.sin = torch.cos(angles)[None, :, None, :], torch.sin(angles)[None, :, None, :]
        self.causal = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def norm(self, x, gain):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-5) * gain

    def rotary(self, x):
        even, odd = x[..., 0::2], x[..., 1::2]
        return torch.stack((even * self.cos - odd * self.sin, even * self.sin + odd * self.cos), dim=-1).flatten(-2)

    def forward(self, tokens):
        x = self.embedding[tokens]
        for w in self.layers:
            h = self.norm(x, w['attention_norm'])
            q = self.rotary((h @ w['query']).view(B, T, H, HD)).transpose(1, 2)
            k = self.rotary((h @ w['key']).view(B, T, KV, HD)).transpose(1, 2).repeat_interleave(H // KV, dim=1)
            v = (h @ w['value']).view(B, T, KV, HD).transpose(1, 2).repeat_interleave(H // KV, dim=1)
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(HD)
            a = torch.softmax(scores.masked_fill(~self.causal, float('-inf')), dim=-1) @ v
            x = x + a.transpose(1, 2).reshape(B, T, D) @ w['output']
            h = self.norm(x, w['mlp_norm'])
            x = x + (torch.nn.functional.silu(h @ w['gate']) * (h @ w['up'])) @ w['down']
        return self.norm(x, self.final_norm) @ self.embedding.T


model = Model()
ordered = [model.embedding, *model.blocks, model.final_norm]
tokens = torch.randint(0, V, (B, T))
targets = torch.randint(0, V, (B * T,))
if 'initial' in settings:
    raw = open(settings['initial'], 'rb').read()
    offset = 0
    with torch.no_grad():
        for tensor in ordered:
            count = tensor.numel()
            tensor.copy_(torch.from_numpy(numpy.frombuffer(raw, dtype=numpy.float32, count=count, offset=offset).copy()).view_as(tensor))
            offset += 4 * count
    tokens = torch.from_numpy(numpy.frombuffer(raw, dtype=numpy.int32, count=B * T, offset=offset).astype(numpy.int64)).view(B, T)
    targets = torch.from_numpy(numpy.frombuffer(raw, dtype=numpy.int32, count=B * T, offset=offset + 4 * B * T).astype(numpy.int64))
norms = [model.final_norm] + [layer[name] for layer in model.layers for name in ('attention_norm', 'mlp_norm')]
matrices = [tensor for tensor in ordered if all(tensor is not norm for norm in norms)]
optimiser = torch.optim.AdamW([{'params': matrices, 'weight_decay': 0.01}, {'params': norms, 'weight_decay': 0.0}], lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
losses = []


def step():
    optimiser.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(tokens).view(B * T, V), targets)
    losses.append(loss.item())
    loss.backward()
    torch.nn.utils.clip_grad_norm_([model.embedding, model.final_norm, *model.blocks], 1.0)
    optimiser.step()


for _ in range(2):
    step()
started = time.perf_counter()
for _ in range(settings['steps']):
    step()
seconds = (time.perf_counter() - started) / settings['steps']
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'secondsPerStep': seconds, 'tokensPerSecond': B * T / seconds, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'losses': losses, 'peakRssMegabytes': peak}))
