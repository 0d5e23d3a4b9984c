package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.mcq.McqBenchmark;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.eval.mcq.McqReport;
import dev.lethe.eval.muse.MiaAttack;
import dev.lethe.eval.muse.MuseData;
import dev.lethe.eval.muse.MuseFiles;
import dev.lethe.eval.muse.MuseReport;
import dev.lethe.eval.muse.MuseResult;
import dev.lethe.eval.muse.MuseRunner;
import dev.lethe.eval.muse.MuseSettings;
import dev.lethe.eval.muse.PrivLeakConvention;
import dev.lethe.eval.muse.PrivLeakResult;
import dev.lethe.eval.report.HtmlReport;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalFiles;
import dev.lethe.eval.semeval.SemEvalReport;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.PromptTemplate;
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
 *
 * <p>{@code --benchmark muse [--forget-text F] [--holdout-text H] [--verbmem F] [--forget-qa F] [--retain-qa F]
 * [--forget-qa-icl F] [--retain-qa-icl F] [--retain-model DIR | --retain-report DIR | --reference-auc X|news|books]}:
 * MUSE-style VerbMem, KnowMem and PrivLeak ({@link MuseRunner}); {@code --limit} counts items per file.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model (or saved SemEval generations) on a benchmark (tofu, semeval, mmlu, mcq,"
                + " muse) and write report.json + report.html.")
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model folder (not needed for"
            + " --benchmark semeval --predictions).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model folder's).")
    Path tokenizer;

    @Option(names = "--benchmark", defaultValue = "tofu", paramLabel = "NAME",
            description = "Benchmark: tofu, semeval, mmlu, mcq or muse.")
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
            description = "report.json (or its folder) of the retain model: reference of forget quality (tofu) or"
                    + " of PrivLeak's AUC (muse).")
    Path retainReport;

    @Option(names = "--retain-model", paramLabel = "DIR",
            description = "The retain model itself, evaluated here: forget-quality reference (tofu) or PrivLeak"
                    + " reference AUC on the forget vs holdout texts (muse).")
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
                    + " the official script; 128 for muse VerbMem, as MUSE).")
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

    @Option(names = "--forget-text", paramLabel = "FILE", description = "muse: forget documents (JSONL"
            + " {\"text\": ...} per line, or a JSON array of strings): VerbMem prompts and PrivLeak members.")
    Path forgetText;

    @Option(names = "--holdout-text", paramLabel = "FILE", description = "muse: documents the model never saw"
            + " (same formats): PrivLeak non-members.")
    Path holdoutText;

    @Option(names = "--verbmem", paramLabel = "FILE", description = "muse: pre-split VerbMem items {\"prompt\": ...,"
            + " \"gt\": ...} (MUSE's verbmem/forget.json); default: split --forget-text.")
    Path verbmemFile;

    @Option(names = "--forget-qa", paramLabel = "FILE", description = "muse: KnowMem questions on the forget set"
            + " ({\"question\": ..., \"answer\": ...} per line, or a JSON array).")
    Path forgetQa;

    @Option(names = "--retain-qa", paramLabel = "FILE", description = "muse: KnowMem questions on the retain set"
            + " (utility preservation).")
    Path retainQa;

    @Option(names = "--forget-qa-icl", paramLabel = "FILE", description = "muse: few-shot QA examples put before"
            + " each forget question (MUSE's forget_qa_icl.json; default none).")
    Path forgetQaIcl;

    @Option(names = "--retain-qa-icl", paramLabel = "FILE", description = "muse: few-shot QA examples for the"
            + " retain questions.")
    Path retainQaIcl;

    @Option(names = "--reference-auc", paramLabel = "X", description = "muse: PrivLeak reference AUC: a number in the"
            + " chosen convention, or news/books for MUSE's retrained-model constants (default 0.5, or from"
            + " --retain-model / --retain-report).")
    String referenceAuc;

    @Option(names = "--privleak-attack", defaultValue = "min_k", paramLabel = "NAME", description = "muse: MIA score"
            + " behind PrivLeak: min_k (default, MUSE's Min-40%%), loss, zlib or min_k_plus_plus.")
    String privleakAttack;

    @Option(names = "--privleak-convention", defaultValue = "muse", paramLabel = "NAME", description = "muse: AUC"
            + " convention of PrivLeak and its reference: muse (default; forget 0, holdout 1, score -s) or"
            + " open-unlearning (score s, AUC = 1 - MUSE's).")
    String privleakConvention;

    @Option(names = "--min-k", defaultValue = "0.4", paramLabel = "K",
            description = "muse: fraction k of Min-k%% and Min-k%%++ (default 0.4).")
    double minK;

    @Option(names = "--verbmem-prompt-tokens", defaultValue = "32", paramLabel = "L", description = "muse: VerbMem"
            + " prompt = the first L tokens of each forget text (default 32).")
    int verbmemPromptTokens;

    @Option(names = "--knowmem-max-new-tokens", defaultValue = "32", paramLabel = "N",
            description = "muse: KnowMem answer length (default 32, as MUSE).")
    int knowmemMaxNewTokens;

    @Option(names = "--rouge-stemmer", description = "muse: Porter-stem ROUGE tokens (open-unlearning's MUSE"
            + " metrics); MUSE itself does not.")
    boolean rougeStemmer;

    @Option(names = "--subjects", split = ",", paramLabel = "A,B", description = "mmlu: subjects to evaluate"
            + " (default all); mcq: the subject named in the description line (e.g. biology; default none).")
    List<String> subjects = new ArrayList<>();

    @Option(names = "--shots", paramLabel = "K", description = "mmlu: solved dev examples before each question"
            + " (default 5, as open-instruct's MMLU script used by SemEval; lm-eval's mmlu default is 0).")
    Integer shots;

    @Option(names = "--no-bos", description = "mmlu/mcq: encode prompts without the tokenizer's special tokens"
            + " (lm-eval's default; open-instruct adds BOS).")
    boolean noBos;

    @Option(names = "--max-length", paramLabel = "N", description = "Longest scored sequence in tokens (default 512;"
            + " 2048 for muse, as MUSE's texts; capped at the model's context).")
    Integer maxLengthOption;

    /** --max-length or its default (512; 2048 for muse). */
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
        maxLength = maxLengthOption != null ? maxLengthOption : benchmark.equals("muse") ? 2048 : 512;
        switch (benchmark) {
            case "tofu" -> {
            }
            case "semeval" -> {
                return semeval();
            }
            case "mmlu", "mcq" -> {
                return mcq();
            }
            case "muse" -> {
                return muse();
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                    + " is unknown; available: tofu, semeval, mmlu, mcq, muse");
        }
        requireModel();
        int maxNewTokens = maxNewTokensOption == null ? 200 : maxNewTokensOption;
        if (retainReport != null && retainModel != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give either --retain-report or --retain-model, not both");
        }
        TofuSettings settings = TofuSettings.defaults().withPrompt(PromptTemplate.of(template, answerPrefix))
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

    /** MUSE-style VerbMem, KnowMem and PrivLeak (arXiv 2407.06460) on any text and QA files. */
    private int muse() throws IOException {
        requireModel();
        int refs = (retainReport != null ? 1 : 0) + (retainModel != null ? 1 : 0) + (referenceAuc != null ? 1 : 0);
        if (refs > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at most one PrivLeak reference:"
                    + " --retain-model, --retain-report or --reference-auc");
        }
        MuseSettings settings;
        try {
            settings = MuseSettings.defaults().withBatchSize(batch).withMaxLength(maxLength)
                    .withVerbmemPromptTokens(verbmemPromptTokens)
                    .withVerbmemMaxNewTokens(maxNewTokensOption == null ? 128 : maxNewTokensOption)
                    .withKnowmemMaxNewTokens(knowmemMaxNewTokens).withMinK(minK)
                    .withPrivleakAttack(MiaAttack.parse(privleakAttack))
                    .withConvention(PrivLeakConvention.parse(privleakConvention)).withStemmer(rougeStemmer)
                    .withLimit(limit);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (forgetText == null && holdoutText == null && verbmemFile == null && forgetQa == null && retainQa == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark muse needs inputs: --forget-text"
                    + " FILE (VerbMem; PrivLeak with --holdout-text FILE), --verbmem FILE, --forget-qa FILE and/or"
                    + " --retain-qa FILE");
        }
        if ((refs > 0) && (forgetText == null || holdoutText == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a PrivLeak reference needs PrivLeak:"
                    + " give --forget-text and --holdout-text");
        }
        MuseData data = new MuseData(texts(forgetText), texts(holdoutText),
                verbmemFile == null ? null : MuseFiles.readContinuations(verbmemFile, limit), qa(forgetQa, limit),
                qa(retainQa, limit), qa(forgetQaIcl, 0), qa(retainQaIcl, 0));
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = noProgress ? Progress.NONE : new EvalProgressBar(err);
        PrivLeakResult.Reference ref = null;
        if (referenceAuc != null) {
            ref = PrivLeakResult.Reference.parse(referenceAuc, settings.convention())
                    .requireUsable(settings.convention());
        } else if (retainReport != null) {
            ref = MuseReport.reference(retainReport, settings.privleakAttack(), settings.convention())
                    .requireUsable(settings.convention());
        } else if (retainModel != null) {
            err.println("retain model " + retainModel + ": PrivLeak reference AUC");
            try (Tokenizer tok = openTokenizer(retainModel)) {
                ref = new MuseRunner(CausalLM.load(retainModel), tok, settings, progress)
                        .reference(data.forgetTexts(), data.holdoutTexts(), "retain model " + retainModel)
                        .requireUsable(settings.convention());
            }
        }
        MuseResult result;
        try (Tokenizer tok = openTokenizer(model)) {
            result = new MuseRunner(CausalLM.load(model), tok, settings, progress).run(data, ref);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", benchmark);
        s.put("forget_text", str(forgetText));
        s.put("holdout_text", str(holdoutText));
        s.put("verbmem_file", str(verbmemFile));
        s.put("forget_qa", str(forgetQa));
        s.put("retain_qa", str(retainQa));
        s.put("forget_qa_icl", str(forgetQaIcl));
        s.put("retain_qa_icl", str(retainQaIcl));
        s.put("limit", limit);
        s.put("batch", batch);
        s.put("max_length", maxLength);
        s.put("verbmem_prompt_tokens", settings.verbmemPromptTokens());
        s.put("verbmem_max_new_tokens", settings.verbmemMaxNewTokens());
        s.put("knowmem_max_new_tokens", settings.knowmemMaxNewTokens());
        s.put("rouge", "rougeL F1, " + (settings.useStemmer() ? "Porter stemmer" : "no stemmer"));
        s.put("min_k", settings.minK());
        s.put("privleak_attack", settings.privleakAttack().key());
        s.put("privleak_convention", settings.convention().key());
        s.put("privleak_reference", retainModel != null ? "retain model " + retainModel : retainReport != null
                ? "report " + retainReport : referenceAuc != null ? referenceAuc : "default 0.5");
        s.put("tokenizer", tokenizer == null ? model.toString() : tokenizer.toString());
        return finish(MuseReport.build(result, model, ModelChecksum.of(model), s));
    }

    private List<String> texts(Path file) throws IOException {
        return file == null ? null : MuseFiles.readTexts(file, limit);
    }

    private static List<MuseData.QaPair> qa(Path file, int max) throws IOException {
        return file == null ? null : MuseFiles.readQa(file, max);
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
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
