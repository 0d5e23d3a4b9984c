package dev.lethe.unlearn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A question/answer record as TOFU stores it: question, answer, and for the evaluation splits a paraphrased answer and
 * perturbed (wrong) answers.
 */
public record QaRecord(String question, String answer, String paraphrasedAnswer, List<String> perturbedAnswers) {
    public QaRecord {
        perturbedAnswers = List.copyOf(perturbedAnswers);
    }

    public static QaRecord of(String question, String answer) {
        return new QaRecord(question, answer, null, List.of());
    }

    /** Reads TOFU-style JSON Lines with fields question and answer (and optionally paraphrased/perturbed answers). */
    public static List<QaRecord> read(Path file) throws IOException {
        List<QaRecord> out = new ArrayList<>();
        for (JsonLines.Row r : JsonLines.read(file)) {
            List<String> perturbed = r.node().has("perturbed_answer") && r.node().get("perturbed_answer").isTextual()
                    ? List.of(r.text("perturbed_answer")) : r.texts("perturbed_answer");
            out.add(new QaRecord(r.text("question"), r.text("answer"), r.optionalText("paraphrased_answer"), perturbed));
        }
        return out;
    }
}
