"""Independent PyTorch reference values for the methods of algorithms.md 5.13 and 5.15 (issue 21).

Reuses the float64 GPT-2/Llama code of make_objective_fixtures.py (same fixtures, same 0.98 x reference model) and
writes <model>_methods.safetensors with its own batches (forget, retain, alternate: right-padded, prompt tokens
labelled -100) and, for a subset of parameters (float32):
  gru.d1.<param>, gru.d2.<param>  GRU (arXiv 2503.09117) directions of two consecutive steps, forget = gradient ascent,
                                   retain = NLL (its first row repeats the forget one), gamma 0.8, every parameter trainable, theta_1 = theta_0 - 0.05 d1;
                                   gru.proj1/gru.proj2 say whether the projection was active
  altpo.loss / altpo.grad.<param>  AltPO (arXiv 2409.13474): -(2/beta) mean log sigmoid(beta (D(alternate) - D(forget)))
                                   + NLL(retain), beta 0.1, D = policy minus reference sequence log-probability
  lunar.r, lunar.loss, lunar.grad.* LUNAR (arXiv 2502.07218), layer 0, c 2: r = mean last-token output of layer 0 over the
                                   alternate rows (as reference prompts, unpadded) minus over the forget rows; loss =
                                   MSE over non-pad forget tokens of (h_0 - h_0^ref - c r) + the same on retain with no shift
  sibl_margin.loss / .grad.*       SIBL's forget loss: mean over every position of the forget batch (padding included) of
                                   max_v z - mean_v z
  t3.w_in, t3.w_out, t3.loss, t3.grad.w_in, t3.grad.w_out, t3.guided
                                   T3 (arXiv 2602.10217): a guidance head c = W_out W_in h_bar (H 4, random weights) on
                                   the running mean of the final hidden states; loss = BCE(c_t[y_{t+1}], 1 on retain / 0
                                   on forget) over answer positions of the unpadded rows; guided = log_softmax(z)/2.5 +
                                   1.5 log sigmoid(c) at the last position of forget row 0
  distill.loss / distill.grad.*    UNDO's distillation (arXiv 2506.06278): sum_v p_T (log p_T - log p_S) averaged over
                                   every non-pad position of the retain batch, teacher = the reference model

Run with Debian's python3-torch:  /usr/bin/python3 make_method_fixtures.py ../../../shared OUT_DIR
"""
import os
import sys

import numpy as np
import torch

from make_objective_fixtures import GRAD_PARAMS, SHARED, Model, Scores, make_batch, st

OUT = sys.argv[2]
LR = 0.05


def flat_grad(model, loss):
    for t in model.p.values():
        t.grad = None
    loss.backward()
    return {k: (t.grad.clone() if t.grad is not None else torch.zeros_like(t)) for k, t in model.p.items()}


def dot(a, b):
    return sum((a[k] * b[k]).sum() for k in a)


def gru_directions(model, batches, gamma):
    ema = None
    out, proj = [], []
    for step in range(2):
        gf = flat_grad(model, -Scores(model, batches["forget"]).nll())
        gr = flat_grad(model, Scores(model, batches["retain"]).nll())
        ema = {k: gamma * gr[k] for k in gr} if ema is None else {k: gamma * gr[k] + (1 - gamma) * ema[k] for k in gr}
        c = dot(gf, ema)
        d = {k: gf[k] - (c / dot(ema, ema)) * ema[k] for k in gf} if c < 0 else gf
        out.append(d)
        proj.append(1.0 if c < 0 else 0.0)
        with torch.no_grad():
            for k, t in model.p.items():
                t -= LR * d[k]
    return out, proj


def altpo(model, ref, batches, beta):
    a, f = Scores(model, batches["alternate"]), Scores(model, batches["forget"])
    with torch.no_grad():
        ra, rf = Scores(ref, batches["alternate"]), Scores(ref, batches["forget"])
    margin = (a.seq() - ra.seq()) - (f.seq() - rf.seq())
    return -(2 / beta) * torch.nn.functional.logsigmoid(beta * margin).mean() + Scores(model, batches["retain"]).nll()


def distill(model, ref, batch):
    mask = batch["attention_mask"].bool()
    ls = torch.log_softmax(model.forward(batch["input_ids"], batch["attention_mask"])[0], -1)
    with torch.no_grad():
        lt = torch.log_softmax(ref.forward(batch["input_ids"], batch["attention_mask"])[0], -1)
    kl = (lt.exp() * (lt - ls)).sum(-1)
    return kl[mask].sum() / mask.sum()


def last_token_mean(model, batch, layer):
    rows = []
    for ids, mask in zip(batch["input_ids"], batch["attention_mask"]):
        n = int(mask.sum())
        _, hidden = model.forward(ids[None, :n], mask[None, :n])
        rows.append(hidden[layer + 1][0, n - 1].detach())
    return torch.stack(rows).mean(0)


def lunar(model, ref, batches, layer, c, r):
    def mse(name, shift):
        b = batches[name]
        h = model.forward(b["input_ids"], b["attention_mask"])[1][layer + 1]
        with torch.no_grad():
            h0 = ref.forward(b["input_ids"], b["attention_mask"])[1][layer + 1]
        m = b["attention_mask"].bool()
        return ((h - h0 - shift) ** 2)[m].mean()

    return mse("forget", c * r) + mse("retain", 0.0)


def sibl_margin(model, batches):
    b = batches["forget"]
    z = model.forward(b["input_ids"], b["attention_mask"])[0]
    return (z.max(-1).values - z.mean(-1)).mean()


def t3(model, batches, g):
    D, V, H = model.c.get("hidden_size", model.c.get("n_embd")), model.c["vocab_size"], 4
    w_in = ((torch.rand(H, D, generator=g) * 2 - 1) / D ** 0.5).requires_grad_(True)
    w_out = ((torch.rand(V, H, generator=g) * 2 - 1) / H ** 0.5).requires_grad_(True)

    def running_means(ids):
        _, hidden = model.forward(ids[None], torch.ones(1, len(ids), dtype=torch.long))
        h = hidden[-1][0].detach()
        return h.cumsum(0) / torch.arange(1, len(ids) + 1, dtype=torch.float64)[:, None]

    feats, ys, labels = [], [], []
    for name, label in (("forget", 0.0), ("retain", 1.0)):
        b = batches[name]
        for ids, mask, lab in zip(b["input_ids"], b["attention_mask"], b["labels"]):
            n, p = int(mask.sum()), int((lab == -100).long().cumprod(0).sum())
            hb = running_means(ids[:n])
            for t in range(max(0, p - 1), n - 1):
                feats.append(hb[t])
                ys.append(int(ids[t + 1]))
                labels.append(label)
    c = (torch.stack(feats) @ w_in.T @ w_out.T)[torch.arange(len(ys)), torch.tensor(ys)]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(c, torch.tensor(labels))
    loss.backward()
    b = batches["forget"]
    n = int(b["attention_mask"][0].sum())
    ids = b["input_ids"][0, :n]
    z = model.forward(ids[None], torch.ones(1, n, dtype=torch.long))[0][0, -1].detach()
    with torch.no_grad():
        cl = w_out @ (w_in @ running_means(ids)[-1])
        guided = torch.log_softmax(z, -1) / 2.5 + 1.5 * torch.nn.functional.logsigmoid(cl)
    return {"t3.w_in": w_in.detach().numpy(), "t3.w_out": w_out.detach().numpy(),
            "t3.loss": np.array([loss.item()]), "t3.grad.w_in": w_in.grad.numpy(), "t3.grad.w_out": w_out.grad.numpy(),
            "t3.guided": guided.numpy()}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ("gpt2", "llama"):
        d = os.path.join(SHARED, "fixtures", "hf", name)
        model, ref = Model(d), Model(d, scale=0.98)
        V = model.c["vocab_size"]
        g = torch.Generator().manual_seed(21)
        batches = {
            "forget": make_batch(g, V, 2, 10, 3, 3),
            "retain": make_batch(g, V, 2, 12, 4, 2),
            "alternate": make_batch(g, V, 2, 9, 3, 2),
        }
        # retain row 0 starts with forget row 0, so that the GA and NLL gradients conflict and GRU projects
        r = batches["retain"]
        r["input_ids"][0, :10] = batches["forget"]["input_ids"][0]
        r["labels"][0, 4:] = r["input_ids"][0, 4:]
        out = {}
        for bn, b in batches.items():
            for k, v in b.items():
                out[bn + "." + k] = v.numpy().astype(np.int64)
        r = last_token_mean(model, batches["alternate"], 0) - last_token_mean(model, batches["forget"], 0)
        out["lunar.r"] = r.numpy()
        for oname, loss in (("altpo", altpo(model, ref, batches, 0.1)), ("distill", distill(model, ref, batches["retain"])),
                            ("lunar", lunar(model, ref, batches, 0, 2.0, r)), ("sibl_margin", sibl_margin(model, batches))):
            grads = flat_grad(model, loss)
            out[oname + ".loss"] = np.array([loss.item()], dtype=np.float64)
            for pn in GRAD_PARAMS[name]:
                out[oname + ".grad." + pn] = grads[pn].numpy().astype(np.float32)
            print(name, oname, "%.6f" % loss.item(), flush=True)
        out.update(t3(model, batches, g))
        print(name, "t3 loss %.6f" % out["t3.loss"][0], flush=True)
        dirs, proj = gru_directions(model, batches, 0.8)  # moves the model: keep it last
        for i, dd in enumerate(dirs):
            out["gru.proj%d" % (i + 1)] = np.array([proj[i]], dtype=np.float64)
            for pn in GRAD_PARAMS[name]:
                out["gru.d%d.%s" % (i + 1, pn)] = dd[pn].numpy().astype(np.float32)
        print(name, "gru projected", proj, flush=True)
        st.save(out, os.path.join(OUT, name + "_methods.safetensors"))


main()
