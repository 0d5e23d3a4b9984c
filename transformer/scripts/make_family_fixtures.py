"""Makes tiny random Hugging Face checkpoints of every decoder family Lethe supports, with the reference quantities
PyTorch + transformers compute for them, in the layout of ../shared/fixtures/hf (see its README.md):

  <name>/config.json, model.safetensors     exactly as save_pretrained writes them (fp32)
  <name>/reference.safetensors              input_ids, attention_mask (right padded), labels, logits, hidden.<i>,
                                            token_logprobs, loss, grad.<param>, greedy_ids, adamw1.<param>,
                                            adamw3.<param>, and a left-padded batch: left.input_ids,
                                            left.attention_mask, left.position_ids, left.logits
  <name>/README.txt                         what made it

Run with PyTorch and transformers installed (CPU, fp32, eager attention):
    python3 make_family_fixtures.py OUT_DIR
"""
import json
import os
import sys
import traceback

import torch
import transformers
from safetensors.torch import save_file

OUT = sys.argv[1]
V = 128
T = 12
COMMON = dict(vocab_size=V, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0, initializer_range=0.1)

FAMILIES = {
    "mistral": (transformers.MistralConfig, transformers.MistralForCausalLM,
                dict(num_key_value_heads=2, sliding_window=None, rope_theta=10000.0, tie_word_embeddings=False)),
    "qwen2": (transformers.Qwen2Config, transformers.Qwen2ForCausalLM,
              dict(num_key_value_heads=2, rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False)),
    "olmo2": (transformers.Olmo2Config, transformers.Olmo2ForCausalLM,
              dict(num_key_value_heads=4, rope_theta=500000.0, rms_norm_eps=1e-6, tie_word_embeddings=False)),
    "phi": (transformers.PhiConfig, transformers.PhiForCausalLM,
            dict(num_key_value_heads=4, partial_rotary_factor=0.5, hidden_act="gelu_new", layer_norm_eps=1e-5,
                 rope_theta=10000.0, tie_word_embeddings=False, resid_pdrop=0.0, embd_pdrop=0.0,
                 attention_dropout=0.0, qk_layernorm=False)),
    "gemma": (transformers.GemmaConfig, transformers.GemmaForCausalLM,
              dict(num_key_value_heads=1, head_dim=8, hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6,
                   rope_theta=10000.0, tie_word_embeddings=True)),
    "llama3": (transformers.LlamaConfig, transformers.LlamaForCausalLM,
               dict(num_key_value_heads=2, rms_norm_eps=1e-5, tie_word_embeddings=True, rope_theta=500000.0,
                    rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                      original_max_position_embeddings=16))),
    "olmo_clip": (transformers.OlmoConfig, transformers.OlmoForCausalLM,
                  dict(num_key_value_heads=4, clip_qkv=0.4, rope_theta=10000.0, tie_word_embeddings=False)),
}


def rope_kwargs(kw):
    """transformers 5 takes RoPE settings as rope_parameters; 4 as top-level rope_theta and rope_scaling."""
    if int(transformers.__version__.split(".")[0]) < 5:
        return kw
    params = {"rope_theta": kw.pop("rope_theta", 10000.0), "rope_type": "default"}
    scaling = kw.pop("rope_scaling", None)
    if scaling:
        params.update(scaling)
    if "partial_rotary_factor" in kw:
        params["partial_rotary_factor"] = kw["partial_rotary_factor"]
    kw["rope_parameters"] = params
    return kw


def build(name, cfg_cls, model_cls, extra):
    kw = dict(COMMON)
    kw.update(extra)
    kw = rope_kwargs(kw)
    torch.manual_seed(1234)
    cfg = cfg_cls(**kw)
    try:
        cfg._attn_implementation = "eager"
    except Exception:
        pass
    model = model_cls(cfg).float().eval()
    model.config._attn_implementation = "eager"
    return model


def batch():
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(3, V, (2, T), generator=g)
    mask = torch.ones(2, T, dtype=torch.long)
    mask[1, T - 4:] = 0
    ids[1, T - 4:] = 0
    labels = ids.clone()
    labels[mask == 0] = -100
    labels[:, 0] = -100
    return ids, mask, labels


def run(name):
    cfg_cls, model_cls, extra = FAMILIES[name]
    model = build(name, cfg_cls, model_cls, extra)
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    model.save_pretrained(d, safe_serialization=True)
    print(name, "config:", open(os.path.join(d, "config.json")).read(), flush=True)
    ids, mask, labels = batch()
    ref = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    model.zero_grad()
    out = model(input_ids=ids, attention_mask=mask, labels=labels, output_hidden_states=True)
    out.loss.backward()
    ref["logits"] = out.logits.detach().clone()
    for i, h in enumerate(out.hidden_states):
        ref["hidden.%d" % i] = h.detach().clone()
    lp = torch.log_softmax(out.logits.detach().double(), -1)[:, :-1].gather(-1, ids[:, 1:, None])[..., 0]
    ref["token_logprobs"] = lp.float()
    ref["loss"] = out.loss.detach().reshape(1)
    saved = {k for k in __import__("safetensors.torch", fromlist=["load_file"]).load_file(
        os.path.join(d, "model.safetensors")).keys()}
    named = dict(model.named_parameters())
    for k in sorted(saved):
        p = named.get(k)
        if p is None:
            continue
        ref["grad." + k] = (p.grad if p.grad is not None else torch.zeros_like(p)).detach().clone()
    # greedy by full recompute
    with torch.no_grad():
        seq = ids[:1].clone()
        for _ in range(8):
            nxt = model(input_ids=seq).logits[:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
    ref["greedy_ids"] = seq
    # left padding with position ids from the mask, as generate() does
    with torch.no_grad():
        lids = torch.zeros_like(ids)
        lmask = torch.zeros_like(mask)
        lids[0] = ids[0]
        lmask[0] = 1
        lids[1, 4:] = ids[1, :T - 4]
        lmask[1, 4:] = 1
        pos = (lmask.cumsum(-1) - 1).clamp(min=0)
        ref["left.input_ids"] = lids
        ref["left.attention_mask"] = lmask
        ref["left.position_ids"] = pos
        ref["left.logits"] = model(input_ids=lids, attention_mask=lmask, position_ids=pos).logits.clone()
    # AdamW, loss recomputed before each step
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    for step in range(1, 4):
        opt.zero_grad()
        model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
        opt.step()
        if step in (1, 3):
            for k in sorted(saved):
                if k in named:
                    ref["adamw%d.%s" % (step, k)] = named[k].detach().clone()
    save_file({k: v.contiguous() for k, v in ref.items()}, os.path.join(d, "reference.safetensors"))
    with open(os.path.join(d, "README.txt"), "w") as f:
        f.write("%s: random init (seed 1234) tiny %s, fp32, made with torch %s and transformers %s (attn eager) by "
                "transformer/scripts/make_family_fixtures.py. Quantities as in ../shared/fixtures/README.md, plus "
                "left.* (a left-padded batch with position_ids = cumsum(mask) - 1).\n"
                % (name, model_cls.__name__, torch.__version__, transformers.__version__))
    print("ok", name, "loss", float(out.loss), flush=True)


if __name__ == "__main__":
    print("torch", torch.__version__, "transformers", transformers.__version__, flush=True)
    torch.set_num_threads(8)
    for n in FAMILIES:
        try:
            run(n)
        except Exception:
            print("FAILED", n, flush=True)
            traceback.print_exc()
