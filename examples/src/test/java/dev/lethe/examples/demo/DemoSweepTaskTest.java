package dev.lethe.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.eval.Progress;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.scale.RunResult;
import dev.lethe.scale.SweepRunner;
import dev.lethe.scale.SweepSpec;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A sweep of real unlearning runs on an embedded Spark {@code local[2]}: the demo task (unlearn, evaluate like the
 * demo, relearning attack) on a tiny configuration (a 1-layer random Llama as target, three records per split, two
 * optimizer steps), and the same run executed in this thread without Spark gives the same metrics and model bytes.
 */
class DemoSweepTaskTest {
    static final String TINY = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
            + " \"vocab_size\": 512, \"hidden_size\": 16, \"intermediate_size\": 32, \"num_hidden_layers\": 1,"
            + " \"num_attention_heads\": 2, \"num_key_value_heads\": 2, \"max_position_embeddings\": 256,"
            + " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"tie_word_embeddings\": true,"
            + " \"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0, \"initializer_range\": 0.02}";

    @TempDir
    Path tmp;

    /** The demo's files, three records per split, under tmp/tiny. */
    static DemoData tinyData(Path tmp) throws Exception {
        DemoData full = DemoData.materialize(tmp.resolve("full"));
        DemoData tiny = new DemoData(Files.createDirectories(tmp.resolve("tiny")));
        for (Path p : List.of(full.forget(), full.retain(), full.holdout(), full.idk())) {
            Files.write(tiny.dir().resolve(p.getFileName()), Files.readAllLines(p).subList(0, 3));
        }
        Files.copy(full.tokenizer(), tiny.tokenizer());
        return tiny;
    }

    /** A random 1-layer Llama with the demo tokenizer, saved to tmp/name. */
    static Path tinyModel(Path tmp, String name, long seed, DemoData data) throws Exception {
        Path dir = tmp.resolve(name);
        CausalLM.randomInit(ModelConfig.parse(TINY, "tiny"), seed, 0.02, DataType.FLOAT).save(dir);
        Files.copy(data.tokenizer(), dir.resolve("tokenizer.json"));
        return dir;
    }

    @Test
    void sparkLocalTwoRunsDemoUnlearningAndItsRowsEqualTheSameRunsInProcess() throws Exception {
        DemoData data = tinyData(tmp);
        Path target = tinyModel(tmp, "target", 1, data);
        Path retain = tinyModel(tmp, "retain", 2, data);
        double[] reference;
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            reference = TofuReport.forgetTruthRatios(DemoEvaluation.evaluate(retain, CausalLM.load(retain), tok, data,
                    null, null, null, null, tmp.resolve("retain-report"), Progress.NONE), "retain model");
        }
        DemoSweepTask task = new DemoSweepTask(data.dir().toString(), target.toString(), reference,
                List.of("max_steps=2", "batch_size=2", "warmup_epochs=0"), 2, 1, 1e-3);
        SweepSpec spec = new SweepSpec(List.of("ga", "npo"), Map.of("lr", List.of("1e-2")), 0, 0, List.of(0, 1));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<RunResult> rows = SweepRunner.run(spec, task, "local[2]", tmp.resolve("sweep"),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(rows).hasSize(4);
        for (RunResult r : rows) {
            assertThat(r.metrics()).containsKeys("forget_quality", "model_utility_retain", "forget_rougeL_recall",
                    "mia_loss_auc", "relearned_forget_rougeL_recall");
            assertThat(r.metrics().get("forget_quality")).isBetween(0.0, 1.0);
            assertThat(r.modelSha256()).hasSize(64);
        }
        // two steps at lr 1e-2 move the target: ga's and npo's models differ
        assertThat(rows.get(0).modelSha256()).isNotEqualTo(rows.get(2).modelSha256());

        RunResult inProcess = task.run(rows.get(3).run(), Files.createDirectories(tmp.resolve("in-process")));
        assertThat(inProcess.modelSha256()).isEqualTo(rows.get(3).modelSha256());
        assertThat(inProcess.metrics()).isEqualTo(rows.get(3).metrics());
    }

    @Test
    void unreadableTargetOrUnknownGridSettingIsRefusedBeforeAnyRun() throws Exception {
        DemoData data = tinyData(tmp);
        DemoSweepTask task = new DemoSweepTask(data.dir().toString(), tmp.resolve("nowhere").toString(),
                new double[0], List.of(), 0, 0, 0);
        SweepSpec spec = new SweepSpec(List.of("ga"), Map.of("lr", List.of("1e-2")), 0, 0, List.of(0));
        assertThatThrownBy(() -> SweepRunner.run(spec, task, "local[2]", tmp.resolve("o"), System.out))
                .hasMessageContaining("nowhere/model.safetensors: not readable (every executor");
        DemoSweepTask badSet = new DemoSweepTask(data.dir().toString(), tmp.resolve("nowhere").toString(),
                new double[0], List.of("colour=red"), 0, 0, 0);
        assertThatThrownBy(() -> badSet.check(new SweepSpec(List.of("ga"), Map.of(), 0, 0, List.of(0))))
                .hasMessageContaining("unknown setting 'colour'");
        assertThat(tmp.resolve("o")).doesNotExist();
    }
}
