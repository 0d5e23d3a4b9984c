package dev.lethe.unlearn.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.optim.Trainable;
import dev.lethe.optim.influence.LmCleaner;
import dev.lethe.optim.rule.AccumulatingOracle;
import dev.lethe.optim.rule.GradientOracle;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.optim.train.StepRecord;
import dev.lethe.optim.train.StepRecords;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.LossContext;
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.recipe.Plan;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
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
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LMCleaner around a fine-tuning run (algorithms.md 5.15.6; the method is {@link LmCleaner}). Fine-tuning with
 * {@code record_steps=K} keeps the last K steps in {@code OUT/step_records} and, through {@link #writeManifest}, the
 * training records ({@code train.jsonl}) and settings ({@code manifest.json}) that rebuild any step's batch.
 * {@link #run} then finds the fine-tuning records equal to the forget records (same question and answer), the steps
 * whose batches held them, removes those batches from the model, and writes an audit record to
 * {@code OUT/audit/lmcleaner_audit.json}: the removed records, the records that only shared a reverted batch, every
 * corrected step with the steps it was propagated over, ‖v‖, σ, HVPs and time, the SHA-256 of every step record used
 * and of the parameters before and after. Every input error is raised before the model changes.
 */
public final class LmCleanerJob {
    /** The manifest's format tag. */
    public static final String FORMAT = "lethe-step-records-manifest/1";
    static final String MANIFEST = "manifest.json";
    static final String TRAIN_RECORDS = "train.jsonl";
    /** Where {@link #run} writes its audit record, relative to the run folder. */
    public static final String AUDIT = "audit/lmcleaner_audit.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LmCleanerJob() {
    }

    /** Writes {@code train.jsonl} and {@code manifest.json} into the step-record folder {@code dir}. */
    static void writeManifest(Path dir, List<QaRecord> records, Settings s) throws IOException {
        Files.createDirectories(dir);
        StringBuilder lines = new StringBuilder();
        for (QaRecord r : records) {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("question", r.question());
            row.put("answer", r.answer());
            lines.append(new ObjectMapper().writeValueAsString(row)).append('\n');
        }
        byte[] train = lines.toString().getBytes(StandardCharsets.UTF_8);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("train_records", TRAIN_RECORDS);
        m.put("train_sha256", sha256(train));
        m.put("settings", s.asMap());
        writeAtomically(dir.resolve(TRAIN_RECORDS), train);
        writeAtomically(dir.resolve(MANIFEST), JSON.writeValueAsBytes(m));
    }

    /** Removes the forget records' fine-tuning batches from {@code model}, saves it to {@code out}, writes the audit. */
    public static TrainingRun.Outcome run(CausalLM model, Tokenizer tok, List<QaRecord> forget,
            Plan.InfluenceRemoval removal, Path out) throws IOException {
        Path dir = removal.stepRecords();
        StepRecords records = StepRecords.open(dir);
        Settings trained = readManifest(dir);
        List<QaRecord> train = QaRecord.read(dir.resolve(TRAIN_RECORDS));
        long[] forgetIds = idsOf(forget, train, dir);
        PairedBatchSource source = new PairedBatchSource("train", Map.of("train",
                UnlearnJob.encoder(tok, trained).encodeAll(train)), trained.integer("batch_size"),
                UnlearnJob.padId(tok), trained.integer("seed"));
        List<Long> have = records.steps();
        requireCovered(forgetIds, train, source, records, have, trained.integer("grad_accum"), dir);
        List<Tensor> all = new ArrayList<>(model.parameters().values());
        List<Tensor> trainable = Trainable.select(all, trained.string("trainable"));
        ParameterSet theta = ParameterSet.values(trainable);
        if (!theta.names().equals(records.read(have.get(0)).update().names())) {
            throw new IllegalArgumentException(dir + ": the step records update " + records.read(have.get(0)).update()
                    .names().size() + " parameters, the model's trainable='" + trained.string("trainable") + "' selects "
                    + theta.size() + "; --model must be the model that fine-tuning wrote");
        }
        BufferPool pool = new BufferPool();
        RetainNll nll = new RetainNll("train");
        LmCleaner cleaner = new LmCleaner(records, r -> oracle(model, trainable, source, r, nll, pool), "train", theta,
                removal.settings());
        List<Long> steps = cleaner.stepsSeeing(forgetIds);
        Batch forgetBatch = Batch.collate(UnlearnJob.encoder(tok, trained).encodeAll(forget), UnlearnJob.padId(tok));
        double nllBefore = meanNll(model, forgetBatch);
        String before = sha256(theta);
        for (Tensor t : all) {
            t.requiresGrad(trainable.contains(t));
        }
        List<LmCleaner.Correction> done;
        try {
            done = cleaner.remove(steps);
        } finally {
            for (Tensor t : all) {
                t.requiresGrad(!model.sixteenBitWeights().contains(t.name())); // as TrainingRun leaves them
            }
        }
        Files.createDirectories(out);
        LoraTraining.save(model, out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("loss/forget_nll_before", nllBefore);
        summary.put("loss/forget_nll_after", meanNll(model, forgetBatch));
        List<Map<String, Object>> history = audit(out, dir, records, removal.settings(), forgetIds, train, done,
                before, sha256(theta), summary);
        return new TrainingRun.Outcome(done.size(), summary, history);
    }

    /** Mean answer-token NLL of {@code b} (no gradients): the forget records' loss before and after removal. */
    private static double meanNll(CausalLM model, Batch b) {
        try (Tape tape = Tape.inference()) {
            return new RetainNll("forget").loss(new LossContext(tape, model, null, Map.of("forget", b))).item();
        }
    }

    private static Settings readManifest(Path dir) throws IOException {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f) || !Files.isRegularFile(dir.resolve(TRAIN_RECORDS))) {
            throw new IllegalArgumentException(dir + ": no " + MANIFEST + " or " + TRAIN_RECORDS + "; step records must"
                    + " come from ./lethe finetune --set record_steps=K (OUT/step_records)");
        }
        JsonNode m = JSON.readTree(f.toFile());
        if (!FORMAT.equals(m.path("format").asText())) {
            throw new IllegalArgumentException(f + ": field 'format' must be " + FORMAT + ", got '"
                    + m.path("format").asText() + "'");
        }
        String sum = sha256(Files.readAllBytes(dir.resolve(TRAIN_RECORDS)));
        if (!sum.equals(m.path("train_sha256").asText())) {
            throw new IllegalArgumentException(dir.resolve(TRAIN_RECORDS) + ": its SHA-256 differs from 'train_sha256'"
                    + " in " + f + "; the training records were changed after fine-tuning, so no batch can be rebuilt");
        }
        Map<String, String> s = new LinkedHashMap<>();
        m.path("settings").fields().forEachRemaining(e -> s.put(e.getKey(), e.getValue().asText()));
        return new Settings(s);
    }

    /** The positions in {@code train} of records equal to a forget record; a forget record not there is an error. */
    static long[] idsOf(List<QaRecord> forget, List<QaRecord> train, Path dir) {
        List<Long> ids = new ArrayList<>();
        for (int f = 0; f < forget.size(); f++) {
            QaRecord q = forget.get(f);
            int before = ids.size();
            for (int i = 0; i < train.size(); i++) {
                if (train.get(i).question().equals(q.question()) && train.get(i).answer().equals(q.answer())) {
                    ids.add((long) i);
                }
            }
            if (ids.size() == before) {
                throw new IllegalArgumentException("forget record " + (f + 1) + " (question '" + q.question()
                        + "') is not among the fine-tuning records of " + dir + " (" + TRAIN_RECORDS + "); LMCleaner"
                        + " can only remove records that fine-tuning saw");
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** Every step that saw a forget record must still be in the buffer; names the first one that is not. */
    private static void requireCovered(long[] ids, List<QaRecord> train, PairedBatchSource source,
            StepRecords records, List<Long> have, int accum, Path dir) {
        long stepsPerEpoch = Math.max(1, source.batchesPerEpoch() / accum);
        long first = have.get(0);
        for (long step = 0; step < first; step++) {
            for (int j = 0; j < accum; j++) {
                long[] batch = source.recordIds(step / stepsPerEpoch, (step % stepsPerEpoch) * accum + j);
                for (long b : batch) {
                    for (long id : ids) {
                        if (b == id) {
                            throw new IllegalArgumentException("fine-tuning record " + id + " (question '"
                                    + train.get((int) id).question() + "') was seen at step " + step + ", but " + dir
                                    + " holds only steps " + first + ".." + have.get(have.size() - 1)
                                    + "; fine-tune with a larger record_steps to remove it");
                        }
                    }
                }
            }
        }
    }

    /** The oracle of a recorded step: mean answer NLL of each of its micro-batches (averaged when accumulating). */
    private static GradientOracle oracle(CausalLM model, List<Tensor> trainable, PairedBatchSource source,
            StepRecord r, RetainNll nll, BufferPool pool) {
        List<GradientOracle> micro = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (int j = 0; j < r.microBatches(); j++) {
            StepBatches b = source.batch(r.epoch(), r.firstIndex() + j);
            for (long id : source.recordIds(r.epoch(), r.firstIndex() + j)) {
                ids.add(id);
            }
            micro.add(new TapeOracle(trainable, Map.of("train", tape -> nll.loss(new LossContext(tape, model, null,
                    b.batches()))), pool));
        }
        if (!ids.equals(java.util.Arrays.stream(r.ids()).boxed().toList())) {
            throw new IllegalArgumentException("step " + r.step() + ": the batch rebuilt from " + TRAIN_RECORDS
                    + " holds records " + ids + ", the step record says " + java.util.Arrays.toString(r.ids())
                    + "; the manifest's settings do not reproduce the fine-tuning run");
        }
        return micro.size() == 1 ? micro.get(0) : new AccumulatingOracle(micro);
    }

    private static List<Map<String, Object>> audit(Path out, Path dir, StepRecords records, LmCleaner.Settings s,
            long[] forgetIds, List<QaRecord> train, List<LmCleaner.Correction> done, String before, String after,
            Map<String, Object> summary) throws IOException {
        TreeSet<Long> removed = new TreeSet<>();
        for (long id : forgetIds) {
            removed.add(id);
        }
        TreeSet<Long> collateral = new TreeSet<>();
        List<Map<String, Object>> corrections = new ArrayList<>();
        for (LmCleaner.Correction c : done) {
            StepRecord r = records.header(c.step());
            for (long id : r.ids()) {
                if (!removed.contains(id)) {
                    collateral.add(id);
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tz", c.step());
            m.put("tau", c.lastRecorded());
            m.put("k_used", c.stepsPropagated());
            m.put("propagated_steps", c.stepsPropagated() == 0 ? List.of()
                    : List.of(c.step() + 1, c.step() + c.stepsPropagated()));
            m.put("batch_ids", r.ids());
            m.put("v_norm", c.vNorm());
            m.put("noise_sigma", c.noiseSigma());
            m.put("noise_injected", c.noiseSigma() > 0);
            m.put("hvp_calls", c.hvpCalls());
            m.put("wall_time_ms", c.wallTimeMs());
            List<String> sums = new ArrayList<>();
            for (long st = c.step(); st <= c.step() + c.stepsPropagated(); st++) {
                sums.add(records.path(st).getFileName() + " " + sha256(Files.readAllBytes(records.path(st))));
            }
            m.put("step_record_sha256", sums);
            corrections.add(m);
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("method", "lmcleaner");
        a.put("step_records", dir.toAbsolutePath().toString());
        a.put("manifest_sha256", sha256(Files.readAllBytes(dir.resolve(MANIFEST))));
        a.put("curvature", s.curvature().name().toLowerCase(java.util.Locale.ROOT));
        a.put("truncation", s.truncation());
        a.put("damping", s.damping());
        a.put("epsilon", s.epsilon());
        a.put("delta", s.delta());
        List<Map<String, Object>> rem = new ArrayList<>();
        for (long id : removed) {
            rem.add(Map.of("id", id, "question", train.get((int) id).question()));
        }
        a.put("records_removed", rem);
        a.put("records_reverted_with_them", collateral);
        a.put("corrections", corrections);
        a.put("parameters_sha256_before", before);
        a.put("parameters_sha256_after", after);
        summary.forEach((k, v) -> a.put(k.substring(k.indexOf('/') + 1), v));
        writeAtomically(out.resolve(AUDIT), JSON.writeValueAsBytes(a));
        return corrections;
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** SHA-256 over the names and float64 values of a parameter set, in its order. */
    static String sha256(ParameterSet p) {
        MessageDigest md = digest();
        for (Map.Entry<String, INDArray> e : p) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * (int) e.getValue().length());
            for (double d : e.getValue().dup('c').reshape(e.getValue().length()).toDoubleVector()) {
                b.putDouble(d);
            }
            md.update(b.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
