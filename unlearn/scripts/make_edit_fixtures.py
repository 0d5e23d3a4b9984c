#!/usr/bin/env python3
"""Independent float64 references for Lethe's ROME and MEMIT closed-form updates (numpy only).

ROME (arXiv 2202.05262, eq. 2):   u = C^-1 k,  dW = (v - W k) u^T / (u^T k)
MEMIT (arXiv 2210.07229, eq. 14): dW = R K^T (lam C + K K^T)^-1

Inputs are random but fixed (seed 14); C is built as E[k k^T] over random keys, as the statistics are.
Writes src/test/resources/edit/closed_form.json. Run: /usr/bin/python3 unlearn/scripts/make_edit_fixtures.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(14)
F, D, N, SAMPLES = 12, 5, 4, 40
keys = rng.normal(size=(SAMPLES, F))
C = keys.T @ keys / SAMPLES                      # second moments E[k k^T]
W = rng.normal(size=(D, F))
b = rng.normal(size=D)
k = rng.normal(size=F)
v = rng.normal(size=D)
residual = v - (W @ k + b)
u = np.linalg.inv(C) @ k                         # explicit inverse here, on purpose: Lethe solves
rome = np.outer(residual, u) / (u @ k)

K = rng.normal(size=(F, N))
R = rng.normal(size=(D, N))
lam = 3.5
memit = R @ K.T @ np.linalg.inv(lam * C + K @ K.T)

out = {
    "C": C.tolist(), "k": k.tolist(), "residual": residual.tolist(), "rome_dW": rome.tolist(),
    "K": K.tolist(), "R": R.tolist(), "lambda": lam, "memit_dW": memit.tolist(),
    "check_rome_maps_k": ((W + rome) @ k + b - v).tolist(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "edit",
                    "closed_form.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path, "max |(W+dW)k+b-v| =", np.abs(out["check_rome_maps_k"]).max())
