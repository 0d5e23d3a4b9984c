package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.Distillation;
import dev.lethe.unlearn.objective.ObjectiveEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code lethe distill} from the llama fixture into a one-layer random student: 8 steps bring the student's
 * distillation loss (T = 2) on the training records (one batch) down; a student with another vocabulary is refused.
 */
class DistillCommandTest {
    @TempDir
    Path tmp;

    private Path student(int vocab) throws Exception {
        ModelConfig c = ModelConfig.parse("{\"model_type\": \"llama\", \"hidden_size\": 32, \"intermediate_size\": 64,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"num_key_value_heads\": 2,"
                + " \"vocab_size\": " + vocab + ", \"max_position_embeddings\": 128, \"rms_norm_eps\": 1e-5,"
                + " \"tie_word_embeddings\": false, \"hidden_act\": \"silu\"}", "student");
        Path dir = tmp.resolve("student" + vocab);
        CausalLM.randomInit(c, 1, 0.02, DataType.FLOAT).save(dir);
        return dir;
    }

    @Test
    void distilsIntoASmallerStudentAndRefusesAnotherVocabulary() throws Exception {
        Path teacher = SharedFiles.path("fixtures/hf/llama");
        Path data = tmp.resolve("data.json");
        Files.write(data, Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 8));
        Path student = student(512);
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("distill", "--teacher", teacher.toString(), "--student", student.toString(), "--data",
                data.toString(), "--set", "lr=1e-2", "--set", "max_steps=8", "--set", "batch_size=4", "--set",
                "max_length=48", "--set", "epochs=4", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("distill on 8 records: 8 steps").contains("loss/train");
        assertThat(out.resolve("model.safetensors")).exists();

        Batch train;
        try (Tokenizer tok = Tokenizers.load(teacher)) {
            Encoder enc = new Encoder(tok, PromptTemplate.PLAIN, 48, true, true);
            train = Batch.collate(enc.encodeAll(QaRecord.read(data)), 0);
        }
        CausalLM t = CausalLM.load(teacher).frozenView();
        Distillation kd = new Distillation("train", 2.0, 0.0);
        double before = ObjectiveEvaluation.evaluate(kd, CausalLM.load(student), t, Map.of("train", train)).loss();
        double after = ObjectiveEvaluation.evaluate(kd, CausalLM.load(out), t, Map.of("train", train)).loss();
        assertThat(after).as("%s -> %s", before, after).isLessThan(before);

        CliRun bad = CliRun.of("distill", "--teacher", teacher.toString(), "--student", student(256).toString(),
                "--data", data.toString(), "--out", tmp.resolve("bad").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("vocab_size", "share a tokenizer");
        assertThat(List.of(bad.err().split("\n")).get(0)).isNotBlank();
    }
}
