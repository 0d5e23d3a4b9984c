package dev.lethe.examples.lume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.LumeSubset;
import dev.lethe.examples.demo.DemoModels;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The LUME study's two models, trained by Lethe from a fixed seed in the demo's size class (by default
 * {@link DemoModels#CONFIG}: Llama, 4 layers, d 128, the 512-token demo tokenizer). The target learns the forget and
 * the retain documents, the retain model only the retain documents, each as the LUME models learned their data: every
 * whole document (the loss on all of its tokens) and every question with its answer (the loss on the answer). Training
 * uses the raw template (no "Question:/Answer:" wrapper), because SemEval prompts the model with the record's input as
 * it is. Trained models are cached with a stamp of what made them (config, settings, records), so a change of any of
 * them trains anew.
 */
public final class LumeModels {
    /**
     * Fine-tuning settings of both models: the same seed and 2,000 steps for both, as in the TOFU demo (about 55 epochs
     * of the target's 144 records, after which it regurgitates 97% of the biographies and answers every question; the
     * retain model sees 83 epochs of its 96 records but ends less well trained: final loss 0.12 against the target's
     * 0.02, 73% regurgitation and 83% of its questions). Batches of 4 because a batch is padded to its longest record:
     * a whole biography is about 200 tokens, a question with its answer about 25. About 4 minutes per model on two
     * cores.
     */
    public static final List<String> TRAINING = List.of("lr=5e-3", "epochs=1000", "max_steps=2000", "batch_size=4",
            "max_length=256", "schedule=cosine", "warmup_epochs=1", "clip_norm=1.0", "weight_decay=0", "seed=1234",
            "template=raw");

    /** What a model is: its architecture and fine-tuning settings. */
    public record Spec(String config, List<String> training) {
        public Spec {
            training = List.copyOf(training);
        }
    }

    /** The study's models: the demo architecture and {@link #TRAINING}. */
    public static final Spec DEFAULT = new Spec(DemoModels.CONFIG, TRAINING);

    private static final String STAMP = "lume-training.json";

    private LumeModels() {
    }

    /** A record as the models see it: the input as the prompt, the output after a space as the answer. */
    public static QaRecord asQa(LumeItem it) {
        return QaRecord.of(it.input(), " " + it.output());
    }

    /** Unlearning/relearning records of a set of items (sentence completions and questions alike). */
    public static List<QaRecord> asQa(List<LumeItem> items) {
        return items.stream().map(LumeModels::asQa).toList();
    }

    /** Training records of documents: each whole document (empty prompt), then each of its questions. */
    public static List<QaRecord> trainingRecords(List<LumeSubset.Document> docs) {
        List<QaRecord> out = new ArrayList<>();
        for (LumeSubset.Document d : docs) {
            out.add(QaRecord.of("", d.text()));
            for (LumeItem it : d.items()) {
                if (it.kind() == LumeItem.Kind.QA) {
                    out.add(asQa(it));
                }
            }
        }
        return out;
    }

    /** Target training data: forget + retain documents. */
    public static List<QaRecord> targetRecords(LumeData.Sets sets) {
        List<QaRecord> all = new ArrayList<>(trainingRecords(sets.forget()));
        all.addAll(trainingRecords(sets.retain()));
        return all;
    }

    /** Retain-model training data: the retain documents only. */
    public static List<QaRecord> retainRecords(LumeData.Sets sets) {
        return trainingRecords(sets.retain());
    }

    /**
     * The model in {@code dir}: reused when its stamp matches {@code spec} and {@code records} (and {@code retrain} is
     * false), else trained now from the spec's seed and saved with the tokenizer and the stamp.
     */
    public static Path ensure(Path dir, String name, Spec spec, List<QaRecord> records, Tokenizer tok,
            Path tokenizerFile, boolean retrain, PrintStream log) throws IOException {
        String stamp = stamp(spec, records, tokenizerFile);
        Path stampFile = dir.resolve(STAMP);
        if (!retrain && Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(stampFile)
                && Files.readString(stampFile, StandardCharsets.UTF_8).equals(stamp)) {
            log.printf("      using the cached LUME %s model (%s)%n", name, dir);
            return dir;
        }
        log.printf("      training the LUME %s model on %d records (%s)%n", name, records.size(),
                name.equals("target") ? "forget + retain documents" : "retain documents only");
        LumeStudy.deleteRecursively(dir);
        long t0 = System.nanoTime();
        CausalLM model = CausalLM.randomInit(ModelConfig.parse(spec.config(), "LUME model config"), 1234, 0.02,
                DataType.FLOAT);
        Settings s = FinetuneJob.defaults().with(spec.training());
        FinetuneJob.run(new FinetuneJob.Inputs(model, tok, records, s, dir, false, null));
        Files.copy(tokenizerFile, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(stampFile, stamp, StandardCharsets.UTF_8);
        log.printf("      trained in %.0f s%n", (System.nanoTime() - t0) / 1e9);
        return dir;
    }

    /** What made a model: config, settings and digests of the records and the tokenizer. */
    static String stamp(Spec spec, List<QaRecord> records, Path tokenizerFile) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (QaRecord r : records) {
            md.update(r.question().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(r.answer().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 1);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", spec.config());
        m.put("training", spec.training());
        m.put("records", records.size());
        m.put("records_sha256", HexFormat.of().formatHex(md.digest()));
        md.reset();
        m.put("tokenizer_sha256", HexFormat.of().formatHex(md.digest(Files.readAllBytes(tokenizerFile))));
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
    }
}
