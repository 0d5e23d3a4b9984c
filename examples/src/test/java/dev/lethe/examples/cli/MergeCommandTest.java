package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.Tape;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code lethe finetune --set lora_rank=4} writes a PEFT adapter, {@code lethe merge} folds it into the llama fixture,
 * and the merged folder's logits equal base + adapter within 1e-6 relative; an adapter for another base is refused.
 */
class MergeCommandTest {
    @TempDir
    Path tmp;

    private static INDArray logits(CausalLM m) {
        try (Tape tape = Tape.inference()) {
            return m.forward(tape, TokenBatch.of(1, 5, 9, 200, 3, 7)).logits().value().dup();
        }
    }

    @Test
    void finetuneWithLoraThenMergeGivesTheAdapterModel() throws Exception {
        Path base = SharedFiles.path("fixtures/hf/llama");
        Path data = tmp.resolve("text.jsonl");
        Files.write(data, List.of("{\"text\": \"Lethe is a river of forgetting.\"}",
                "{\"text\": \"Mnemosyne is its opposite.\"}"));
        Path adapter = tmp.resolve("adapter");
        CliRun ft = CliRun.of("finetune", "--model", base.toString(), "--data", data.toString(), "--template", "raw",
                "--set", "lr=1e-2", "--set", "max_steps=3", "--set", "batch_size=1", "--set", "lora_rank=4",
                "--set", "lora_target=.*_proj", "--out", adapter.toString());
        assertThat(ft.code()).as(ft.err()).isZero();
        assertThat(adapter.resolve("adapter_config.json")).exists();
        assertThat(adapter.resolve("model.safetensors")).doesNotExist();

        Path merged = tmp.resolve("merged");
        CliRun r = CliRun.of("merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out",
                merged.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("merged 14 LoRA layers (r=4");
        assertThat(merged.resolve("tokenizer.json")).exists();

        CausalLM withAdapter = CausalLM.load(base);
        withAdapter.attach(LoraAdapter.load(adapter, withAdapter));
        INDArray expected = logits(withAdapter);
        INDArray got = logits(CausalLM.load(merged));
        double scale = expected.amaxNumber().doubleValue();
        assertThat(got.sub(expected).amaxNumber().doubleValue() / scale).isLessThan(1e-6);
        assertThat(logits(CausalLM.load(base)).sub(expected).amaxNumber().doubleValue() / scale)
                .as("training moved the adapter").isGreaterThan(1e-4);

        CliRun bad = CliRun.of("merge", "--model", SharedFiles.path("fixtures/hf/gpt2").toString(), "--adapter",
                adapter.toString(), "--out", tmp.resolve("x").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("not a linear layer", "another base");
    }
}
