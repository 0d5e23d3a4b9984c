package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.mcq.McqBenchmark;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.eval.mcq.McqReport;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalFiles;
import dev.lethe.eval.semeval.SemEvalReport;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
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
 * forget set here).
 *
 * <p>{@code --benchmark semeval --data LUME_DIR (--model DIR [--mia-data DIR] | --predictions PRED.jsonl [--mia
 * MIA.jsonl]) [--mmlu-accuracy X]}: SemEval-2025 Task 4 scoring ({@link SemEvalScorer}).
 * {@code --benchmark mmlu --data MMLU_DIR [--subjects a,b] [--shots K] [--limit N]} and {@code --benchmark mcq --data
 * FILE.json [--subjects biology]}: multiple-choice accuracy ({@link McqEvaluator}). {@code --limit} counts items per
 * split (semeval, also per MIA file) or per subject (mmlu).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model (or saved SemEval generations) on a benchmark (tofu, semeval, mmlu, mcq) and"
                + " write report.json + report.html.")
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model folder (not needed for"
            + " --benchmark semeval --predictions).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model folder's).")
    Path tokenizer;

    @Option(names = "--benchmark", defaultValue = "tofu", paramLabel = "NAME",
            description = "Benchmark: tofu, semeval, mmlu or mcq (muse is not implemented yet).")
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

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Greedy generation length (default 200 for tofu, as open-unlearning; 256 for semeval, as"
                    + " the official script).")
    Integer maxNewTokensOption;

    @Option(names = "--predictions", paramLabel = "FILE", description = "semeval: saved generations, JSONL lines"
            + " {\"id\": ..., \"generation\": ...} for every item of --data; scores them without a model.")
    Path predictions;

    @Option(names = "--mia", paramLabel = "FILE", description = "semeval: saved MIA NLLs, JSONL lines {\"id\": ...,"
            + " \"member\": true|false, \"nll\": 1.23}.")
    Path miaFile;

    @Option(names = "--mia-data", paramLabel = "DIR", description = "semeval with --model: folder with the official"
            + " member.jsonl and nonmember.jsonl ({\"id\", \"document\"}); their NLLs give the MIA score.")
    Path miaData;

    @Option(names = "--mmlu-accuracy", paramLabel = "X", description = "semeval: MMLU average accuracy in [0, 1]"
            + " (e.g. the accuracy of 'lethe eval --benchmark mmlu').")
    Double mmluAccuracy;

    @Option(names = "--subjects", split = ",", paramLabel = "A,B", description = "mmlu: subjects to evaluate"
            + " (default all); mcq: the subject named in the description line (e.g. biology; default none).")
    List<String> subjects = new ArrayList<>();

    @Option(names = "--shots", paramLabel = "K", description = "mmlu: solved dev examples before each question"
            + " (default 5, as open-instruct's MMLU script used by SemEval; lm-eval's mmlu default is 0).")
    Integer shots;

    @Option(names = "--no-bos", description = "mmlu/mcq: encode prompts without the tokenizer's special tokens"
            + " (lm-eval's default; open-instruct adds BOS).")
    boolean noBos;

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
        switch (benchmark) {
            case "tofu" -> {
            }
            case "semeval" -> {
                return semeval();
            }
            case "mmlu", "mcq" -> {
                return mcq();
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                    + (benchmark.equals("muse") ? " is not implemented yet" : " is unknown")
                    + "; available: tofu, semeval, mmlu, mcq");
        }
        requireModel();
        int maxNewTokens = maxNewTokensOption == null ? 200 : maxNewTokensOption;
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

    private void requireModel() {
        if (model == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                    + " needs --model DIR" + (benchmark.equals("semeval") ? " (or --predictions FILE to score saved"
                    + " generations)" : ""));
        }
    }

    private Path requireData(String what) {
        if (data == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark + " needs --data "
                    + what);
        }
        return data;
    }

    /** SemEval-2025 Task 4: score saved predictions, or generate them (and MIA NLLs) with the model. */
    private int semeval() throws IOException {
        Path dir = requireData("DIR (a LUME folder with forget.jsonl and retain.jsonl)");
        if (predictions == null) {
            requireModel();
        } else if (model != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --model (generate) or"
                    + " --predictions (score saved generations), not both");
        }
        if (miaFile != null && miaData != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --mia (saved NLLs) or --mia-data"
                    + " (documents for the model), not both");
        }
        if (miaData != null && model == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mia-data needs --model; with --predictions"
                    + " give saved NLLs with --mia FILE");
        }
        List<List<LumeItem>> sets = SemEvalFiles.readData(dir);
        List<LumeItem> f = cut(sets.get(0));
        List<LumeItem> r = cut(sets.get(1));
        int maxNew = maxNewTokensOption == null ? SemEvalRunner.MAX_NEW_TOKENS : maxNewTokensOption;
        Map<String, String> gens;
        SemEvalScorer.MiaNlls mia = miaFile == null ? null : SemEvalFiles.readMia(miaFile);
        ModelChecksum sum = null;
        if (predictions != null) {
            gens = SemEvalFiles.readPredictions(predictions);
        } else {
            PrintWriter err = spec.commandLine().getErr();
            Progress progress = noProgress ? Progress.NONE : new EvalProgressBar(err);
            try (Tokenizer tok = openTokenizer(model)) {
                SemEvalRunner run = new SemEvalRunner(CausalLM.load(model), tok, batch, maxNew, maxLength, progress);
                gens = new LinkedHashMap<>(run.generate(f, "forget: generation"));
                gens.putAll(run.generate(r, "retain: generation"));
                if (miaData != null) {
                    List<String> mem = SemEvalFiles.readDocuments(miaData.resolve("member.jsonl"));
                    List<String> non = SemEvalFiles.readDocuments(miaData.resolve("nonmember.jsonl"));
                    mia = new SemEvalScorer.MiaNlls(run.documentNll(cut(mem), "mia: members"),
                            run.documentNll(cut(non), "mia: non-members"));
                }
            }
            sum = ModelChecksum.of(model);
        }
        SemEvalScorer.Result res = SemEvalScorer.score(f, r, gens, mia, mmluAccuracy);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", benchmark);
        s.put("data", dir.toString());
        s.put("predictions", predictions == null ? null : predictions.toString());
        s.put("mia", miaFile != null ? miaFile.toString() : miaData == null ? null : miaData.toString());
        s.put("mmlu_accuracy", mmluAccuracy);
        s.put("limit", limit);
        if (model != null) {
            s.put("max_new_tokens", maxNew);
            s.put("max_length", maxLength);
            s.put("batch", batch);
            s.put("tokenizer", tokenizer == null ? model.toString() : tokenizer.toString());
        }
        if (res.mmluBelowThreshold()) {
            spec.commandLine().getErr().println("warning: MMLU " + res.mmlu() + " is below "
                    + SemEvalScorer.MMLU_THRESHOLD + "; SemEval-2025 did not rank such submissions");
        }
        return finish(SemEvalReport.build(res, model, sum, s));
    }

    /** MMLU (CSV folder) or WMDP-format JSON multiple choice. */
    private int mcq() throws IOException {
        requireModel();
        McqBenchmark b;
        int k;
        if (benchmark.equals("mmlu")) {
            Path dir = requireData("DIR (an MMLU folder with dev/ and test/ CSVs)");
            k = shots == null ? 5 : shots;
            b = McqBenchmark.mmlu(dir, subjects, k, limit);
        } else {
            Path file = requireData("FILE.json (WMDP format: [{\"question\", \"choices\": [4], \"answer\": 0..3}])");
            k = shots == null ? 0 : shots;
            if (k != 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark mcq is zero-shot (as lm-eval's"
                        + " WMDP tasks); drop --shots, or use --benchmark mmlu for k-shot with a dev split");
            }
            if (subjects.size() > 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark mcq takes one --subjects"
                        + " name for the description line, got " + subjects);
            }
            b = McqBenchmark.json(file, subjects.isEmpty() ? null : subjects.get(0), limit);
        }
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = noProgress ? Progress.NONE : new EvalProgressBar(err);
        McqEvaluator.Result res;
        try (Tokenizer tok = openTokenizer(model)) {
            res = new McqEvaluator(CausalLM.load(model), tok, batch, !noBos).evaluate(b.items(), b.contexts(),
                    progress);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", benchmark);
        s.put("data", data.toString());
        s.put("subjects", subjects);
        s.put("shots", k);
        s.put("limit", limit);
        s.put("batch", batch);
        s.put("add_special_tokens", !noBos);
        s.put("tokenizer", tokenizer == null ? model.toString() : tokenizer.toString());
        return finish(McqReport.build(benchmark, b, res, model, ModelChecksum.of(model), s));
    }

    private <T> List<T> cut(List<T> items) {
        return limit > 0 && items.size() > limit ? items.subList(0, limit) : items;
    }

    private int finish(ObjectNode report) throws IOException {
        JsonNode base = baseline == null ? null : Json.readReport(baseline);
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
