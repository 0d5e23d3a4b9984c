package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.HtmlReport;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.eval.text.QaPrompt;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --model DIR --benchmark tofu [--data DIR --split forget01 | --forget FILE --retain-eval FILE
 * --real-authors FILE --world-facts FILE] [--holdout FILE] [--retain-report DIR | --retain-model DIR]
 * [--baseline DIR] [--metrics-log FILE] [--limit N] [--batch B] --out DIR}: evaluates a model on TOFU with
 * {@link TofuRunner} and writes {@code report.json} and {@code report.html} into the output folder, then prints the
 * headline numbers as one JSON object. Forget quality needs the retain model's forget truth ratios: an earlier report
 * of the retain model ({@code --retain-report}) or the retain model itself ({@code --retain-model}, evaluated on the
 * forget set here). Only the TOFU benchmark is implemented so far.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model on a benchmark (TOFU) and write report.json + report.html.")
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model folder's).")
    Path tokenizer;

    @Option(names = "--benchmark", defaultValue = "tofu", paramLabel = "NAME",
            description = "Benchmark: tofu (semeval, mmlu, mcq and muse are not implemented yet).")
    String benchmark;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder with TOFU's *_perturbed.json files; sets"
            + " not given explicitly are taken from here when present.")
    Path data;

    @Option(names = "--split", defaultValue = "forget01", paramLabel = "NAME",
            description = "Forget split in --data: forget01, forget05 or forget10 (default forget01).")
    String split;

    @Option(names = "--forget", paramLabel = "FILE", description = "Forget set (with paraphrased/perturbed answers).")
    Path forget;

    @Option(names = "--retain-eval", paramLabel = "FILE", description = "Retain evaluation set (retain_perturbed.json).")
    Path retainEval;

    @Option(names = "--real-authors", paramLabel = "FILE", description = "real_authors_perturbed.json.")
    Path realAuthors;

    @Option(names = "--world-facts", paramLabel = "FILE", description = "world_facts_perturbed.json.")
    Path worldFacts;

    @Option(names = "--holdout", paramLabel = "FILE", description = "QA items the model never saw (non-members) for"
            + " the membership-inference AUC against the forget set.")
    Path holdout;

    @Option(names = "--retain-report", paramLabel = "DIR",
            description = "report.json (or its folder) of the retain model: reference of forget quality.")
    Path retainReport;

    @Option(names = "--retain-model", paramLabel = "DIR",
            description = "The retain model itself: evaluated on the forget set here as the forget-quality reference.")
    Path retainModel;

    @Option(names = "--baseline", paramLabel = "DIR", description = "An earlier report to compare with (before/after).")
    Path baseline;

    @Option(names = "--metrics-log", paramLabel = "FILE", description = "Training metrics JSONL: loss curves.")
    Path metricsLog;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "At most N items per set (0: all).")
    int limit;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Batch size (default 8).")
    int batch;

    @Option(names = "--max-new-tokens", defaultValue = "200", paramLabel = "N",
            description = "Greedy generation length for ROUGE (default 200, as open-unlearning).")
    int maxNewTokens;

    @Option(names = "--max-length", defaultValue = "512", paramLabel = "N",
            description = "Longest scored sequence in tokens (default 512; capped at the model's context).")
    int maxLength;

    @Option(names = "--template", defaultValue = "Question: {question}\\nAnswer:", paramLabel = "TEXT",
            description = "Prompt template with {question}; \\n is a newline (default: Lethe's plain template).")
    String template;

    @Option(names = "--answer-prefix", defaultValue = " ", paramLabel = "TEXT",
            description = "Text before the answer (default one space).")
    String answerPrefix;

    @Option(names = "--stop", paramLabel = "STR", description = "Extra stop string for generation (repeatable).")
    List<String> stops = new ArrayList<>();

    @Option(names = "--no-progress", description = "Do not draw progress bars.")
    boolean noProgress;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!benchmark.equals("tofu")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                    + " is not implemented yet; available: tofu");
        }
        if (retainReport != null && retainModel != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --retain-report or --retain-model, not both");
        }
        TofuSettings settings = TofuSettings.defaults().withPrompt(QaPrompt.of(template, answerPrefix))
                .withBatchSize(batch).withMaxNewTokens(maxNewTokens).withMaxLength(maxLength).withLimit(limit)
                .withStopStrings(stops.toArray(String[]::new));
        List<TofuSplit> sets = new ArrayList<>();
        Path forgetFile = pick(forget, split + "_perturbed.json");
        Path retainFile = pick(retainEval, "retain_perturbed.json");
        Path raFile = pick(realAuthors, "real_authors_perturbed.json");
        Path wfFile = pick(worldFacts, "world_facts_perturbed.json");
        if (forgetFile != null) {
            sets.add(TofuSplit.forget(forgetFile, limit));
        }
        if (retainFile != null) {
            sets.add(TofuSplit.retain(retainFile, limit));
        }
        if (raFile != null) {
            sets.add(TofuSplit.realAuthors(raFile, limit));
        }
        if (wfFile != null) {
            sets.add(TofuSplit.worldFacts(wfFile, limit));
        }
        if (sets.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no TOFU sets: give --data DIR (folder of"
                    + " forget01_perturbed.json, retain_perturbed.json, ...) or --forget/--retain-eval/"
                    + "--real-authors/--world-facts files");
        }
        List<TofuItem> holdoutItems = holdout == null ? null : TofuItem.read(holdout, limit);
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = noProgress ? Progress.NONE : new EvalProgressBar(err);

        double[] reference = null;
        String refSource = null;
        if (retainReport != null) {
            reference = TofuReport.forgetTruthRatios(retainReport);
            refSource = retainReport.toString();
        } else if (retainModel != null) {
            TofuSplit f = sets.stream().filter(s -> s.name().equals("forget")).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("--retain-model needs the forget set (--forget or --data)"));
            err.println("retain model " + retainModel + ": forget set");
            try (Tokenizer tok = openTokenizer(retainModel)) {
                reference = new TofuRunner(CausalLM.load(retainModel), tok, settings, progress).evaluate(f)
                        .truthRatios();
            }
            refSource = retainModel.toString();
        }
        JsonNode base = baseline == null ? null : Json.readReport(baseline);

        TofuResult result;
        try (Tokenizer tok = openTokenizer(model)) {
            CausalLM lm = CausalLM.load(model);
            result = new TofuRunner(lm, tok, settings, progress).run(sets, holdoutItems, reference);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", benchmark);
        s.put("template", settings.prompt().pattern());
        s.put("answer_prefix", settings.prompt().answerPrefix());
        s.put("add_bos", settings.prompt().addBos());
        s.put("add_eos", settings.prompt().addEos());
        s.put("batch", batch);
        s.put("limit", limit);
        s.put("max_new_tokens", maxNewTokens);
        s.put("max_length", maxLength);
        s.put("stop_strings", stops);
        s.put("min_k", settings.minK());
        for (TofuSplit t : sets) {
            s.put(t.name() + "_file", String.valueOf(t.file()));
        }
        s.put("holdout_file", holdout == null ? null : holdout.toString());
        s.put("tokenizer", tokenizer == null ? model.toString() : tokenizer.toString());
        ObjectNode report = TofuReport.build(result, model, ModelChecksum.of(model), s, reference, refSource);
        HtmlReport.write(out, report, base, baseline == null ? null : baseline.toString(), metricsLog);
        PrintWriter o = spec.commandLine().getOut();
        ObjectNode head = report.path("headline").deepCopy();
        head.put("report_json", out.resolve("report.json").toString());
        head.put("report_html", out.resolve("report.html").toString());
        o.println(Json.mapper().writeValueAsString(head));
        o.flush();
        return 0;
    }

    /** The explicit file, else the file of that name in --data when it exists, else null. */
    private Path pick(Path explicit, String name) {
        if (explicit != null) {
            return explicit;
        }
        if (data != null) {
            Path p = data.resolve(name);
            return Files.isRegularFile(p) ? p : null;
        }
        return null;
    }

    private Tokenizer openTokenizer(Path modelDir) {
        Path p = tokenizer != null ? tokenizer : modelDir;
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(p + ": no such file or folder (--tokenizer / model folder)");
        }
        return Tokenizers.load(p);
    }
}
