package dev.lethe.eval.tofu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One TOFU evaluation record: {@code question}, {@code answer}, {@code paraphrased_answer} (forget and retain sets;
 * null on real authors / world facts) and {@code perturbed_answer} (the wrong answers). {@link #read} takes TOFU's
 * JSON-lines files ({@code forget01_perturbed.json}, ...) or a JSON array of the same objects.
 */
public record TofuItem(String question, String answer, String paraphrasedAnswer, List<String> perturbedAnswers) {

    public TofuItem {
        perturbedAnswers = perturbedAnswers == null ? List.of() : List.copyOf(perturbedAnswers);
    }

    /** Reads at most {@code limit} records ({@code limit <= 0}: all). */
    public static List<TofuItem> read(Path file, int limit) throws IOException {
        List<TofuItem> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "TOFU JSON lines with question/answer/paraphrased_answer/"
                + "perturbed_answer, e.g. forget01_perturbed.json", Math.max(0, limit))) {
            out.add(of(r));
        }
        return out;
    }

    static TofuItem of(JsonRecords.Record r) {
        List<String> pert = new ArrayList<>();
        JsonNode p = r.node().get("perturbed_answer");
        if (p != null && p.isArray()) {
            p.forEach(x -> pert.add(x.asText()));
        } else if (p != null && p.isTextual()) {
            pert.add(p.asText());
        }
        return new TofuItem(r.text("question"), r.text("answer"), r.optionalText("paraphrased_answer"), pert);
    }
}
