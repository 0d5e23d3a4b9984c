package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.scale.DistributedTofu;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --benchmark tofu}: TOFU's forget, retain, real-authors and world-facts sets with
 * {@link TofuRunner}; forget quality against the retain model's forget truth ratios (--retain-report or
 * --retain-model, options of {@link EvalCommand}).
 */
final class EvalTofu implements EvalBenchmark {
    @Option(names = "--split", defaultValue = "forget01", paramLabel = "NAME",
            description = "Forget split in --data: forget01, forget05 or forget10 (default forget01).")
    String split;

    @Option(names = "--forget", paramLabel = "FILE", description = "Forget set (with paraphrased/perturbed answers).")
    Path forget;

    @Option(names = "--retain-eval", paramLabel = "FILE",
            description = "Retain evaluation set (retain_perturbed.json).")
    Path retainEval;

    @Option(names = "--real-authors", paramLabel = "FILE", description = "real_authors_perturbed.json.")
    Path realAuthors;

    @Option(names = "--world-facts", paramLabel = "FILE", description = "world_facts_perturbed.json.")
    Path worldFacts;

    @Option(names = "--holdout", paramLabel = "FILE", description = "QA items the model never saw (non-members) for"
            + " the membership-inference AUC against the forget set.")
    Path holdout;

    @Option(names = "--template", defaultValue = "Question: {question}\\nAnswer:", paramLabel = "TEXT",
            description = "Prompt template with {question}; \\n is a newline (default: Lethe's plain template).")
    String template;

    @Option(names = "--answer-prefix", defaultValue = " ", paramLabel = "TEXT",
            description = "Text before the answer (default one space).")
    String answerPrefix;

    @Option(names = "--stop", paramLabel = "STR", description = "Extra stop string for generation (repeatable).")
    List<String> stops = new ArrayList<>();

    @Override
    public List<String> names() {
        return List.of("tofu");
    }

    @Override
    public int run(EvalCommand e) throws IOException {
        e.requireModel();
        int maxNewTokens = e.maxNewTokensOption == null ? 200 : e.maxNewTokensOption;
        if (e.retainReport != null && e.retainModel != null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "give either --retain-report or --retain-model, not both");
        }
        TofuSettings settings = TofuSettings.defaults().withPrompt(PromptTemplate.of(template, answerPrefix))
                .withBatchSize(e.batch).withMaxNewTokens(maxNewTokens).withMaxLength(e.maxLength).withLimit(e.limit)
                .withStopStrings(stops.toArray(String[]::new));
        List<TofuSplit> sets = new ArrayList<>();
        Path forgetFile = e.pick(forget, split + "_perturbed.json");
        Path retainFile = e.pick(retainEval, "retain_perturbed.json");
        Path raFile = e.pick(realAuthors, "real_authors_perturbed.json");
        Path wfFile = e.pick(worldFacts, "world_facts_perturbed.json");
        if (forgetFile != null) {
            sets.add(TofuSplit.forget(forgetFile, e.limit));
        }
        if (retainFile != null) {
            sets.add(TofuSplit.retain(retainFile, e.limit));
        }
        if (raFile != null) {
            sets.add(TofuSplit.realAuthors(raFile, e.limit));
        }
        if (wfFile != null) {
            sets.add(TofuSplit.worldFacts(wfFile, e.limit));
        }
        if (sets.isEmpty()) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "no TOFU sets: give --data DIR (folder of"
                    + " forget01_perturbed.json, retain_perturbed.json, ...) or --forget/--retain-eval/"
                    + "--real-authors/--world-facts files");
        }
        List<TofuItem> holdoutItems = holdout == null ? null : TofuItem.read(holdout, e.limit);
        PrintWriter err = e.spec.commandLine().getErr();
        Progress progress = e.progress();

        double[] reference = null;
        String refSource = null;
        CausalLM retainLm = null;
        if (e.retainReport != null) {
            reference = TofuReport.forgetTruthRatios(e.retainReport);
            refSource = e.retainReport.toString();
        } else if (e.retainModel != null) {
            TofuSplit f = sets.stream().filter(s -> s.name().equals("forget")).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("--retain-model needs the forget set (--forget or --data)"));
            err.println("retain model " + e.retainModel + ": forget set");
            try (Tokenizer tok = e.openTokenizer(e.retainModel)) {
                retainLm = CausalLM.load(e.retainModel);
                reference = new TofuRunner(retainLm, tok, settings, progress).evaluate(f).truthRatios();
            }
            refSource = e.retainModel.toString();
        }
        TofuResult result;
        if (e.master != null) {
            List<DistributedTofu.SetSpec> specs = new ArrayList<>();
            for (TofuSplit t : sets) {
                specs.add(new DistributedTofu.SetSpec(t.name(), t.kind(), t.file().toAbsolutePath().toString(),
                        e.limit));
            }
            try (JavaSparkContext sc = e.spark()) {
                result = DistributedTofu.run(sc, e.model.toAbsolutePath().toString(), e.tokenizerPath(), settings,
                        specs, holdout == null ? null : holdout.toAbsolutePath().toString(), e.limit, reference,
                        e.retainModel == null ? null : e.retainModel.toAbsolutePath().toString());
            }
        } else {
            try (Tokenizer tok = e.openTokenizer(e.model)) {
                CausalLM lm = CausalLM.load(e.model);
                // the retain model, when given, is also the reference model of the reference-model MIA
                result = new TofuRunner(lm, tok, settings, progress, retainLm).run(sets, holdoutItems, reference);
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", e.benchmark);
        s.put("template", settings.prompt().pattern());
        s.put("answer_prefix", settings.prompt().answerPrefix());
        s.put("add_bos", settings.prompt().addBos());
        s.put("add_eos", settings.prompt().addEos());
        s.put("batch", e.batch);
        s.put("limit", e.limit);
        s.put("max_new_tokens", maxNewTokens);
        s.put("max_length", e.maxLength);
        s.put("stop_strings", stops);
        s.put("min_k", settings.minK());
        for (TofuSplit t : sets) {
            s.put(t.name() + "_file", String.valueOf(t.file()));
        }
        s.put("holdout_file", holdout == null ? null : holdout.toString());
        s.put("tokenizer", e.tokenizer == null ? e.model.toString() : e.tokenizer.toString());
        ObjectNode report = TofuReport.build(result, e.model, ModelChecksum.of(e.model), s, reference, refSource);
        return e.finish(report);
    }
}
