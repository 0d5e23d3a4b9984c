package dev.lethe.optim.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import dev.lethe.optim.GradClip;
import dev.lethe.optim.LrSchedule;
import dev.lethe.optim.Optimizer;
import dev.lethe.optim.Rng;
import dev.lethe.optim.rule.AccumulatingOracle;
import dev.lethe.optim.rule.Direction;
import dev.lethe.optim.rule.GradientOracle;
import dev.lethe.optim.rule.StepContext;
import dev.lethe.optim.rule.UpdateRule;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link UpdateRule} and an {@link Optimizer} over the batches of a {@link BatchSource}: per optimizer step it
 * builds one oracle per micro-batch (averaged by an {@link AccumulatingOracle} when accumulating), asks the rule for a
 * direction, guards against non-finite losses and directions, optionally clips the direction's global norm, sets the
 * scheduled learning rate and steps. It writes one JSON line of metrics per step (every loss, gradient norms, the dual
 * variable, lr, tokens/s), shows a progress bar, and writes atomic safetensors checkpoints holding the parameters, the
 * optimizer and rule state, the random generator and the data position; {@link #resume} continues a run so that it
 * ends bit-identical to an uninterrupted one. With {@link Builder#recordSteps} each step's parameter change, lr and
 * record ids also go to a {@link StepRecords} ring buffer. Build one with {@link #builder}.
 */
public final class Trainer<B extends MicroBatch> {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The metadata tag of checkpoints written by this class. */
    public static final String FORMAT = "lethe-optim-checkpoint/1";

    private final ParameterSet params;
    private final UpdateRule rule;
    private final Optimizer optimizer;
    private final BatchSource<B> source;
    private final OracleFactory<B> factory;
    private final double baseLr;
    private final LrSchedule schedule;
    private final double clipNorm;
    private final int accumulation;
    private final long totalSteps;
    private final long stepsPerEpoch;
    private final Path checkpointFile;
    private final long checkpointEvery;
    private final Path metricsFile;
    private final boolean progressBar;
    private final Consumer<Map<String, Object>> listener;
    private final Rng rng;
    private final long seed;
    private final StepRecords records;
    private long step;
    private long lastCheckpointStep = -1;

    private Trainer(Builder<B> b) {
        this.params = b.params;
        this.rule = b.rule;
        this.optimizer = b.optimizer;
        this.source = b.source;
        this.factory = b.factory;
        this.baseLr = b.lr;
        this.schedule = b.schedule;
        this.clipNorm = b.clipNorm;
        this.accumulation = b.accumulation;
        this.stepsPerEpoch = source.batchesPerEpoch() / accumulation;
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("an epoch has fewer micro-batches than one accumulated step");
        }
        long byEpochs = b.epochs * stepsPerEpoch;
        this.totalSteps = b.maxSteps > 0 ? Math.min(b.maxSteps, b.epochs > 0 ? byEpochs : Long.MAX_VALUE) : byEpochs;
        this.checkpointFile = b.checkpointFile;
        this.checkpointEvery = b.checkpointEvery;
        this.metricsFile = b.metricsFile;
        this.progressBar = b.progressBar;
        this.listener = b.listener;
        this.seed = b.seed;
        this.rng = new Rng(b.seed);
        this.records = b.records;
    }

    public static <B extends MicroBatch> Builder<B> builder(ParameterSet trainable, UpdateRule rule, Optimizer optimizer,
            BatchSource<B> source, OracleFactory<B> factory) {
        return new Builder<>(trainable, rule, optimizer, source, factory);
    }

    /** Steps completed so far. */
    public long step() {
        return step;
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** Runs to the end. */
    public void run() {
        runUntil(totalSteps);
    }

    /** Runs until {@code untilStep} steps are complete (or the end), then writes a checkpoint if one is configured. */
    public void runUntil(long untilStep) {
        long end = Math.min(untilStep, totalSteps);
        ProgressBar bar = progressBar ? new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                .startsFrom(step, Duration.ZERO).build() : null;
        if (metricsFile != null) {
            keepMetricsThrough(metricsFile, step);
        }
        try (BufferedWriter metrics = metricsFile == null ? null : Files.newBufferedWriter(metricsFile,
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (step < end) {
                Map<String, Object> line = oneStep();
                if (metrics != null) {
                    metrics.write(JSON.writeValueAsString(line));
                    metrics.newLine();
                    metrics.flush();
                }
                if (listener != null) {
                    listener.accept(line);
                }
                if (bar != null) {
                    bar.stepTo(step);
                    Object loss = line.entrySet().stream().filter(e -> e.getKey().startsWith("loss/"))
                            .map(e -> e.getKey().substring(5) + " " + String.format("%.4f", (Double) e.getValue()))
                            .reduce((x, y) -> x + " " + y).orElse("");
                    bar.setExtraMessage(loss.toString());
                }
                if (checkpointFile != null && checkpointEvery > 0 && step % checkpointEvery == 0) {
                    saveCheckpoint(checkpointFile);
                }
            }
            if (checkpointFile != null && lastCheckpointStep != step) {
                saveCheckpoint(checkpointFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    private Map<String, Object> oneStep() {
        long t0 = System.nanoTime();
        long epoch = step / stepsPerEpoch;
        StepContext ctx = new StepContext(step, epoch, rng);
        double lr = schedule.lr(baseLr, step);
        optimizer.setLearningRate(lr);
        long first = (step % stepsPerEpoch) * accumulation;
        List<GradientOracle> micro = new ArrayList<>(accumulation);
        List<long[]> ids = new ArrayList<>();
        long tokens = 0;
        for (int j = 0; j < accumulation; j++) {
            B batch = source.batch(epoch, first + j);
            if (records != null) {
                ids.add(source.recordIds(epoch, first + j));
            }
            tokens += batch.tokens();
            micro.add(factory.oracle(batch, ctx));
        }
        GradientOracle oracle = micro.size() == 1 ? micro.get(0) : new AccumulatingOracle(micro);
        Direction d = rule.direction(oracle, ctx);
        for (Map.Entry<String, Double> m : d.metrics().entrySet()) {
            if (m.getKey().startsWith("loss") && !Double.isFinite(m.getValue())) {
                throw nonFinite(m.getKey(), m.getValue());
            }
        }
        double norm = clipNorm > 0 ? GradClip.clipGlobalNorm(d.direction(), clipNorm) : d.direction().norm();
        if (!Double.isFinite(norm)) {
            throw nonFinite("direction_norm", norm);
        }
        ParameterSet before = records == null ? null : params.copy();
        optimizer.step(params, d.direction());
        rule.afterStep(params, ctx);
        if (records != null) { // u_s = θ_{s+1} − θ_s
            records.add(new StepRecord(step, epoch, first, accumulation, lr,
                    ids.stream().flatMapToLong(java.util.Arrays::stream).toArray(), params.copy().axpy(-1.0, before)));
        }
        step++;
        if (step % stepsPerEpoch == 0) {
            rule.endEpoch(epoch);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("epoch", epoch);
        line.put("lr", lr);
        line.putAll(d.metrics());
        line.put("direction_norm", norm);
        line.put("tokens", tokens);
        line.put("step_s", seconds);
        line.put("tokens_per_s", tokens / Math.max(seconds, 1e-9));
        return line;
    }

    private NonFiniteLossException nonFinite(String quantity, double value) {
        String where = lastCheckpointStep < 0 ? "no checkpoint was written yet"
                : "last good checkpoint: " + checkpointFile + " (step " + lastCheckpointStep + ")";
        String msg = "non-finite " + quantity + " = " + value + " at step " + (step + 1)
                + "; parameters were not updated by this step; " + where;
        LOG.error(msg);
        return new NonFiniteLossException(step + 1, quantity, value, msg);
    }

    /** Atomically writes the full training state to {@code file}. */
    public void saveCheckpoint(Path file) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params) {
            t.put("params." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, ParameterSet> s : optimizer.state().entrySet()) {
            for (Map.Entry<String, INDArray> e : s.getValue()) {
                t.put("optim." + s.getKey() + "." + e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, INDArray> e : rule.state()) {
            t.put("rule." + e.getKey(), e.getValue());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(step));
        meta.put("optimizer_steps", Long.toString(optimizer.steps()));
        meta.put("optimizer_state", String.join(",", optimizer.state().keySet()));
        meta.put("rng_state", Long.toString(rng.state()));
        meta.put("seed", Long.toString(seed));
        meta.put("data_epoch", Long.toString(step / stepsPerEpoch));
        meta.put("data_index", Long.toString((step % stepsPerEpoch) * accumulation));
        meta.put("total_steps", Long.toString(totalSteps));
        try {
            SafetensorsWriter.write(file, t, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        }
        lastCheckpointStep = step;
    }

    /**
     * Drops the metrics lines of steps after {@code step} (and a torn last line) before the run continues from
     * {@code step}: a run killed after its last checkpoint wrote lines for steps it will redo on resume, and a fresh
     * run (step 0) starts a fresh file. Rewritten through a temporary file and an atomic rename.
     */
    static void keepMetricsThrough(Path file, long step) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<String> keep = new ArrayList<>();
            boolean dropped = false;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                long s;
                try {
                    s = JSON.readTree(line).path("step").asLong(Long.MAX_VALUE);
                } catch (IOException e) {
                    s = Long.MAX_VALUE; // torn line of a killed run
                }
                if (s <= step) {
                    keep.add(line);
                } else {
                    dropped = true;
                }
            }
            if (!dropped) {
                return;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, keep, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite the metrics file " + file, e);
        }
    }

    /** Restores parameters, optimizer state, rule state, random generator and data position from a checkpoint. */
    public void resume(Path file) {
        Map<String, INDArray> tensors;
        Map<String, String> meta;
        try (CheckpointReader c = CheckpointReader.open(file)) {
            tensors = c.readAllStored();
            meta = c.metadata();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file, e);
        }
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IllegalArgumentException(file + " is not a " + FORMAT + " checkpoint");
        }
        params.assign(ParameterSet.of(section(tensors, "params.")));
        Map<String, ParameterSet> opt = new LinkedHashMap<>();
        String names = meta.getOrDefault("optimizer_state", "");
        for (String s : names.isEmpty() ? new String[0] : names.split(",")) {
            opt.put(s, ParameterSet.of(section(tensors, "optim." + s + ".")));
        }
        optimizer.loadState(params, Long.parseLong(meta.get("optimizer_steps")), opt);
        rule.loadState(ParameterSet.of(section(tensors, "rule.")));
        rng.setState(Long.parseLong(meta.get("rng_state")));
        step = Long.parseLong(meta.get("step"));
        lastCheckpointStep = step;
        if (records != null) {
            records.dropFrom(step);
        }
    }

    private static Map<String, INDArray> section(Map<String, INDArray> all, String prefix) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                m.put(k.substring(prefix.length()), v);
            }
        });
        return m;
    }

    /** Configures a {@link Trainer}; defaults: lr 1e-5 constant, no clipping, no accumulation, 1 epoch, seed 0. */
    public static final class Builder<B extends MicroBatch> {
        private final ParameterSet params;
        private final UpdateRule rule;
        private final Optimizer optimizer;
        private final BatchSource<B> source;
        private final OracleFactory<B> factory;
        private double lr = 1e-5;
        private LrSchedule schedule = LrSchedule.constant();
        private double clipNorm;
        private int accumulation = 1;
        private long epochs = 1;
        private long maxSteps;
        private Path checkpointFile;
        private long checkpointEvery;
        private Path metricsFile;
        private boolean progressBar = true;
        private Consumer<Map<String, Object>> listener;
        private long seed;
        private StepRecords records;

        private Builder(ParameterSet params, UpdateRule rule, Optimizer optimizer, BatchSource<B> source,
                OracleFactory<B> factory) {
            this.params = params;
            this.rule = rule;
            this.optimizer = optimizer;
            this.source = source;
            this.factory = factory;
        }

        /** Base learning rate and its schedule (multiplier per 0-based step). */
        public Builder<B> learningRate(double lr, LrSchedule schedule) {
            this.lr = lr;
            this.schedule = schedule;
            return this;
        }

        /** Global-norm clipping of the direction (torch semantics); 0 disables. */
        public Builder<B> clipNorm(double maxNorm) {
            this.clipNorm = maxNorm;
            return this;
        }

        /** Micro-batches averaged per optimizer step. */
        public Builder<B> accumulation(int k) {
            this.accumulation = k;
            return this;
        }

        public Builder<B> epochs(long epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Stops after this many optimizer steps (0 = run all epochs). */
        public Builder<B> maxSteps(long steps) {
            this.maxSteps = steps;
            return this;
        }

        /** Checkpoint file, rewritten atomically every {@code every} steps (0 = only at the end of a run). */
        public Builder<B> checkpoint(Path file, long every) {
            this.checkpointFile = file;
            this.checkpointEvery = every;
            return this;
        }

        /**
         * JSON-lines metrics file: a resumed run continues it (lines of steps after the checkpoint are dropped first, so
         * each step appears once); a run from step 0 replaces it.
         */
        public Builder<B> metrics(Path file) {
            this.metricsFile = file;
            return this;
        }

        /** Receives each step's metrics line. */
        public Builder<B> listener(Consumer<Map<String, Object>> listener) {
            this.listener = listener;
            return this;
        }

        public Builder<B> progressBar(boolean show) {
            this.progressBar = show;
            return this;
        }

        /** Seed of the run's random generator (noise of randomized smoothing, dropout seeds via the step context). */
        public Builder<B> seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Records every step (its update, lr and record ids) into this ring buffer (LMCleaner's step records). */
        public Builder<B> recordSteps(StepRecords buffer) {
            this.records = buffer;
            return this;
        }

        public Trainer<B> build() {
            return new Trainer<>(this);
        }
    }
}
