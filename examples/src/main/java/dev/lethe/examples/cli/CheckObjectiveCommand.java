package dev.lethe.examples.cli;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.objective.ObjectiveEvaluation;
import dev.lethe.unlearn.recipe.ObjectiveRegistry;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe check-objective --model DIR --objective NAME --batch BATCH.safetensors [--reference-model DIR]
 * [--set k=v]... --out DUMP.safetensors}: the parity tool for every objective. Reads the batches present in the file
 * ({@code forget.}, {@code retain.}, {@code chosen.}, {@code rejected.}, {@code alternate.} with
 * {@code input_ids}, {@code attention_mask} and {@code labels}: -100 = not scored, Hugging Face shift convention), builds the objective with
 * {@link ObjectiveRegistry} (its weights and parameters from {@code --set}), evaluates it with
 * {@link ObjectiveEvaluation} and writes {@code loss} and {@code grad.<param>} for every trainable parameter (float64).
 * The frozen reference is {@code --reference-model} if given, else a copy of the model.
 */
@Command(name = "check-objective", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate one unlearning objective and its gradients on given token batches.")
public final class CheckObjectiveCommand implements Callable<Integer> {
    static final List<String> BATCHES = List.of("forget", "retain", "chosen", "rejected", "alternate");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--objective", required = true, paramLabel = "NAME", description = "One of: ga, nll, graddiff,"
            + " kl, npo, npo_retain, simnpo, dpo, idknll, wga, satimp, undial, ceu, logit_margin, rmu, altpo,"
            + " distillation, mean_logit_margin, lunar.")
    String objective;

    @Option(names = "--batch", required = true, paramLabel = "FILE", description = "safetensors with <set>.input_ids,"
            + " <set>.attention_mask, <set>.labels for set in forget, retain, chosen, rejected, alternate (those"
            + " present).")
    Path batchFile;

    @Option(names = "--reference-model", paramLabel = "DIR", description = "Frozen reference model (default: a copy"
            + " of --model).")
    Path referenceModel;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Objective parameter, e.g. beta=0.1, gamma=1,"
            + " alpha=1; rmu_u_from=TENSOR (RMU's u) and lunar_r_from=TENSOR (LUNAR's r) take a direction from the"
            + " batch file.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--float64", description = "Load the models in float64 instead of float32.")
    boolean float64;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output safetensors file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        Settings settings = ObjectiveRegistry.settings(objective).with(sets);
        if (!Files.isRegularFile(batchFile)) {
            throw new IllegalArgumentException(batchFile + ": no such file (--batch)");
        }
        DataType dtype = float64 ? DataType.DOUBLE : DataType.FLOAT;
        CausalLM lm = load(model, "--model", dtype);
        Map<String, Batch> batches = new LinkedHashMap<>();
        Objective obj;
        try (CheckpointReader r = CheckpointReader.open(batchFile)) {
            for (String name : BATCHES) {
                Batch b = readBatch(r, name);
                if (b != null) {
                    batches.put(name, b);
                }
            }
            if (batches.isEmpty()) {
                throw new IllegalArgumentException(batchFile + ": no batch found; expected tensors <set>.input_ids,"
                        + " <set>.attention_mask and <set>.labels for a set in " + BATCHES);
            }
            obj = ObjectiveRegistry.create(objective, settings, lm.config(), name -> vector(r, name));
        }
        CausalLM reference = null;
        if (obj.needsReference() || referenceModel != null) {
            if (referenceModel != null) {
                CausalLM loaded = load(referenceModel, "--reference-model", dtype);
                if (!Arrays.equals(shapes(loaded), shapes(lm))) {
                    throw new IllegalArgumentException(referenceModel + ": the reference model's parameters differ"
                            + " in shape from " + model + "'s; --reference-model must be the same architecture");
                }
                reference = loaded.frozenCopy();
            } else {
                reference = lm.frozenCopy();
            }
        }
        ObjectiveEvaluation.Result res;
        try {
            res = ObjectiveEvaluation.evaluate(obj, lm, reference, batches);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(objective + " on " + batchFile + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> dump = new LinkedHashMap<>();
        dump.put("loss", Nd4j.createFromArray(new double[] {res.loss()}));
        lm.parameters().forEach((n, p) -> {
            if (p.requiresGrad()) {
                dump.put("grad." + n, res.gradients().get(n).castTo(DataType.DOUBLE));
            }
        });
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("objective", objective);
        meta.put("settings", settings.asMap().toString());
        meta.put("batches", String.join(",", batches.keySet()));
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        SafetensorsWriter.write(out, dump, meta);
        var o = spec.commandLine().getOut();
        o.printf("%s loss %.10g on %s; wrote loss and %d gradients to %s%n", objective, res.loss(),
                String.join(",", batches.keySet()), dump.size() - 1, out);
        o.flush();
        return 0;
    }

    private static CausalLM load(Path dir, String option, DataType dtype) throws IOException {
        if (!Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException(dir + ": not a Hugging Face model folder (config.json + safetensors);"
                    + " check " + option);
        }
        return CausalLM.load(dir, dtype);
    }

    private static String[] shapes(CausalLM m) {
        List<String> s = new ArrayList<>();
        m.parameters().forEach((n, p) -> s.add(n + Arrays.toString(p.shape())));
        return s.toArray(new String[0]);
    }

    /** The batch under {@code prefix.}, or null when the file has none; a partial batch is an error. */
    static Batch readBatch(CheckpointReader r, String prefix) throws IOException {
        String[] parts = {"input_ids", "attention_mask", "labels"};
        int present = 0;
        for (String p : parts) {
            if (r.contains(prefix + "." + p)) {
                present++;
            }
        }
        if (present == 0) {
            return null;
        }
        List<int[]> arrays = new ArrayList<>();
        long[] shape = null;
        for (String p : parts) {
            String name = prefix + "." + p;
            if (!r.contains(name)) {
                throw new IllegalArgumentException("batch file lacks " + name + "; a '" + prefix + "' batch needs "
                        + prefix + ".input_ids, " + prefix + ".attention_mask and " + prefix + ".labels");
            }
            INDArray a = r.readFloat64(name);
            if (a.rank() != 2) {
                throw new IllegalArgumentException(name + " must be [batch, length], got shape "
                        + Arrays.toString(a.shape()));
            }
            if (shape != null && !Arrays.equals(shape, a.shape())) {
                throw new IllegalArgumentException(name + " has shape " + Arrays.toString(a.shape()) + " but "
                        + prefix + ".input_ids has " + Arrays.toString(shape));
            }
            shape = a.shape();
            int[] v = new int[(int) a.length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (int) a.getDouble(i);
            }
            arrays.add(v);
        }
        return new Batch(arrays.get(0), arrays.get(1), arrays.get(2), (int) shape[0], (int) shape[1]);
    }

    private static double[] vector(CheckpointReader r, String name) {
        if (!r.contains(name)) {
            throw new IllegalArgumentException("the batch file has no tensor named '" + name + "'");
        }
        try {
            INDArray a = r.readFloat64(name);
            double[] d = new double[(int) a.length()];
            for (int i = 0; i < d.length; i++) {
                d[i] = a.getDouble(i);
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
