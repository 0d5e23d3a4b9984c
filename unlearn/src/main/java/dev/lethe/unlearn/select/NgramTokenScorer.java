package dev.lethe.unlearn.select;

import dev.lethe.unlearn.data.Batch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SU-Ngram token scores (arXiv 2506.00876; algorithms.md 3.1): conditional n-gram tables (n = 3 by default) over the
 * answer tokens of the forget and of the retain set, and s_t = |P_f(y_t | previous n-1 tokens) - P_r(y_t | previous
 * n-1 tokens)|, with P = 0 for a context the set never shows. Answer tokens whose context reaches before the answer's
 * start use the tokens that are there (the context is taken within the answer only, shorter at its start).
 */
public final class NgramTokenScorer {
    private final int n;
    private final Map<String, Map<Integer, Integer>> forget = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> retain = new HashMap<>();

    public NgramTokenScorer(List<int[]> forgetAnswers, List<int[]> retainAnswers, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n-gram order must be >= 1");
        }
        this.n = n;
        for (int[] a : forgetAnswers) {
            count(forget, a);
        }
        for (int[] a : retainAnswers) {
            count(retain, a);
        }
    }

    private String context(int[] a, int t) {
        StringBuilder sb = new StringBuilder();
        for (int k = Math.max(0, t - (n - 1)); k < t; k++) {
            sb.append(a[k]).append(',');
        }
        return sb.toString();
    }

    private void count(Map<String, Map<Integer, Integer>> table, int[] a) {
        for (int t = 0; t < a.length; t++) {
            table.computeIfAbsent(context(a, t), k -> new HashMap<>()).merge(a[t], 1, Integer::sum);
        }
    }

    private static double prob(Map<String, Map<Integer, Integer>> table, String ctx, int y) {
        Map<Integer, Integer> next = table.get(ctx);
        if (next == null) {
            return 0;
        }
        int total = 0;
        for (int c : next.values()) {
            total += c;
        }
        return next.getOrDefault(y, 0) / (double) total;
    }

    /** Scores of one answer's tokens. */
    public double[] scoreAnswer(int[] answer) {
        double[] s = new double[answer.length];
        for (int t = 0; t < answer.length; t++) {
            String ctx = context(answer, t);
            s[t] = Math.abs(prob(forget, ctx, answer[t]) - prob(retain, ctx, answer[t]));
        }
        return s;
    }

    /** Scores at every position of a batch (row-major [B, T]); answer tokens are the positions with labels. */
    public double[] score(Batch b) {
        int t = b.length();
        double[] out = new double[b.batch() * t];
        for (int i = 0; i < b.batch(); i++) {
            int start = -1;
            int end = -1;
            for (int j = 0; j < t; j++) {
                if (b.labels()[i * t + j] != Batch.IGNORE) {
                    if (start < 0) {
                        start = j;
                    }
                    end = j + 1;
                }
            }
            if (start < 0) {
                continue;
            }
            int[] answer = new int[end - start];
            for (int j = start; j < end; j++) {
                answer[j - start] = b.ids()[i * t + j];
            }
            double[] s = scoreAnswer(answer);
            for (int j = start; j < end; j++) {
                out[i * t + j] = b.labels()[i * t + j] == Batch.IGNORE ? 0 : s[j - start];
            }
        }
        return out;
    }
}
