"""Independent PyTorch reference values for Lethe's unlearning objectives (issue: unlearn).

For the gpt2 and llama fixtures of ../shared/fixtures/hf this script re-implements the two models in float64 (its own
code; the logits are checked against the fixture's transformers logits before anything else), builds four small
batches (forget, retain, chosen, rejected: right-padded, prompt tokens labelled -100), a frozen reference model whose
weights are 0.98 x the model's, and evaluates every objective of algorithms.md section 5 with autograd. It writes
<model>_objectives.safetensors holding the batches (forget.input_ids, ...), the RMU direction (rmu.u), and for every
objective <name>.loss and <name>.grad.<param> for a subset of parameters (float32). The variants that options select
(DPO's paper scale, UNDIAL's all-positions average and logit-margin flattening's unshifted mask, as open-unlearning's
code has them) go to <model>_objective_variants.safetensors, with the same batches.
Parameters that keep values away from 0 on a random model: SimNPO beta 0.1 delta 2, WGA beta 0.3, SatImp beta1 0.2
beta2 1, RMU layer 0, c 6.5, alpha 100.

Run with Debian's python3-torch:  /usr/bin/python3 make_objective_fixtures.py ../../../shared OUT_DIR
"""
import json
import math
import os
import sys

import numpy as np
import torch

SHARED = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else None
sys.path.insert(0, os.path.join(SHARED, "reference"))
import safetensors_io as st  # noqa: E402

torch.set_default_dtype(torch.float64)
NEG = torch.finfo(torch.float64).min


class Model:
    """Float64 GPT-2 or Llama forward returning logits and Hugging Face-style hidden states."""

    def __init__(self, d, scale=1.0):
        self.c = json.load(open(os.path.join(d, "config.json")))
        w = st.load(os.path.join(d, "model.safetensors"))
        self.p = {k: torch.tensor(np.array(v, dtype=np.float64) * scale, requires_grad=True) for k, v in w.items()}
        self.gpt2 = self.c["model_type"] == "gpt2"

    def attention(self, q, k, v, mask, hd):
        B, H, T, _ = q.shape
        rep = H // k.shape[1]
        k = k.repeat_interleave(rep, 1)
        v = v.repeat_interleave(rep, 1)
        allowed = torch.ones(T, T, dtype=torch.bool).tril()[None, None] & mask.bool()[:, None, None, :]
        a = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        a = a.masked_fill(~allowed, NEG).softmax(-1)
        return (a @ v).transpose(1, 2).reshape(B, T, H * hd)

    def forward(self, ids, mask):
        return self.forward_gpt2(ids, mask) if self.gpt2 else self.forward_llama(ids, mask)

    def forward_gpt2(self, ids, mask):
        c, p = self.c, self.p
        B, T = ids.shape
        D, H = c["n_embd"], c["n_head"]
        hd = D // H
        eps = c["layer_norm_epsilon"]
        ln = lambda x, n: torch.nn.functional.layer_norm(x, (D,), p[n + ".weight"], p[n + ".bias"], eps)
        gelu = lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
        x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][torch.arange(T)][None]
        hidden = [x]
        for i in range(c["n_layer"]):
            pre = "transformer.h.%d." % i
            h = ln(x, pre + "ln_1")
            qkv = h @ p[pre + "attn.c_attn.weight"] + p[pre + "attn.c_attn.bias"]
            q, k, v = (t.reshape(B, T, H, hd).transpose(1, 2) for t in qkv.split(D, -1))
            x = x + self.attention(q, k, v, mask, hd) @ p[pre + "attn.c_proj.weight"] + p[pre + "attn.c_proj.bias"]
            h = ln(x, pre + "ln_2")
            x = x + gelu(h @ p[pre + "mlp.c_fc.weight"] + p[pre + "mlp.c_fc.bias"]) @ p[pre + "mlp.c_proj.weight"] \
                + p[pre + "mlp.c_proj.bias"]
            hidden.append(x)
        x = ln(x, "transformer.ln_f")
        hidden[-1] = x
        return x @ p["transformer.wte.weight"].T, hidden

    def forward_llama(self, ids, mask):
        c, p = self.c, self.p
        B, T = ids.shape
        H, KV, D = c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"]
        hd = c.get("head_dim") or D // H
        theta = (c.get("rope_parameters") or {}).get("rope_theta", c.get("rope_theta", 10000.0))
        eps = c["rms_norm_eps"]
        rms = lambda x, n: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * p[n]
        inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
        ang = torch.cat([ang, ang], -1)
        cos, sin = ang.cos(), ang.sin()
        rope = lambda t: t * cos + torch.cat([-t[..., hd // 2:], t[..., :hd // 2]], -1) * sin
        x = p["model.embed_tokens.weight"][ids]
        hidden = [x]
        for i in range(c["num_hidden_layers"]):
            pre = "model.layers.%d." % i
            h = rms(x, pre + "input_layernorm.weight")
            q = (h @ p[pre + "self_attn.q_proj.weight"].T).view(B, T, H, hd).transpose(1, 2)
            k = (h @ p[pre + "self_attn.k_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
            v = (h @ p[pre + "self_attn.v_proj.weight"].T).view(B, T, KV, hd).transpose(1, 2)
            x = x + self.attention(rope(q), rope(k), v, mask, hd) @ p[pre + "self_attn.o_proj.weight"].T
            h = rms(x, pre + "post_attention_layernorm.weight")
            g = h @ p[pre + "mlp.gate_proj.weight"].T
            u = h @ p[pre + "mlp.up_proj.weight"].T
            x = x + (torch.nn.functional.silu(g) * u) @ p[pre + "mlp.down_proj.weight"].T
            hidden.append(x)
        x = rms(x, "model.norm.weight")
        hidden[-1] = x
        head = p.get("lm_head.weight", p["model.embed_tokens.weight"])
        return x @ head.T, hidden


def make_batch(g, V, B, T, prompt_len, pad_last):
    ids = torch.randint(3, V, (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, T - pad_last:] = 0
    ids[mask == 0] = 0
    labels = ids.clone()
    labels[:, :prompt_len] = -100
    labels[mask == 0] = -100
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


class Scores:
    def __init__(self, model, batch):
        self.logits, self.hidden = model.forward(batch["input_ids"], batch["attention_mask"])
        lab = batch["labels"][:, 1:]
        self.keep = lab != -100
        self.target = lab
        self.z = self.logits[:, :-1]
        lp = torch.log_softmax(self.z, -1).gather(-1, lab.clamp(min=0)[..., None])[..., 0]
        self.lp = torch.where(self.keep, lp, torch.zeros_like(lp))
        self.labels = batch["labels"]

    def nll(self):
        return -self.lp.sum() / self.keep.sum()

    def seq(self):
        return self.lp.sum(-1)


def objectives(model, ref, batches, u):
    S = {k: Scores(model, b) for k, b in batches.items()}
    with torch.no_grad():
        R = {k: Scores(ref, b) for k, b in batches.items()}
    f, r = S["forget"], S["retain"]
    npo = lambda beta: -(2 / beta) * torch.nn.functional.logsigmoid(-beta * (f.seq() - R["forget"].seq())).mean()

    def kl():
        lq = torch.log_softmax(r.logits, -1).reshape(-1, r.logits.shape[-1])
        lpr = torch.log_softmax(R["retain"].logits, -1).reshape(-1, r.logits.shape[-1])
        return torch.nn.functional.kl_div(lq, lpr, log_target=True, reduction="batchmean")

    def simnpo(beta, delta):
        n = f.keep.sum(-1)
        return -(2 / beta) * torch.nn.functional.logsigmoid(-(beta / n) * f.seq() - beta * delta).mean()

    def dpo(beta):
        c, rj = S["chosen"], S["rejected"]
        dw = c.seq() - R["chosen"].seq()
        dl = rj.seq() - R["rejected"].seq()
        return -(2 / beta) * torch.nn.functional.logsigmoid(beta * (dw - dl)).mean()

    def weighted(w):
        return (w.detach() * f.lp).sum() / f.keep.sum()

    def undial(beta):
        zr = R["forget"].z
        onehot = torch.nn.functional.one_hot(f.target.clamp(min=0), zr.shape[-1])
        q = torch.softmax(zr - beta * onehot, -1)
        ce = -(q * torch.log_softmax(f.z, -1)).sum(-1)
        return ce[f.keep].mean()

    def undial_official(beta):
        # open-unlearning: every position averaged; a -100 label indexes vocabulary slot V - 100 (Python indexing)
        zr = R["forget"].z
        V = zr.shape[-1]
        t = torch.where(f.target < 0, f.target + V, f.target)
        q = torch.softmax(zr - beta * torch.nn.functional.one_hot(t, V), -1)
        return (-(q * torch.log_softmax(f.z, -1)).sum(-1)).mean()

    def dpo_paper(beta):
        c, rj = S["chosen"], S["rejected"]
        dw = c.seq() - R["chosen"].seq()
        dl = rj.seq() - R["rejected"].seq()
        return -torch.nn.functional.logsigmoid(beta * (dw - dl)).mean()

    def margin_official():
        # open-unlearning's mask: labels != -100 at the same (unshifted) position
        m = f.z.max(-1).values - f.z.mean(-1)
        k = (f.labels[:, :-1] != -100).double()
        return (k * m ** 2).sum() / k.sum()

    def ceu(ignore_first):
        zd = f.z.detach().clone()
        zd.scatter_(-1, f.target.clamp(min=0)[..., None], float("-inf"))
        q = torch.softmax(zd, -1)
        ce = -(q * torch.log_softmax(f.z, -1)).sum(-1)
        keep = f.keep.clone()
        for b in range(keep.shape[0]):
            idx = torch.nonzero(keep[b])[:ignore_first, 0]
            keep[b, idx] = False
        return ce[keep].mean()

    def margin():
        m = f.z.max(-1).values - f.z.mean(-1)
        k = f.keep.double()
        return (k * m ** 2).sum() / k.sum()

    def rmu(layer, c, alpha):
        hf = f.hidden[layer + 1]
        lf = ((hf - c * u) ** 2).mean()
        lr = ((r.hidden[layer + 1] - R["retain"].hidden[layer + 1]) ** 2).mean()
        return lf + alpha * lr

    p = torch.exp(f.lp)
    return {
        "ga": -f.nll(),
        "nll": r.nll(),
        "graddiff": -f.nll() + r.nll(),
        "kl": kl(),
        "npo": npo(0.1),
        "npo_retain": npo(0.1) + r.nll(),
        "simnpo": simnpo(0.1, 2.0),
        "dpo": dpo(0.1),
        "idknll": S["chosen"].nll(),
        "wga": weighted(p ** 0.3),
        "satimp": weighted(p ** 0.2 * (1 - p) ** 1.0),
        "undial": undial(10.0),
        "ceu": ceu(1),
        "logit_margin": margin(),
        "rmu": rmu(0, 6.5, 100.0),
        "dpo_paper": dpo_paper(0.1),
        "undial_official": undial_official(10.0),
        "logit_margin_official": margin_official(),
    }


VARIANTS = ("dpo_paper", "undial_official", "logit_margin_official")


GRAD_PARAMS = {
    "gpt2": ["transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias", "transformer.h.1.mlp.c_proj.weight",
             "transformer.ln_f.weight", "transformer.h.0.ln_1.bias"],
    "llama": ["model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
              "model.layers.0.input_layernorm.weight", "model.norm.weight", "model.layers.1.self_attn.v_proj.weight"],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in ("gpt2", "llama"):
        d = os.path.join(SHARED, "fixtures", "hf", name)
        model = Model(d)
        ref_file = st.load(os.path.join(d, "reference.safetensors"))
        logits, _ = model.forward(torch.tensor(ref_file["input_ids"].astype(np.int64)),
                                  torch.tensor(ref_file["attention_mask"].astype(np.int64)))
        want = ref_file["logits"]
        valid = ref_file["attention_mask"].astype(bool)
        err = np.abs(logits.detach().numpy()[valid] - want[valid]).max() / np.abs(want).max()
        assert err < 1e-5, (name, err)
        ref = Model(d, scale=0.98)
        V = model.c["vocab_size"]
        g = torch.Generator().manual_seed(11)
        batches = {
            "forget": make_batch(g, V, 2, 10, 3, 3),
            "retain": make_batch(g, V, 2, 12, 4, 2),
            "chosen": make_batch(g, V, 2, 9, 3, 2),
            "rejected": make_batch(g, V, 2, 11, 3, 4),
        }
        D = model.c.get("hidden_size", model.c.get("n_embd"))
        u = torch.rand(D, generator=g)
        u = u / u.norm()
        out = {"rmu.u": u.numpy()}
        for bn, b in batches.items():
            for k, v in b.items():
                out[bn + "." + k] = v.numpy().astype(np.int64)
        variants = {k: v for k, v in out.items() if k != "rmu.u"}
        losses = objectives(model, ref, batches, u)
        for oname, loss in losses.items():
            dest = variants if oname in VARIANTS else out
            for t in model.p.values():
                t.grad = None
            loss.backward(retain_graph=True)
            dest[oname + ".loss"] = np.array([loss.item()], dtype=np.float64)
            for pn in GRAD_PARAMS[name]:
                gr = model.p[pn].grad
                dest[oname + ".grad." + pn] = (gr if gr is not None else torch.zeros_like(model.p[pn])).numpy().astype(np.float32)
            print(name, oname, "%.6f" % loss.item(), flush=True)
        st.save(out, os.path.join(OUT, name + "_objectives.safetensors"))
        st.save(variants, os.path.join(OUT, name + "_objective_variants.safetensors"))
        print("logit check", name, err, "wrote", name + "_objectives.safetensors", flush=True)


if __name__ == "__main__":
    main()
