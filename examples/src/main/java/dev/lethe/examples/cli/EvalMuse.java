package dev.lethe.examples.cli;

import dev.lethe.eval.Progress;
import dev.lethe.eval.muse.MiaAttack;
import dev.lethe.eval.muse.MuseData;
import dev.lethe.eval.muse.MuseFiles;
import dev.lethe.eval.muse.MuseReport;
import dev.lethe.eval.muse.MuseResult;
import dev.lethe.eval.muse.MuseRunner;
import dev.lethe.eval.muse.MuseSettings;
import dev.lethe.eval.muse.PrivLeakConvention;
import dev.lethe.eval.muse.PrivLeakResult;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.scale.DistributedMuse;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --benchmark muse}: MUSE-style VerbMem, KnowMem and PrivLeak (arXiv 2407.06460) on any text and
 * QA files ({@link MuseRunner}).
 * {@code --limit} counts items per file.
 */
final class EvalMuse implements EvalBenchmark {
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

    @Override
    public List<String> names() {
        return List.of("muse");
    }

    @Override
    public int defaultMaxLength() {
        return 2048;
    }

    @Override
    public int run(EvalCommand e) throws IOException {
        e.requireModel();
        int refs = (e.retainReport != null ? 1 : 0) + (e.retainModel != null ? 1 : 0) + (referenceAuc != null ? 1 : 0);
        if (refs > 1) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "give at most one PrivLeak reference:"
                    + " --retain-model, --retain-report or --reference-auc");
        }
        MuseSettings settings;
        try {
            settings = MuseSettings.defaults().withBatchSize(e.batch).withMaxLength(e.maxLength)
                    .withVerbmemPromptTokens(verbmemPromptTokens)
                    .withVerbmemMaxNewTokens(e.maxNewTokensOption == null ? 128 : e.maxNewTokensOption)
                    .withKnowmemMaxNewTokens(knowmemMaxNewTokens).withMinK(minK)
                    .withPrivleakAttack(MiaAttack.parse(privleakAttack))
                    .withConvention(PrivLeakConvention.parse(privleakConvention)).withStemmer(rougeStemmer)
                    .withLimit(e.limit);
        } catch (IllegalArgumentException bad) {
            throw new CommandLine.ParameterException(e.spec.commandLine(), bad.getMessage());
        }
        if (forgetText == null && holdoutText == null && verbmemFile == null && forgetQa == null && retainQa == null) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "--benchmark muse needs inputs: --forget-text"
                    + " FILE (VerbMem; PrivLeak with --holdout-text FILE), --verbmem FILE, --forget-qa FILE and/or"
                    + " --retain-qa FILE");
        }
        if ((refs > 0) && (forgetText == null || holdoutText == null)) {
            throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "a PrivLeak reference needs PrivLeak:"
                    + " give --forget-text and --holdout-text");
        }
        MuseData data = new MuseData(texts(e, forgetText), texts(e, holdoutText),
                verbmemFile == null ? null : MuseFiles.readContinuations(verbmemFile, e.limit), qa(forgetQa, e.limit),
                qa(retainQa, e.limit), qa(forgetQaIcl, 0), qa(retainQaIcl, 0));
        PrintWriter err = e.spec.commandLine().getErr();
        Progress progress = e.progress();
        PrivLeakResult.Reference ref = null;
        if (referenceAuc != null) {
            ref = PrivLeakResult.Reference.parse(referenceAuc, settings.convention())
                    .requireUsable(settings.convention());
        } else if (e.retainReport != null) {
            ref = MuseReport.reference(e.retainReport, settings.privleakAttack(), settings.convention())
                    .requireUsable(settings.convention());
        } else if (e.retainModel != null) {
            err.println("retain model " + e.retainModel + ": PrivLeak reference AUC");
            try (Tokenizer tok = e.openTokenizer(e.retainModel)) {
                ref = new MuseRunner(CausalLM.load(e.retainModel), tok, settings, progress)
                        .reference(data.forgetTexts(), data.holdoutTexts(), "retain model " + e.retainModel)
                        .requireUsable(settings.convention());
            }
        }
        MuseResult result;
        if (e.master != null) {
            try (JavaSparkContext sc = e.spark()) {
                result = DistributedMuse.run(sc, e.model.toAbsolutePath().toString(), e.tokenizerPath(), settings,
                        data, ref);
            }
        } else {
            try (Tokenizer tok = e.openTokenizer(e.model)) {
                result = new MuseRunner(CausalLM.load(e.model), tok, settings, progress).run(data, ref);
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", e.benchmark);
        s.put("forget_text", str(forgetText));
        s.put("holdout_text", str(holdoutText));
        s.put("verbmem_file", str(verbmemFile));
        s.put("forget_qa", str(forgetQa));
        s.put("retain_qa", str(retainQa));
        s.put("forget_qa_icl", str(forgetQaIcl));
        s.put("retain_qa_icl", str(retainQaIcl));
        s.put("limit", e.limit);
        s.put("batch", e.batch);
        s.put("max_length", e.maxLength);
        s.put("verbmem_prompt_tokens", settings.verbmemPromptTokens());
        s.put("verbmem_max_new_tokens", settings.verbmemMaxNewTokens());
        s.put("knowmem_max_new_tokens", settings.knowmemMaxNewTokens());
        s.put("rouge", "rougeL F1, " + (settings.useStemmer() ? "Porter stemmer" : "no stemmer"));
        s.put("min_k", settings.minK());
        s.put("privleak_attack", settings.privleakAttack().key());
        s.put("privleak_convention", settings.convention().key());
        s.put("privleak_reference", e.retainModel != null ? "retain model " + e.retainModel : e.retainReport != null
                ? "report " + e.retainReport : referenceAuc != null ? referenceAuc : "default 0.5");
        s.put("tokenizer", e.tokenizer == null ? e.model.toString() : e.tokenizer.toString());
        return e.finish(MuseReport.build(result, e.model, ModelChecksum.of(e.model), s));
    }

    private static List<String> texts(EvalCommand e, Path file) throws IOException {
        return file == null ? null : MuseFiles.readTexts(file, e.limit);
    }

    private static List<MuseData.QaPair> qa(Path file, int max) throws IOException {
        return file == null ? null : MuseFiles.readQa(file, max);
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }
}
