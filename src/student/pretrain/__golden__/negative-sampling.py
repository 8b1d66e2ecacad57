"""Reference values for src/student/pretrain/skipgram.test.ts: fastText's negative-sampling loss of one
(centre, context) pair, -log sigmoid(u0.h) - sum_j log sigmoid(-uj.h), and its gradients by PyTorch autograd.
Run: /usr/bin/python3 src/student/pretrain/__golden__/negative-sampling.py"""
import json
import torch

torch.set_default_dtype(torch.float64)
hidden = torch.tensor([0.3, -0.2, 0.5, 0.1], requires_grad=True)
output = torch.tensor([[0.1, 0.4, -0.3, 0.2], [-0.5, 0.2, 0.1, 0.3], [0.25, -0.1, 0.6, -0.4], [0.0, 0.3, -0.2, 0.15]], requires_grad=True)
targets = [2, 0, 3]  # targets[0] is the true context word, the rest negatives
scores = output[targets] @ hidden
loss = -torch.nn.functional.logsigmoid(scores[0]) - torch.nn.functional.logsigmoid(-scores[1:]).sum()
loss.backward()
print(json.dumps({"loss": loss.item(), "hiddenGradient": hidden.grad.tolist(), "outputGradient": output.grad.tolist()}))
