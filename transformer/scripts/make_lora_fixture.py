"""Makes transformer/src/test/resources/fixtures/lora-llama: a LoRA adapter in Hugging Face PEFT's file layout for
../shared/fixtures/hf/llama and the logits of base + adapter on that fixture's reference batch.

peft is not installable on this machine (Debian python3-torch 1.13 only), so the adapter files are written the way
PEFT 0.13 writes them (adapter_config.json fields, keys base_model.model.<module>.lora_A.weight / .lora_B.weight, no
adapter name, float32) and the LoRA forward is computed with plain PyTorch in float64 on top of the shared
reference Llama (../shared/reference/torch_llama.py): every targeted linear computes
h @ W.T + scale * (h @ A.T) @ B.T, with scale = lora_alpha / sqrt(r) (use_rslora) and B non-zero so the adapter
matters.  target_modules is a list, so PEFT's "name equals or ends with .entry" matching is exercised.

Usage (from the repository root): /usr/bin/python3 transformer/scripts/make_lora_fixture.py"""
import json, math, os, sys
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "..", "shared")
sys.path.insert(0, os.path.join(SHARED, "reference"))
import safetensors_io as st  # noqa: E402
from torch_llama import Llama  # noqa: E402

BASE = os.path.join(SHARED, "fixtures", "hf", "llama")
OUT = os.path.join(ROOT, "transformer", "src", "test", "resources", "fixtures", "lora-llama")
R, ALPHA, TARGETS = 4, 6.0, ["q_proj", "v_proj", "down_proj", "lm_head"]
SCALE = ALPHA / math.sqrt(R)


class LoraLlama(Llama):
    """torch_llama's forward with every targeted linear going through lin()."""

    def __init__(self, d, lora):
        super().__init__(d)
        self.lora = lora

    def lin(self, h, name):
        y = h @ self.w(name + ".weight").T
        if name in self.lora:
            a, b = self.lora[name]
            y = y + SCALE * (h @ a.T) @ b.T
        return y

    def forward(self, ids, mask):
        B, T = ids.shape
        x = self.w("model.embed_tokens.weight")[ids]
        inv = 1.0 / (self.theta ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
        ang = torch.cat([ang, ang], -1); cos, sin = ang.cos(), ang.sin()

        def rope(t):
            h = self.hd // 2
            return t * cos + torch.cat([-t[..., h:], t[..., :h]], -1) * sin
        allowed = torch.ones(T, T, dtype=torch.bool).tril()[None, None] & mask.bool()[:, None, None, :]
        for i in range(self.c["num_hidden_layers"]):
            pre = f"model.layers.{i}."
            h = self.rms(x, pre + "input_layernorm.weight")
            q = self.lin(h, pre + "self_attn.q_proj").view(B, T, self.H, self.hd).transpose(1, 2)
            k = self.lin(h, pre + "self_attn.k_proj").view(B, T, self.KV, self.hd).transpose(1, 2)
            v = self.lin(h, pre + "self_attn.v_proj").view(B, T, self.KV, self.hd).transpose(1, 2)
            q, k = rope(q), rope(k)
            rep = self.H // self.KV
            k = k.repeat_interleave(rep, 1); v = v.repeat_interleave(rep, 1)
            a = ((q @ k.transpose(-1, -2)) / math.sqrt(self.hd)).masked_fill(~allowed, torch.finfo(torch.float64).min)
            y = (a.softmax(-1) @ v).transpose(1, 2).reshape(B, T, self.H * self.hd)
            x = x + self.lin(y, pre + "self_attn.o_proj")
            h = self.rms(x, pre + "post_attention_layernorm.weight")
            g = self.lin(h, pre + "mlp.gate_proj"); u = self.lin(h, pre + "mlp.up_proj")
            x = x + self.lin(torch.nn.functional.silu(g) * u, pre + "mlp.down_proj")
        return self.lin(self.rms(x, "model.norm.weight"), "lm_head")


def main():
    base = st.load(os.path.join(BASE, "model.safetensors"))
    rng = np.random.default_rng(17)
    modules = [k[:-len(".weight")] for k in base if base[k].ndim == 2 and k != "model.embed_tokens.weight"]
    chosen = [m for m in modules if any(m == t or m.endswith("." + t) for t in TARGETS)]
    lora, tensors = {}, {}
    for m in chosen:
        out_f, in_f = base[m + ".weight"].shape
        a = rng.uniform(-1, 1, (R, in_f)).astype(np.float32) / np.float32(math.sqrt(in_f))
        b = (rng.standard_normal((out_f, R)) * 0.05).astype(np.float32)
        tensors["base_model.model." + m + ".lora_A.weight"] = a
        tensors["base_model.model." + m + ".lora_B.weight"] = b
        lora[m] = (torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
    os.makedirs(OUT, exist_ok=True)
    st.save(tensors, os.path.join(OUT, "adapter_model.safetensors"))
    config = {"alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "fixtures/hf/llama",
              "bias": "none", "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True,
              "layers_pattern": None, "layers_to_transform": None, "lora_alpha": ALPHA, "lora_dropout": 0.0,
              "modules_to_save": None, "peft_type": "LORA", "r": R, "rank_pattern": {}, "revision": None,
              "target_modules": TARGETS, "task_type": "CAUSAL_LM", "use_dora": False, "use_rslora": True}
    with open(os.path.join(OUT, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    ref = st.load(os.path.join(BASE, "reference.safetensors"))
    model = LoraLlama(BASE, lora)
    ids = torch.tensor(ref["input_ids"].astype(np.int64)); mask = torch.tensor(ref["attention_mask"].astype(np.int64))
    with torch.no_grad():
        logits = model(ids, mask).numpy()
        plain = Llama(BASE)(ids, mask).numpy()
    st.save({"input_ids": ref["input_ids"].astype(np.int64), "attention_mask": ref["attention_mask"].astype(np.int64),
             "logits": logits}, os.path.join(OUT, "lora_reference.safetensors"))
    valid = ref["attention_mask"].astype(bool)
    print(json.dumps({"adapted_modules": len(chosen), "scale": SCALE,
                      "base_vs_shared_reference": st.rel(plain[valid], ref["logits"][valid]),
                      "adapter_changes_logits_by": st.rel(logits[valid], plain[valid])}))


if __name__ == "__main__":
    main()
