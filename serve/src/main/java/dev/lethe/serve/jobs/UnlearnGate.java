package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.unlearn.data.QaRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The promotion gate of an unlearning job: greedy answers of the new model to the job's forget questions must have mean ROUGE-L
 * recall against the forgotten answers of at most {@code max_forget_rouge_l} (TOFU's forget ROUGE), and the mean
 * ROUGE-L recall on the retain questions may drop by at most {@code max_retain_rouge_l_drop} from the base model's
 * (utility kept). Spec: {@code "gate": {"max_forget_rouge_l": Y, "max_retain_rouge_l_drop": X, "max_records": 16,
 * "max_new_tokens": 32}}; a missing bound is not checked.
 */
public record UnlearnGate(Double maxForgetRouge, Double maxRetainDrop, int maxRecords, int maxNewTokens) {

    /** The gate of a job spec, or null when it has none. */
    public static UnlearnGate of(JsonNode spec) {
        JsonNode g = spec.path("gate");
        if (g.isMissingNode() || g.isNull()) {
            return null;
        }
        if (!g.isObject()) {
            throw new IllegalArgumentException("gate must be an object {max_forget_rouge_l, max_retain_rouge_l_drop}");
        }
        return new UnlearnGate(bound(g, "max_forget_rouge_l"), bound(g, "max_retain_rouge_l_drop"),
                g.path("max_records").asInt(16), g.path("max_new_tokens").asInt(32));
    }

    private static Double bound(JsonNode g, String f) {
        JsonNode n = g.path(f);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("gate." + f + " must be a number");
        }
        return n.asDouble();
    }

    /** This gate applied to a job's forget and retain records, asked in {@code promptTemplate}. */
    public Gate bind(List<QaRecord> forget, List<QaRecord> retain, String promptTemplate) {
        return (base, candidate) -> check(base, candidate, forget, retain, promptTemplate);
    }

    /** Scores the new model (and the base, for the retain drop); "passed" tells whether it may be promoted. */
    public Map<String, Object> check(Path base, Path candidate, List<QaRecord> forgetRecords,
            List<QaRecord> retainRecords, String promptTemplate) throws IOException {
        PromptTemplate template = promptTemplate.contains("{question}") ? PromptTemplate.of(promptTemplate, " ")
                : PromptTemplate.named(promptTemplate);
        Map<String, Object> m = new LinkedHashMap<>();
        boolean passed = true;
        double forget = rouge(candidate, forgetRecords, template);
        m.put("forget_rouge_l", forget);
        if (maxForgetRouge != null) {
            m.put("max_forget_rouge_l", maxForgetRouge);
            passed = forget <= maxForgetRouge;
        }
        if (!retainRecords.isEmpty()) {
            double after = rouge(candidate, retainRecords, template);
            double before = rouge(base, retainRecords, template);
            m.put("retain_rouge_l_before", before);
            m.put("retain_rouge_l_after", after);
            if (maxRetainDrop != null) {
                m.put("max_retain_rouge_l_drop", maxRetainDrop);
                passed &= before - after <= maxRetainDrop;
            }
        }
        m.put("passed", passed);
        return m;
    }

    private double rouge(Path dir, List<QaRecord> records, PromptTemplate template) throws IOException {
        List<QaRecord> use = records.subList(0, Math.min(maxRecords, records.size()));
        CausalLM model = CausalLM.load(dir, DataType.FLOAT);
        try (Tokenizer tok = Tokenizers.load(dir)) {
            List<String> prompts = new ArrayList<>();
            for (QaRecord r : use) {
                prompts.add(template.prompt(r.question()));
            }
            List<Generation> out = new Generator(model, tok).generateText(prompts, GenerationConfig.greedy(
                    maxNewTokens));
            Rouge rouge = Rouge.withStemmer();
            double sum = 0;
            for (int i = 0; i < use.size(); i++) {
                sum += rouge.rougeL(use.get(i).answer(), out.get(i).text()).recall();
            }
            return use.isEmpty() ? 0 : sum / use.size();
        }
    }
}
