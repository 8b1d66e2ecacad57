"""Reference values for the language-model student (llm.c style), computed by an independent
implementation in PyTorch (float64). Run with /usr/bin/python3 (Debian's python3-torch):

    /usr/bin/python3 src/student/lm/__golden__/make-golden.py

It writes tiny-model.json beside itself; transformer-golden.test.ts reads only the JSON.
Layout matches the TypeScript model: matrices input-major (x @ W), tied embedding (logits = x @ E.T),
rotary embeddings on interleaved pairs (2i, 2i+1), RMSNorm, SwiGLU, grouped-query attention.
"""
import json
import math
import os

import torch

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)

CONFIG = dict(vocabularySize=40, width=16, layers=2, heads=4, keyValueHeads=2, hiddenWidth=24, context=16, ropeTheta=10000.0, normEpsilon=1e-5)
BATCH, LENGTH, TOP_K, ALPHA = 2, 7, 3, 0.6
V, D, L, H, KV, F = (CONFIG[k] for k in ('vocabularySize', 'width', 'layers', 'heads', 'keyValueHeads', 'hiddenWidth'))
HD = D // H


def parameter(*shape, scale=0.3):
    # Rounded to float32 first so the TypeScript model (float32) starts from exactly these values.
    return (torch.randn(*shape) * scale).float().double().requires_grad_()


weights = {'embedding': parameter(V, D, scale=0.5)}
for layer in range(L):
    prefix = f'blocks.{layer}.'
    weights[prefix + 'attentionNorm'] = (1 + 0.1 * torch.randn(D)).float().double().requires_grad_()
    weights[prefix + 'query'] = parameter(D, D)
    weights[prefix + 'key'] = parameter(D, KV * HD)
    weights[prefix + 'value'] = parameter(D, KV * HD)
    weights[prefix + 'output'] = parameter(D, D)
    weights[prefix + 'mlpNorm'] = (1 + 0.1 * torch.randn(D)).float().double().requires_grad_()
    weights[prefix + 'gate'] = parameter(D, F)
    weights[prefix + 'up'] = parameter(D, F)
    weights[prefix + 'down'] = parameter(F, D)
weights['finalNorm'] = (1 + 0.1 * torch.randn(D)).float().double().requires_grad_()


def rms_norm(x, gain):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + CONFIG['normEpsilon']) * gain


def rotary(x):
    """x: (batch, length, heads, HD); rotates pairs (2i, 2i+1) by position * theta^(-2i/HD)."""
    half = HD // 2
    frequencies = CONFIG['ropeTheta'] ** (-2 * torch.arange(half) / HD)
    angles = torch.arange(x.shape[1])[:, None] * frequencies[None, :]
    cos, sin = torch.cos(angles)[None, :, None, :], torch.sin(angles)[None, :, None, :]
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


def model(tokens):
    x = weights['embedding'][tokens]
    causal = torch.tril(torch.ones(LENGTH, LENGTH, dtype=torch.bool))
    for layer in range(L):
        w = lambda name: weights[f'blocks.{layer}.{name}']
        h = rms_norm(x, w('attentionNorm'))
        q = rotary((h @ w('query')).view(BATCH, LENGTH, H, HD)).transpose(1, 2)
        k = rotary((h @ w('key')).view(BATCH, LENGTH, KV, HD)).transpose(1, 2).repeat_interleave(H // KV, dim=1)
        v = (h @ w('value')).view(BATCH, LENGTH, KV, HD).transpose(1, 2).repeat_interleave(H // KV, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(HD)
        attention = torch.softmax(scores.masked_fill(~causal, float('-inf')), dim=-1) @ v
        x = x + attention.transpose(1, 2).reshape(BATCH, LENGTH, D) @ w('output')
        h = rms_norm(x, w('mlpNorm'))
        x = x + (torch.nn.functional.silu(h @ w('gate')) * (h @ w('up'))) @ w('down')
    return rms_norm(x, weights['finalNorm']) @ weights['embedding'].T


tokens = torch.randint(0, V, (BATCH, LENGTH))
targets = torch.randint(0, V, (BATCH * LENGTH,))
mask = torch.ones(BATCH * LENGTH)
mask[0:3] = 0  # the first sequence's prompt
mask[LENGTH:LENGTH + 2] = 0
mask[-1] = 0  # padding
teacher = []
for row in range(BATCH * LENGTH):
    if row % 3 == 1 and mask[row] == 1:
        distribution = torch.softmax(torch.randn(V) * 2, dim=0)
        top = torch.topk(distribution, TOP_K)
        teacher.append({'row': row, 'tokens': top.indices.tolist(), 'logprobs': torch.log(top.values).float().double().tolist()})

logits = model(tokens).reshape(BATCH * LENGTH, V)
log_probabilities = torch.log_softmax(logits, dim=-1)
row_losses = -log_probabilities[torch.arange(BATCH * LENGTH), targets]
by_row = {entry['row']: entry for entry in teacher}
losses = []
for row in range(BATCH * LENGTH):
    if mask[row] == 0:
        continue
    if row in by_row:
        entry = by_row[row]
        q = torch.exp(log_probabilities[row])
        p_top = torch.exp(torch.tensor(entry['logprobs']))
        q_top = q[entry['tokens']]
        p_tail, q_tail = 1 - p_top.sum(), 1 - q_top.sum()
        kl = (p_top * (torch.log(p_top) - torch.log(q_top))).sum() + p_tail * (torch.log(p_tail) - torch.log(q_tail))
        losses.append((1 - ALPHA) * row_losses[row] + ALPHA * kl)
    else:
        losses.append(row_losses[row])
loss = torch.stack(losses).mean()
loss.backward()
cross_entropy_only = (row_losses * mask).sum() / mask.sum()

golden = {
    'config': CONFIG, 'batch': BATCH, 'length': LENGTH, 'alpha': ALPHA,
    'tokens': tokens.flatten().tolist(), 'targets': targets.tolist(), 'mask': mask.tolist(), 'teacher': teacher,
    'weights': {name: tensor.detach().flatten().tolist() for name, tensor in weights.items()},
    'logits': logits.detach().flatten().tolist(),
    'loss': loss.item(), 'crossEntropyOnly': cross_entropy_only.item(),
    'gradients': {name: tensor.grad.flatten().tolist() for name, tensor in weights.items()},
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tiny-model.json'), 'w') as file:
    json.dump(golden, file)
print('loss', loss.item(), 'cross-entropy only', cross_entropy_only.item())
