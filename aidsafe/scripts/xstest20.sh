#!/bin/bash
# The AIDSAFE flow on 20 XSTest prompts (10 safe, 10 contrast) with stories260K in process: generate, rerun
# (resumes: nothing to do), pairs, SFT, DPO (prints the log-ratio before/after), XSTest/HarmBench evaluation.
# Usage: aidsafe/scripts/xstest20.sh [OUT_DIR]   (about 20 minutes on 2 busy cores)
set -e
cd "$(dirname "$0")/../.."
export LETHE_JAVA_OPTS="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=2G -Dorg.bytedeco.javacpp.maxphysicalbytes=3500m"
export OMP_NUM_THREADS=1
S=${LETHE_SHARED:-../shared}/models/stories260K
R=${1:-/tmp/aidsafe-run}; mkdir -p $R
# 20 XSTest prompts: 10 safe, 10 contrast (unsafe)
python3 - "${LETHE_SHARED:-../shared}/data/xstest/xstest_prompts.csv" $R/xstest20.csv <<'PY'
import csv, sys
rows=list(csv.DictReader(open(sys.argv[1])))
safe=[r for r in rows if r['label']=='safe'][:10]; uns=[r for r in rows if r['label']=='unsafe'][:10]
w=csv.DictWriter(open(sys.argv[2],'w',newline=''),fieldnames=list(rows[0].keys())); w.writeheader(); [w.writerow(r) for r in safe+uns]
PY
T0=$(date +%s)
nice -n 5 ./lethe aidsafe generate --prompts $R/xstest20.csv --agents local:$S/hf --tokenizer $S/tok512.bin --agents-count 2 --rounds 2 --max-tokens 16 --csv --out $R/gen
T1=$(date +%s); echo "TIME generate $((T1-T0)) s"
nice -n 5 ./lethe aidsafe generate --prompts $R/xstest20.csv --agents local:$S/hf --tokenizer $S/tok512.bin --agents-count 2 --rounds 2 --max-tokens 16 --out $R/gen
nice -n 5 ./lethe aidsafe pairs --in $R/gen --out $R/pairs.jsonl --sft $R/sft.jsonl
nice -n 5 ./lethe finetune --model $S/hf --tokenizer $S/tok512.bin --data $R/sft.jsonl --set lr=1e-3 --set epochs=2 --set batch_size=4 --set max_length=256 --out $R/sft
T2=$(date +%s); echo "TIME sft $((T2-T1)) s"
nice -n 5 ./lethe dpo --model $R/sft --tokenizer $S/tok512.bin --data $R/pairs.jsonl --set lr=1e-3 --set epochs=3 --set batch_size=4 --set max_length=256 --out $R/dpo
T3=$(date +%s); echo "TIME dpo $((T3-T2)) s"
nice -n 5 ./lethe eval --benchmark xstest --model $S/hf --tokenizer $S/tok512.bin --max-new-tokens 16 --no-progress --out $R/eval-base
nice -n 5 ./lethe eval --benchmark xstest --model $R/dpo --tokenizer $S/tok512.bin --max-new-tokens 16 --no-progress --out $R/eval-dpo
nice -n 5 ./lethe eval --benchmark harmbench --model $R/dpo --tokenizer $S/tok512.bin --max-new-tokens 16 --no-progress --out $R/eval-hb
T4=$(date +%s); echo "TIME eval $((T4-T3)) s"
