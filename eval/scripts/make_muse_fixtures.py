#!/usr/bin/python3
"""Writes eval/src/test/resources/muse/muse_metrics.json, the reference values of Lethe's MUSE metric tests.

Run with Debian's Python and packages (apt-get install python3-numpy python3-sklearn):

    /usr/bin/python3 eval/scripts/make_muse_fixtures.py

Expected values come from scikit-learn (roc_curve, auc, roc_auc_score), NumPy and zlib, following the definitions of
MUSE's privleak.py / eval.py and open-unlearning's mia and privacy code as algorithms.md 11.2-11.3 records them:

* per document: PPL (MUSE's name for the mean NLL), PPL/zlib, Min-40% (-mean of the int(N*0.4) lowest token
  log-probs; every document here has N >= 3 so that count is >= 1) and Min-40%++ (open-unlearning's min_k_plus_plus:
  token log-probs standardised by the mean and variance of log p under the model's own next-token distribution,
  variance clamped at 1e-6);
* AUC in MUSE's convention: roc_curve(y, -score) with forget = 0 and holdout = 1, then auc(fpr, tpr), and PrivLeak
  (AUC - AUC_RETRAIN) / AUC_RETRAIN * 100 with MUSE-News' AUC_RETRAIN 0.4772;
* AUC in open-unlearning's convention: roc_auc_score(y, score), same labels, and its privleak
  ((1 - AUC) - (1 - ref)) / ((1 - ref) + 1e-10) * 100 with ref 0.5;
* MUSE's KnowMem cut, get_prefix_before_words_occur(output, ["\\n\\n", "\\nQuestion", "Question:"]).

Random inputs come from a fixed seed, so reruns give identical files.
"""
import json
import os
import sys
import zlib

import numpy as np
import sklearn
from sklearn.metrics import auc, roc_auc_score, roc_curve

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "eval", "src", "test", "resources", "muse")
rng = np.random.default_rng(20261128)
WORDS = ["river", "stone", "green", "bridge", "lamp", "keeper", "storm", "tower", "the", "a", "of", "1931", "Brask"]


def log_softmax(x):
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum())


def document(n_tokens, vocab=7):
    """Random next-token rows and targets: token log-probs, per-position mu and variance, and a text."""
    lp, mu, var = [], [], []
    for _ in range(n_tokens):
        row = log_softmax(rng.normal(0, 2, size=vocab))
        target = int(rng.integers(vocab))
        p = np.exp(row)
        m = float((p * row).sum())
        lp.append(float(row[target]))
        mu.append(m)
        var.append(float((p * row * row).sum() - m * m))
    text = " ".join(rng.choice(WORDS, size=int(rng.integers(3, 30))))
    return {"token_log_probs": lp, "mu": mu, "variance": var, "text": text}


def scores(d, k=0.4):
    lp = np.array(d["token_log_probs"])
    n = len(lp)
    ppl = float(-lp.mean())
    topk = np.sort(lp)[:int(n * k)]
    z = (lp - np.array(d["mu"])) / np.sqrt(np.clip(np.array(d["variance"]), 1e-6, None))
    topz = np.sort(z)[:max(1, int(n * k))]
    return {"loss": ppl, "zlib": ppl / len(zlib.compress(bytes(d["text"], "utf-8"))),
            "min_k": float(-np.mean(topk)), "min_k_plus_plus": float(-np.mean(topz))}


def privleak_case():
    forget = [document(int(rng.integers(3, 40))) for _ in range(6)]
    holdout = [document(int(rng.integers(3, 40))) for _ in range(5)]
    # make the forget documents more "member-like": higher log-probs on average
    for d in forget:
        d["token_log_probs"] = [v * 0.6 for v in d["token_log_probs"]]
    fs = [scores(d) for d in forget]
    hs = [scores(d) for d in holdout]
    attacks = {}
    for a in ["loss", "zlib", "min_k", "min_k_plus_plus"]:
        s = np.array([x[a] for x in fs] + [x[a] for x in hs])
        y = np.array([0] * len(fs) + [1] * len(hs))
        fpr, tpr, thr = roc_curve(y, -s)
        auc_muse = float(auc(fpr, tpr))
        auc_ou = float(roc_auc_score(y, s))
        attacks[a] = {"forget_scores": [x[a] for x in fs], "holdout_scores": [x[a] for x in hs],
                      "auc_muse": auc_muse, "auc_open_unlearning": auc_ou,
                      "roc_muse": {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds_after_first": thr[1:].tolist()}}
    news = 0.4772
    m = attacks["min_k"]
    ou_score, ou_ref = 1 - m["auc_open_unlearning"], 1 - 0.5
    return {"forget": forget, "holdout": holdout, "k": 0.4, "attacks": attacks,
            "privleak_muse_news": (m["auc_muse"] - news) / news * 100,
            "privleak_open_unlearning_ref_0.5": (ou_score - ou_ref) / (ou_ref + 1e-10) * 100}


def roc_cases():
    cases = []

    def add(tag, y, s):
        y = np.asarray(y)
        s = np.asarray(s, dtype=np.float64)
        fpr, tpr, thr = roc_curve(y, s)
        cases.append({"tag": tag, "labels": y.tolist(), "scores": s.tolist(), "fpr": fpr.tolist(),
                      "tpr": tpr.tolist(), "thresholds_after_first": thr[1:].tolist(), "auc": float(auc(fpr, tpr)),
                      "roc_auc_score": float(roc_auc_score(y, s))})

    add("separable", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    add("ties", [0, 1, 0, 1, 1, 0], [1, 1, 2, 2, 3, 0])
    add("collinear points dropped", [1, 1, 0, 0, 1, 0, 0, 1], [8, 7, 6, 5, 4, 3, 2, 1])
    for n in [7, 30, 200]:
        y = rng.integers(0, 2, size=n)
        y[0], y[1] = 0, 1
        add(f"random {n}", y, rng.normal(size=n) + 0.7 * y)
    y = rng.integers(0, 2, size=60)
    y[0], y[1] = 0, 1
    add("random rounded (ties)", y, np.round(rng.normal(size=60) + 0.5 * y, 1))
    return cases


def get_prefix_before_words_occur(string, words):
    # MUSE metrics/knowmem.py
    for word in words:
        string = string.split(word)[0]
    return string


def cut_cases():
    outs = ["Paris", " Paris\n\nQuestion: What is", "1931\nQuestion: When", "in a chest. Question: x", "\n\nstorms",
            "a\nb\nc", "Question:", "yellow and\n\n\nQuestion: y", "no stop here at all  ", "x\nQuestio n"]
    return [{"output": o, "cut": get_prefix_before_words_occur(o, ["\n\n", "\nQuestion", "Question:"])} for o in outs]


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    payload = {"generator": "eval/scripts/make_muse_fixtures.py",
               "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "sklearn": sklearn.__version__,
                            "zlib": zlib.ZLIB_VERSION},
               "roc_curve": roc_cases(), "privleak": privleak_case(), "knowmem_cut": cut_cases()}
    with open(os.path.join(OUT, "muse_metrics.json"), "w") as f:
        json.dump(payload, f, indent=1)
    print("wrote muse_metrics.json")
