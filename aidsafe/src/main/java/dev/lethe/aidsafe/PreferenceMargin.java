package dev.lethe.aidsafe;

import dev.lethe.eval.Progress;
import dev.lethe.eval.text.AnswerScorer;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.PreferenceRecord;
import dev.lethe.unlearn.job.DpoJob;
import dev.lethe.unlearn.recipe.Settings;
import java.util.ArrayList;
import java.util.List;

/**
 * The chosen-vs-rejected log-ratio of a model on preference pairs: mean over pairs of
 * log pi(y_w|x) - log pi(y_l|x) (sequence log-probabilities of the answer tokens, encoded exactly as
 * {@link DpoJob} trains on them). DPO (arXiv 2305.18290, eq. 7) raises it relative to the reference model, so the
 * value after training minus the value before is the mean implicit reward margin (Delta_w - Delta_l).
 */
public final class PreferenceMargin {
    private PreferenceMargin() {
    }

    public static double mean(CausalLM model, Tokenizer tok, Settings s, List<PreferenceRecord> pairs) {
        List<List<Example>> enc = DpoJob.encode(tok, s, pairs);
        AnswerScorer scorer = new AnswerScorer(model, Math.max(1, s.integer("batch_size")), s.integer("max_length"));
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (List<Example> side : enc) {
            for (Example e : side) {
                prompts.add(e.prompt());
                answers.add(e.answer());
            }
        }
        List<AnswerScorer.Scored> sc = scorer.score(prompts, answers, Progress.NONE, "log-ratio");
        int n = pairs.size();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += total(sc.get(i)) - total(sc.get(n + i));
        }
        return sum / n;
    }

    private static double total(AnswerScorer.Scored s) {
        double t = 0;
        for (double v : s.tokenLogProbs()) {
            t += v;
        }
        return t;
    }
}
