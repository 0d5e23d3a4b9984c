#!/usr/bin/python3
"""Writes the reference fixtures of Lethe's eval metric tests to eval/src/test/resources/metrics/.

Run with Debian's Python and packages (apt-get install python3-scipy python3-sklearn python3-numpy python3-nltk):

    /usr/bin/python3 eval/scripts/make_metric_fixtures.py

Every expected value comes from the Python library the metric must agree with (scipy.stats.ks_2samp and hmean,
sklearn.metrics.roc_auc_score, statistics.harmonic_mean, numpy.sum, zlib, nltk's PorterStemmer) or from TOFU's
aggregation formulas evaluated with numpy/scipy. Samples come from a fixed seed, so reruns give identical files.
Shared data is read from ../shared (override with LETHE_SHARED).
"""
import json
import os
import re
import statistics
import sys
import zlib

import numpy as np
import scipy
import sklearn
from nltk.stem import porter
from scipy.stats import hmean, ks_2samp
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("LETHE_SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "eval", "src", "test", "resources", "metrics")
rng = np.random.default_rng(20261128)


def versions():
    return {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
            "sklearn": sklearn.__version__, "zlib": zlib.ZLIB_VERSION}


def write(name, payload):
    payload = {"generator": "eval/scripts/make_metric_fixtures.py", "versions": versions(), **payload}
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(payload, f, indent=1)
    print("wrote", name)


def ks_cases():
    cases = []

    def add(tag, a, b):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        r = ks_2samp(a, b)
        exact = max(len(a), len(b)) <= 10000
        cases.append({"tag": tag, "a": a.tolist(), "b": b.tolist(), "statistic": float(r.statistic),
                      "pvalue": float(r.pvalue), "exact": exact})

    for n1, n2 in [(1, 1), (1, 5), (3, 3), (5, 7), (10, 10), (40, 40), (40, 300), (37, 53), (100, 100),
                   (200, 150), (400, 400), (400, 397), (250, 1000), (8, 1200)]:
        add(f"normal {n1}x{n2}", rng.normal(size=n1), rng.normal(0.3, 1.2, size=n2))
    for n1, n2 in [(40, 40), (25, 60), (300, 200)]:
        add(f"shifted {n1}x{n2}", rng.normal(size=n1), rng.normal(2.0, 1.0, size=n2))
    for n1, n2 in [(20, 20), (30, 45), (200, 300)]:
        # heavy ties: integers in a small range
        add(f"ties {n1}x{n2}", rng.integers(0, 5, size=n1), rng.integers(0, 6, size=n2))
    add("identical", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    add("disjoint 50x60", rng.uniform(0, 1, 50), rng.uniform(2, 3, 60))
    # truth-ratio-like samples (log-normal), TOFU forget01/05/10 sizes
    for n in [40, 200, 400]:
        add(f"lognormal {n}", np.exp(rng.normal(-0.4, 0.5, n)), np.exp(rng.normal(-0.2, 0.4, n)))
    return cases


def ks_asymptotic_cases():
    # Deterministic samples Java can rebuild exactly: a_i = (i*7919 mod 10007)/10007, b_i = (i*104729 mod 10009)/10009 + s
    out = []
    for n1, n2, shift in [(12000, 11000, 0.01), (10001, 20000, 0.0), (15000, 15000, 0.03)]:
        a = np.array([(i * 7919 % 10007) / 10007.0 for i in range(n1)])
        b = np.array([(i * 104729 % 10009) / 10009.0 + shift for i in range(n2)])
        r = ks_2samp(a, b)
        out.append({"n1": n1, "n2": n2, "shift": shift, "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    return out


def auc_cases():
    cases = []

    def add(tag, y, s):
        y = np.asarray(y, dtype=int)
        s = np.asarray(s, dtype=np.float64)
        cases.append({"tag": tag, "labels": y.tolist(), "scores": s.tolist(), "auc": float(roc_auc_score(y, s))})

    for n in [2, 5, 20, 100, 257, 1000]:
        y = rng.integers(0, 2, size=n)
        y[0], y[-1] = 0, 1
        add(f"random {n}", y, rng.normal(size=n) + 0.5 * y)
    for n in [10, 60, 500]:
        y = rng.integers(0, 2, size=n)
        y[0], y[-1] = 0, 1
        add(f"ties {n}", y, rng.integers(0, 4, size=n).astype(float))
    add("all tied", [0, 1, 0, 1, 1], [0.5] * 5)
    add("perfect", [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    add("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])
    add("signed zeros", [0, 1, 0, 1], [0.0, -0.0, 1.0, -1.0])
    return cases


def hmean_cases():
    cases = []
    for vals in [[1.0, 2.0, 4.0], [0.5], [0.3, 0.0, 0.9], [1e-300, 1.0], [0.9999, 0.5, 0.25, 0.125, 0.7, 0.3, 0.61,
                                                                           0.42, 0.33]]:
        cases.append({"values": vals, "scipy": float(hmean(vals)), "statistics": float(statistics.harmonic_mean(vals))})
    for n in [2, 7, 8, 9, 12, 30, 200]:
        vals = rng.uniform(0.01, 1.0, size=n).tolist()
        cases.append({"values": vals, "scipy": float(hmean(vals)), "statistics": float(statistics.harmonic_mean(vals))})
    return cases


def sum_cases():
    cases = []
    for n in list(range(1, 20)) + [31, 64, 127, 128, 129, 200, 255, 256, 257, 1000, 1031]:
        v = rng.normal(size=n) * 10.0 ** rng.integers(-8, 9, size=n)
        cases.append({"values": v.tolist(), "sum": float(np.sum(v)), "mean": float(np.mean(v))})
    return cases


def zlib_cases():
    texts = ["", "a", "hello hello hello hello", "Ünïcödé — text ✓ 日本語",
             "The author in question is Jaime Vasquez, an esteemed LGBTQ+ writer who hails from Santiago, Chile."]
    with open(os.path.join(SHARED, "data", "lume", "forget.jsonl")) as f:
        for i, line in enumerate(f):
            if i >= 5:
                break
            texts.append(json.loads(line)["input"])
    return [{"text": t, "length": len(zlib.compress(t.encode("utf-8")))} for t in texts]


def porter_cases():
    stemmer = porter.PorterStemmer()
    words = set()
    for name in ["full.json", "real_authors_perturbed.json", "world_facts_perturbed.json"]:
        with open(os.path.join(SHARED, "data", "tofu", name)) as f:
            text = f.read().lower()
        words.update(re.split(r"\s+", re.sub(r"[^a-z0-9]+", " ", text)))
    with open(os.path.join(SHARED, "data", "lume", "forget.jsonl")) as f:
        words.update(re.split(r"\s+", re.sub(r"[^a-z0-9]+", " ", f.read().lower())))
    extra = ["running", "runs", "ran", "caresses", "ponies", "ties", "caress", "cats", "feed", "agreed", "plastered",
             "bled", "motoring", "sing", "conflated", "troubled", "sized", "hopping", "tanned", "falling", "hissing",
             "fizzed", "failing", "filing", "happy", "sky", "skies", "dying", "lying", "tying", "news", "innings",
             "outings", "cannings", "howe", "proceed", "exceed", "succeed", "relational", "conditional", "rational",
             "valenci", "hesitanci", "digitizer", "conformabli", "radicalli", "differentli", "vileli", "analogousli",
             "vietnamization", "predication", "operator", "feudalism", "decisiveness", "hopefulness", "callousness",
             "formaliti", "sensitiviti", "sensibiliti", "triplicate", "formative", "formalize", "electriciti",
             "electrical", "hopeful", "goodness", "revival", "allowance", "inference", "airliner", "gyroscopic",
             "adjustable", "defensible", "irritant", "replacement", "adjustment", "dependent", "adoption",
             "homologou", "communism", "activate", "angulariti", "homologous", "effective", "bowdlerize", "probate",
             "rate", "cease", "controll", "roll", "enjoy", "spy", "fly", "try", "died", "tied", "cried", "spied",
             "generalli", "hopefulli", "analogi", "archaeologi", "1990s", "2000s", "abcs", "yyyy", "syzygy", "toy",
             "sses", "ied", "eed", "ing", "ed", "ion", "y", "ys", "oed", "bying", "bbing", "ssed", "zzed", "lled",
             "atively", "ably", "yearly", "quickly", "argument", "agreement", "nationalization", "s"]
    words.update(extra)
    words.discard("")
    return {w: stemmer.stem(w) for w in sorted(words)}


def rouge_tokenize(text, stemmer):
    # Transliteration of rouge_score.tokenize.tokenize (used only to generate expected values).
    text = re.sub(r"[^a-z0-9]+", " ", text.lower())
    tokens = re.split(r"\s+", text)
    if stemmer is not None:
        tokens = [stemmer.stem(x) if len(x) > 3 else x for x in tokens]
    return [x for x in tokens if re.match(r"^[a-z0-9]+$", x)]


def lcs(a, b):
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t[-1][-1]


def fm(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def rouge_cases():
    stemmer = porter.PorterStemmer()
    pairs = [("", ""), ("", "something"), ("something", ""), ("?!... ---", "hello"), ("the cat", "?!"),
             ("The cat sat on the mat.", "the cat the cat the cat"), ("running runs", "run run"),
             ("He was running in the races", "he runs in a race"), ("A B C D E", "E D C B A"),
             ("It's 1990s music, isn't it?", "its 1990 music isnt it"), ("caf\u00e9 na\u00efve r\u00e9sum\u00e9", "cafe naive resume"),
             ("The generalization of relational databases", "generalizing related database"),
             ("repeated repeated repeated words", "repeated words words words"),
             ("Ünïcödé K\u212a", "k kk")]
    out = []
    for ref, pred in pairs:
        rt, pt = rouge_tokenize(ref, stemmer), rouge_tokenize(pred, stemmer)
        if rt and pt:
            l = lcs(rt, pt)
            lp, lr = l / len(pt), l / len(rt)
        else:
            lp = lr = 0.0
        from collections import Counter
        rc, pc = Counter(rt), Counter(pt)
        inter = sum(min(c, pc[g]) for g, c in rc.items())
        p1, r1 = inter / max(sum(pc.values()), 1), inter / max(sum(rc.values()), 1)
        out.append({"reference": ref, "prediction": pred, "reference_tokens": rt, "prediction_tokens": pt,
                    "rougeL": [lp, lr, fm(lp, lr)], "rouge1": [p1, r1, fm(p1, r1)]})
    return out


def tofu_aggregate():
    """TOFU aggregate_eval_stat.py formulas with numpy/scipy on the shared log (model utility) and on a copy whose
    forget-set avg_paraphrased_loss is raised by 0.5 (forget quality against the original as retain model)."""
    path = os.path.join(SHARED, "data", "tofu_eval_logs", "llama2-7b_retain99_wd0.01_eval_log_aggregated.json")
    with open(path) as f:
        log = json.load(f)
    names = {"eval_real_author_wo_options.json": "Real Authors", "eval_real_world_wo_options.json": "Real World",
             "eval_log.json": "Retain", "eval_log_forget.json": "Forget"}
    res = {}
    for k in names:
        for m in ["ROUGE", "Prob.", "Truth Ratio"]:
            res[m + " " + names[k]] = None
    for k, v in log.items():
        if "eval_log" in k:
            prob = np.mean(np.exp(-1 * np.array(list(v["avg_gt_loss"].values()))))
        else:
            t = np.exp(-1 * np.array(list(v["avg_gt_loss"].values())))
            fls = np.exp(-1 * np.array(list(v["average_perturb_loss"].values())))
            prob = np.mean(t / np.concatenate([t[:, None], fls], axis=1).sum(-1))
        res["Prob. " + names[k]] = float(prob)
        res["ROUGE " + names[k]] = float(np.array(list(v["rougeL_recall"].values())).mean())
        s = np.exp(np.array(list(v["average_perturb_loss"].values())).mean(-1)
                   - np.array(list(v["avg_paraphrased_loss"].values())))
        res["Truth Ratio " + names[k]] = float(np.mean(np.minimum(s, 1 / s)) if "forget" in k
                                               else np.mean(np.maximum(0, 1 - 1 / s)))
    res["Model Utility"] = float(hmean([v for k, v in res.items() if "Forget" not in k]))

    def forget_stats(lg):
        f = lg["eval_log_forget.json"]
        return np.exp(np.array(list(f["average_perturb_loss"].values())).mean(-1)
                      - np.array(list(f["avg_paraphrased_loss"].values())))

    shifted = json.loads(json.dumps(log))
    para = shifted["eval_log_forget.json"]["avg_paraphrased_loss"]
    for key in para:
        para[key] = para[key] + 0.5
    ks = ks_2samp(forget_stats(shifted), forget_stats(log))
    self_ks = ks_2samp(forget_stats(log), forget_stats(log))
    return {"log": "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json",
            "model_utility": res,
            "forget_quality_shifted_by_0.5": {"Forget Quality": float(ks.pvalue), "KS Test Forget": float(ks.statistic)},
            "forget_quality_self": {"Forget Quality": float(self_ks.pvalue), "KS Test Forget": float(self_ks.statistic)}}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write("ks_2samp.json", {"cases": ks_cases(), "asymptotic": ks_asymptotic_cases()})
    write("roc_auc.json", {"cases": auc_cases()})
    write("hmean.json", {"cases": hmean_cases()})
    write("numpy_sum.json", {"cases": sum_cases()})
    write("zlib.json", {"cases": zlib_cases()})
    write("porter_nltk.json", {"nltk_mode": "NLTK_EXTENSIONS", "stems": porter_cases()})
    write("rouge_edge.json", {"cases": rouge_cases()})
    write("tofu_aggregate.json", tofu_aggregate())
