package dev.lethe.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.HarmonicMean;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.eval.tofu.TofuSplitResult;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TOFU-style evaluation of one demo model: probabilities, greedy-generation ROUGE-L and truth ratios on the forget and
 * retain authors, forget quality against the retain model's forget truth ratios, the LOSS membership-inference AUC of
 * forget (members) vs never-seen holdout authors, and the demo's model utility. TOFU's model utility is the harmonic
 * mean of nine numbers over retain, real-author and world-fact questions; the demo models never learn real authors or
 * world facts, so the demo reports the harmonic mean of the three retain numbers (probability, ROUGE-L, truth ratio)
 * as {@code model_utility_retain}. Reports are cached by model checksum.
 */
public final class DemoEvaluation {
    /** Evaluation settings: batch 16, up to 128 new tokens, 256 tokens per sequence. */
    public static final TofuSettings SETTINGS = TofuSettings.defaults().withBatchSize(16).withMaxNewTokens(128)
            .withMaxLength(256);

    private DemoEvaluation() {
    }

    /**
     * Evaluates (or reuses a cached report of) the model in {@code modelDir}; returns report.json's content and
     * writes report.json + report.html to {@code out}.
     */
    public static ObjectNode evaluate(Path modelDir, CausalLM model, Tokenizer tok, DemoData data,
            double[] retainForgetTruthRatios, JsonNode baseline, String baselineName, Path trainingLog, Path out,
            Progress progress) throws IOException {
        ModelChecksum sum = ModelChecksum.of(modelDir);
        Path cached = out.resolve("report.json");
        if (Files.isRegularFile(cached) && baseline == null && trainingLog == null) {
            JsonNode old = Json.readReport(cached);
            if (sum.sha256().equals(old.path("model").path("sha256").asText()) && (retainForgetTruthRatios == null)
                    == old.path("reference").isMissingNode()) {
                return (ObjectNode) old;
            }
        }
        TofuRunner runner = new TofuRunner(model, tok, SETTINGS, progress);
        List<TofuSplit> sets = List.of(TofuSplit.forget(data.forget(), 0), TofuSplit.retain(data.retain(), 0));
        List<TofuItem> holdout = TofuItem.read(data.holdout(), 0);
        TofuResult result = runner.run(sets, holdout, retainForgetTruthRatios);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("batch_size", SETTINGS.batchSize());
        settings.put("max_new_tokens", SETTINGS.maxNewTokens());
        settings.put("max_length", SETTINGS.maxLength());
        settings.put("template", SETTINGS.prompt().pattern());
        ObjectNode report = TofuReport.build(result, modelDir, sum, settings, retainForgetTruthRatios,
                retainForgetTruthRatios == null ? null : "demo retain model");
        TofuSplitResult retain = result.split("retain");
        double mu = HarmonicMean.scipy(new double[] {retain.probability(), retain.rougeLRecall(), retain.truthRatio()});
        ((ObjectNode) report.path("headline")).put("model_utility_retain", mu);
        ((ObjectNode) report.path("headline")).put("retain_rougeL_recall", retain.rougeLRecall());
        dev.lethe.eval.report.HtmlReport.write(out, report, baseline, baselineName, trainingLog);
        return report;
    }

    /** The headline numbers of a report. */
    public static Map<String, Double> headline(JsonNode report) {
        Map<String, Double> h = new LinkedHashMap<>();
        report.path("headline").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asDouble()));
        return h;
    }
}
