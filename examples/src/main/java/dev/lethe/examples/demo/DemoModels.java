package dev.lethe.examples.demo;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The demo's two models, trained by Lethe itself exactly as TOFU prepares its models: a small Llama-style decoder
 * (4 layers, d 128, 4 heads, SwiGLU 384, tied head, the 512-token demo tokenizer) initialised from a fixed seed and
 * fine-tuned on questions and answers. The target sees the forget and the retain authors; the retain model sees only
 * the retain authors (TOFU's "retain model", the gold standard an unlearned model should become indistinguishable
 * from on the forget set).
 */
public final class DemoModels {
    /** Architecture of both demo models. */
    public static final String CONFIG = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
            + " \"vocab_size\": 512, \"hidden_size\": 128, \"intermediate_size\": 384, \"num_hidden_layers\": 4,"
            + " \"num_attention_heads\": 4, \"num_key_value_heads\": 4, \"max_position_embeddings\": 256,"
            + " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"tie_word_embeddings\": true,"
            + " \"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0, \"initializer_range\": 0.02}";

    /**
     * Fine-tuning settings of both models: the same seed, the same 400 steps and the same 16-step warm-up (the retain
     * set is smaller, so the retain model sees more epochs). The warm-up is given in steps: given in epochs (2, as
     * before 2026-12-02) it was 10 steps for the retain model's 80 records against the target's 16, and that shorter
     * ramp to lr 5e-3 left the retain model on the unigram plateau (loss ~4.6 for 80 steps) and at a final loss of
     * 0.42 against the target's 0.006; with 16 steps it trains like the target (docs/results.md).
     */
    public static final List<String> TRAINING = List.of("lr=5e-3", "epochs=100", "max_steps=400", "batch_size=16",
            "max_length=192", "schedule=cosine", "warmup_steps=16", "clip_norm=1.0", "weight_decay=0", "seed=1234");

    private DemoModels() {
    }

    /** Trains one model on {@code records} and saves it (with the tokenizer) to {@code out}. */
    public static CausalLM train(List<QaRecord> records, Tokenizer tokenizer, Path tokenizerFile, Path out,
            boolean progressBar, Consumer<Map<String, Object>> listener) throws IOException {
        CausalLM model = CausalLM.randomInit(ModelConfig.parse(CONFIG, "demo model config"), 1234, 0.02,
                DataType.FLOAT);
        Settings s = FinetuneJob.defaults().with(TRAINING);
        FinetuneJob.run(new FinetuneJob.Inputs(model, tokenizer, records, s, out, progressBar, listener));
        Files.copy(tokenizerFile, out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        return model;
    }

    /**
     * Writes a trained model folder as the repository ships it: weights in bfloat16 (half the bytes; Lethe converts
     * them back to float32 exactly on load), config.json and tokenizer.json.
     */
    public static void ship(Path trained, Path shipped) throws IOException {
        CausalLM model = CausalLM.load(trained);
        Files.createDirectories(shipped);
        dev.lethe.engine.io.SafetensorsWriter.writeModel(shipped, model.weights(), Map.of("format", "pt"),
                dev.lethe.engine.io.SafetensorsDType.BF16, 5L << 30);
        for (String f : List.of("config.json", "tokenizer.json")) {
            Files.copy(trained.resolve(f), shipped.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Target training data: forget + retain records. */
    public static List<QaRecord> targetData(DemoData data) throws IOException {
        List<QaRecord> all = new ArrayList<>(QaRecord.read(data.forget()));
        all.addAll(QaRecord.read(data.retain()));
        return all;
    }

    /** Retain-model training data: the retain records only. */
    public static List<QaRecord> retainData(DemoData data) throws IOException {
        return QaRecord.read(data.retain());
    }
}
