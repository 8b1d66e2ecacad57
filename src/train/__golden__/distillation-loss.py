#!/usr/bin/python3
"""Reference distillation losses and logit gradients from PyTorch, for src/train/loss.test.ts.

The loss of Hinton, Vinyals & Dean (2015), written with PyTorch's own pieces and differentiated by
autograd, in float64, independently of Distillery's hand-derived gradient:

    L = alpha * T^2 * KL(teacher_T || softmax(z / T)) + (1 - alpha) * CE(softmax(z), hard label)
    teacher_T = p^(1/T) renormalised = softmax(log(p) / T)   (zeros stay zero)

With no teacher distribution (or one with no mass, or alpha = 0) only the cross-entropy is used.
Regenerate (Debian: apt-get install python3-torch libopenblas0-pthread) with
    /usr/bin/python3 src/train/__golden__/distillation-loss.py > src/train/__golden__/distillation-loss.json
"""
import json

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def reference(logits, teacher, label, temperature, alpha):
    z = torch.tensor(logits, requires_grad=True)
    target = torch.tensor([label])
    hard = F.cross_entropy(z.unsqueeze(0), target, reduction="sum")
    use_teacher = teacher is not None and alpha > 0 and sum(teacher) > 0
    if use_teacher:
        p = torch.tensor(teacher)
        tempered = torch.softmax(torch.log(p) / temperature, dim=0)
        # kl_div takes the student's log-probabilities and the target's probabilities; 0 * log 0 = 0.
        kl = F.kl_div(torch.log_softmax(z / temperature, dim=0), tempered, reduction="sum")
        loss = alpha * temperature**2 * kl + (1 - alpha) * hard
    else:
        loss = hard
    loss.backward()
    return float(loss), [float(g) for g in z.grad]


def case(name, logits, teacher, label, temperature, alpha):
    loss, grad = reference(logits, teacher, label, temperature, alpha)
    return {"name": name, "logits": logits, "teacher": teacher, "label": label, "temperature": temperature,
            "alpha": alpha, "loss": loss, "grad": grad}


cases = [
    case("T=2 alpha=0.7", [0.3, -1.2, 2.0, 0.1], [0.1, 0.2, 0.6, 0.1], 2, 2.0, 0.7),
    case("T=1 alpha=1", [1.0, 2.0, 3.0], [0.2, 0.3, 0.5], 0, 1.0, 1.0),
    case("T=5 alpha=0.5, a teacher zero", [-3.0, 4.0, 0.5], [0.0, 0.9, 0.1], 1, 5.0, 0.5),
    case("hard label only", [0.5, -0.5], None, 1, 3.0, 0.9),
    case("alpha=0", [0.2, 0.9, -0.4], [0.7, 0.2, 0.1], 2, 2.0, 0.0),
    case("teacher without mass", [0.2, 0.9], [0.0, 0.0], 1, 2.0, 0.5),
    case("huge logits", [800.0, 790.0, -500.0], [0.5, 0.3, 0.2], 1, 2.0, 0.7),
    case("a near-one-hot teacher", [0.0, 1.0, 2.0, 3.0], [1e-12, 1e-9, 1e-6, 1 - 1e-6 - 1e-9 - 1e-12], 0, 3.0, 0.9),
]

generator = torch.Generator().manual_seed(20261201)
for index, size in enumerate([5, 16, 54]):
    logits = (torch.randn(size, generator=generator) * 3).tolist()
    raw = torch.rand(size, generator=generator) ** 3
    teacher = (raw / raw.sum()).tolist()
    label = int(torch.randint(size, (1,), generator=generator))
    temperature = [1.5, 2.0, 4.0][index]
    alpha = [0.3, 0.7, 1.0][index]
    cases.append(case(f"random, {size} labels", logits, teacher, label, temperature, alpha))

print(json.dumps({"source": f"torch {torch.__version__}, float64, autograd", "cases": cases}, indent=2))
