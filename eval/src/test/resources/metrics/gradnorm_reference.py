"""Reference values for GradNormScoreTest: the gradient-norm membership score (arXiv 2402.17012; open-unlearning
mia/gradnorm.py) of three (prompt, answer) token pairs on ../shared/fixtures/hf/llama, in float64 PyTorch with
../shared/reference/torch_llama.py. Per pair: loss = -mean log p(answer token | prefix) over the answer tokens (the
last one left out when it is EOS id 2, as the LOSS attack does), backward, then for p in 1, 2, inf the mean over
parameter tensors of ||grad||_p.  Usage: /usr/bin/python3 gradnorm_reference.py SHARED_DIR > gradnorm_reference.json"""
import json, os, sys
import torch
sys.path.insert(0, os.path.join(sys.argv[1], "reference"))
import torch_llama  # noqa: E402

PAIRS = [([1, 17, 33, 250], [40, 41, 99, 2]), ([1, 5], [300, 301, 302, 303, 304, 2]), ([1, 7, 8, 9, 10], [77, 78])]
EOS = 2

m = torch_llama.Llama(os.path.join(sys.argv[1], "fixtures", "hf", "llama"))
out = []
for prompt, answer in PAIRS:
    ids = torch.tensor([prompt + answer])
    logits = m(ids, torch.ones_like(ids))
    lp = torch.log_softmax(logits[0, :-1], -1).gather(1, ids[0, 1:, None]).squeeze(1)
    scored = len(answer) - (1 if answer[-1] == EOS and len(answer) > 1 else 0)
    start = len(prompt) - 1
    loss = -lp[start:start + scored].mean()
    m.zero_grad()
    loss.backward()
    grads = [p.grad.detach() for p in m.parameters()]
    row = {"prompt": prompt, "answer": answer, "loss": float(loss)}
    for name, p in (("p1", 1), ("p2", 2), ("pinf", float("inf"))):
        row[name] = float(torch.stack([g.norm(p=p) for g in grads]).mean())
    out.append(row)
print(json.dumps(out, indent=1))
