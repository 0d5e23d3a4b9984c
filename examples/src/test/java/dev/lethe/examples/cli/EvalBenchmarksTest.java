package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code lethe eval} after the split into one class per benchmark: the same 44 flags with the same defaults as the
 * single-class command had (scripts use them), every benchmark found through its mixin, and an unknown name answered
 * with the list of known ones.
 */
class EvalBenchmarksTest {
    /** Every flag of eval before the split, with its default (null: none). */
    private static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        for (String f : List.of("--model", "--tokenizer", "--data", "--forget", "--retain-eval", "--real-authors",
                "--world-facts", "--holdout", "--retain-report", "--retain-model", "--baseline", "--metrics-log",
                "--max-new-tokens", "--predictions", "--mia", "--mia-data", "--mmlu-accuracy", "--forget-text",
                "--holdout-text", "--verbmem", "--forget-qa", "--retain-qa", "--forget-qa-icl", "--retain-qa-icl",
                "--reference-auc", "--rouge-stemmer", "--subjects", "--shots", "--no-bos", "--max-length", "--stop",
                "--no-progress", "--out")) {
            FLAGS.put(f, null);
        }
        FLAGS.put("--benchmark", "tofu");
        FLAGS.put("--split", "forget01");
        FLAGS.put("--limit", "0");
        FLAGS.put("--batch", "8");
        FLAGS.put("--privleak-attack", "min_k");
        FLAGS.put("--privleak-convention", "muse");
        FLAGS.put("--min-k", "0.4");
        FLAGS.put("--verbmem-prompt-tokens", "32");
        FLAGS.put("--knowmem-max-new-tokens", "32");
        FLAGS.put("--template", "Question: {question}\\nAnswer:");
        FLAGS.put("--answer-prefix", " ");
    }

    @Test
    void everyFlagOfTheSingleClassCommandIsStillThereWithItsDefault() {
        CommandLine cli = new CommandLine(new EvalCommand());
        Map<String, String> got = new LinkedHashMap<>();
        for (OptionSpec o : cli.getCommandSpec().options()) {
            if (!o.usageHelp() && !o.versionHelp()) {
                got.put(o.longestName(), o.defaultValue());
            }
        }
        assertThat(FLAGS).hasSize(44);
        // the 44 flags of the single-class command, plus those added after the split (the judge's, --master)
        Map<String, String> expected = new LinkedHashMap<>(FLAGS);
        expected.put("--judge", null);
        expected.put("--judge-model", "default");
        expected.put("--judge-api-key-env", null);
        expected.put("--master", null);
        assertThat(got).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void benchmarksAreFoundThroughTheirMixins() {
        EvalCommand eval = new EvalCommand();
        new CommandLine(eval);
        assertThat(eval.benchmarks().stream().flatMap(b -> b.names().stream()))
                .containsExactly("tofu", "semeval", "mmlu", "mcq", "muse", "xstest", "harmbench", "mquake",
                        "counterfact");
        assertThat(eval.benchmarks()).extracting(EvalBenchmark::defaultMaxLength)
                .containsExactly(512, 512, 512, 2048, 512, 512);
    }

    @Test
    void anUnknownBenchmarkListsTheKnownOnes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        CliRun r = CliRun.of("eval", "--benchmark", "nope", "--out", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--benchmark nope is unknown; available: tofu, semeval, mmlu, mcq, muse");
    }
}
