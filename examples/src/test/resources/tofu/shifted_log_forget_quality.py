"""Expected numbers for TofuAggregateCommandTest.forgetQualityIsTheKsTestOfTwoDifferentLogs.

The target log is the shared TOFU retain99 log with 0.5 added to every forget item's avg_paraphrased_loss (the test
writes that copy itself). Forget quality is scipy's two-sample KS test between the two logs' forget truth ratios
exp(mean perturbed loss - paraphrased loss) (TOFU, arXiv 2401.06121, section 2.5). Run: /usr/bin/python3 this_file.
"""
import json
import numpy as np
from scipy.stats import ks_2samp

LOG = "../shared/data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json"


def truth_ratios(forget, shift):
    para = np.array([v + shift for v in forget["avg_paraphrased_loss"].values()])
    pert = np.array([np.mean(v) for v in forget["average_perturb_loss"].values()])
    return np.exp(pert - para)


forget = json.load(open(LOG))["eval_log_forget.json"]
res = ks_2samp(truth_ratios(forget, 0.5), truth_ratios(forget, 0.0))
print(repr(float(res.statistic)), repr(float(res.pvalue)))
