package dev.lethe.examples.cli;

import dev.lethe.eval.mcq.McqBenchmark;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.eval.mcq.McqReport;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.scale.DistributedMcq;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code lethe eval --benchmark mmlu} (CSV folder, k-shot) and {@code --benchmark mcq} (WMDP-format JSON,
 * zero-shot): multiple-choice accuracy with {@link McqEvaluator}; {@code --limit} counts items per subject.
 */
final class EvalMcq implements EvalBenchmark {
    @Option(names = "--subjects", split = ",", paramLabel = "A,B", description = "mmlu: subjects to evaluate"
            + " (default all); mcq: the subject named in the description line (e.g. biology; default none).")
    List<String> subjects = new ArrayList<>();

    @Option(names = "--shots", paramLabel = "K", description = "mmlu: solved dev examples before each question"
            + " (default 5, as open-instruct's MMLU script used by SemEval; lm-eval's mmlu default is 0).")
    Integer shots;

    @Option(names = "--no-bos", description = "mmlu/mcq: encode prompts without the tokenizer's special tokens"
            + " (lm-eval's default; open-instruct adds BOS).")
    boolean noBos;

    @Override
    public List<String> names() {
        return List.of("mmlu", "mcq");
    }

    @Override
    public int run(EvalCommand e) throws IOException {
        e.requireModel();
        McqBenchmark b;
        int k;
        if (e.benchmark.equals("mmlu")) {
            Path dir = e.requireData("DIR (an MMLU folder with dev/ and test/ CSVs)");
            k = shots == null ? 5 : shots;
            b = McqBenchmark.mmlu(dir, subjects, k, e.limit);
        } else {
            Path file = e.requireData("FILE.json (WMDP format: [{\"question\", \"choices\": [4], \"answer\": 0..3}])");
            k = shots == null ? 0 : shots;
            if (k != 0) {
                throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "--benchmark mcq is zero-shot (as lm-eval's"
                        + " WMDP tasks); drop --shots, or use --benchmark mmlu for k-shot with a dev split");
            }
            if (subjects.size() > 1) {
                throw new CommandLine.ParameterException(e.spec.commandLine(),
                    "--benchmark mcq takes one --subjects"
                        + " name for the description line, got " + subjects);
            }
            b = McqBenchmark.json(file, subjects.isEmpty() ? null : subjects.get(0), e.limit);
        }
        McqEvaluator.Result res;
        if (e.master != null) {
            try (JavaSparkContext sc = e.spark()) {
                res = DistributedMcq.run(sc, e.model.toAbsolutePath().toString(), e.tokenizerPath(), e.batch, !noBos,
                        b.items(), b.contexts(), sc.defaultParallelism());
            }
        } else {
            try (Tokenizer tok = e.openTokenizer(e.model)) {
                res = new McqEvaluator(CausalLM.load(e.model), tok, e.batch, !noBos).evaluate(b.items(),
                        b.contexts(), e.progress());
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", e.benchmark);
        s.put("data", e.data.toString());
        s.put("subjects", subjects);
        s.put("shots", k);
        s.put("limit", e.limit);
        s.put("batch", e.batch);
        s.put("add_special_tokens", !noBos);
        s.put("tokenizer", e.tokenizer == null ? e.model.toString() : e.tokenizer.toString());
        return e.finish(McqReport.build(e.benchmark, b, res, e.model, ModelChecksum.of(e.model), s));
    }
}
