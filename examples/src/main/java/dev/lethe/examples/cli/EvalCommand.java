package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.eval.muse.MuseRunner;
import dev.lethe.eval.report.HtmlReport;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.semeval.SemEvalScorer;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.scale.SparkMaster;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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
 *
 * <p>Each benchmark is one class implementing {@link EvalBenchmark} ({@link EvalTofu}, {@link EvalSemEval},
 * {@link EvalMcq}, {@link EvalMuse}): its own options (a picocli mixin of this command, so every flag stays a flag of
 * {@code lethe eval}) and its {@code run}. This class holds the options they share and the helpers they use. A new
 * benchmark is one new class plus one {@code @Mixin} line below; {@code --benchmark NAME} finds it by its
 * {@link EvalBenchmark#names()}.
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

    @Option(names = "--max-length", paramLabel = "N", description = "Longest scored sequence in tokens (default 512;"
            + " 2048 for muse, as MUSE's texts; capped at the model's context).")
    Integer maxLengthOption;

    /** --max-length or its default (512; 2048 for muse). */
    int maxLength;

    @Option(names = "--master", paramLabel = "URL", description = "Spread the evaluation over Apache Spark tasks"
            + " (tofu, muse, semeval with --model, mmlu, mcq): local[N], spark://host:7077, ...; the model and data"
            + " paths must be readable by every"
            + " executor. Default: in this process.")
    String master;

    @Option(names = "--no-progress", description = "Do not draw progress bars.")
    boolean noProgress;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Mixin
    EvalTofu tofu;

    @Mixin
    EvalSemEval semeval;

    @Mixin
    EvalMcq mcq;

    @Mixin
    EvalMuse muse;

    @Mixin
    SafetyEval safety;

    @Mixin
    EditBenchmark edit;

    /** The benchmarks: every mixin of this command that is an {@link EvalBenchmark}. */
    List<EvalBenchmark> benchmarks() {
        return spec.mixins().values().stream().map(CommandSpec::userObject).filter(EvalBenchmark.class::isInstance)
                .map(EvalBenchmark.class::cast).toList();
    }

    @Override
    public Integer call() throws IOException {
        List<EvalBenchmark> all = benchmarks();
        EvalBenchmark chosen = all.stream().filter(b -> b.names().contains(benchmark)).findFirst()
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                        + " is unknown; available: " + String.join(", ", all.stream().flatMap(b -> b.names().stream())
                        .toList())));
        maxLength = maxLengthOption != null ? maxLengthOption : chosen.defaultMaxLength();
        if (master != null) {
            if (!(chosen instanceof EvalTofu || chosen instanceof EvalMuse || chosen instanceof EvalSemEval
                    || chosen instanceof EvalMcq)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--master: --benchmark " + benchmark
                        + " runs in one process only; distributed evaluation supports tofu, muse, semeval, mmlu"
                        + " and mcq");
            }
            SparkMaster.check(master);
        }
        return chosen.run(this);
    }

    /** A Spark context on --master (the caller closes it). */
    JavaSparkContext spark() {
        JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf(master, "lethe-eval-" + benchmark));
        sc.setLogLevel("WARN");
        return sc;
    }

    /** The tokenizer path executors load (--tokenizer or the model folder), absolute. */
    String tokenizerPath() {
        return (tokenizer != null ? tokenizer : model).toAbsolutePath().toString();
    }

    /** Progress bars on stderr, or none with --no-progress. */
    Progress progress() {
        return noProgress ? Progress.NONE : new EvalProgressBar(spec.commandLine().getErr());
    }

    void requireModel() {
        if (model == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark
                    + " needs --model DIR" + (benchmark.equals("semeval") ? " (or --predictions FILE to score saved"
                    + " generations)" : ""));
        }
    }

    Path requireData(String what) {
        if (data == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--benchmark " + benchmark + " needs --data "
                    + what);
        }
        return data;
    }

    <T> List<T> cut(List<T> items) {
        return limit > 0 && items.size() > limit ? items.subList(0, limit) : items;
    }

    int finish(ObjectNode report) throws IOException {
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
    Path pick(Path explicit, String name) {
        if (explicit != null) {
            return explicit;
        }
        if (data != null) {
            Path p = data.resolve(name);
            return Files.isRegularFile(p) ? p : null;
        }
        return null;
    }

    Tokenizer openTokenizer(Path modelDir) {
        Path p = tokenizer != null ? tokenizer : modelDir;
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(p + ": no such file or folder (--tokenizer / model folder)");
        }
        return Tokenizers.load(p);
    }
}
