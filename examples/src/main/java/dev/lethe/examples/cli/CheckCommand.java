package dev.lethe.examples.cli;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import dev.lethe.optim.AdamWErrors;
import dev.lethe.transformer.check.ReferenceCheck;
import dev.lethe.transformer.model.CausalLM;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe check --model DIR --reference REF.safetensors [--out DUMP.safetensors]}: recomputes what a PyTorch +
 * transformers reference file holds (layout of ../shared/fixtures/README.md) from its {@code input_ids},
 * {@code attention_mask} and {@code labels}: logits, hidden states, token log-probs, loss, gradients, greedy ids and
 * left-padded logits ({@link ReferenceCheck#compute}), plus the parameters after 1 and 3 AdamW steps
 * ({@link ReferenceAdamW}, on fresh copies of the model in float64 and in float32) and after one step along the
 * reference's own gradients (elements whose gradient is at float32 noise level are left out of the trajectories'
 * errors, see {@link AdamWErrors}). It writes them to DUMP under the same names, prints the
 * largest relative error of each against REF ({@link CheckReport}) and ends with PASS (exit 0) or FAIL (exit 1).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Recompute a PyTorch reference file's quantities and compare: PASS (exit 0) or FAIL (exit 1).")
public final class CheckCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--reference", required = true, paramLabel = "REF",
            description = "Reference .safetensors made by PyTorch (input_ids, attention_mask, labels, logits, ...).")
    Path reference;

    @Option(names = "--out", paramLabel = "DUMP", description = "Write the computed quantities here (.safetensors).")
    Path out;

    @Option(names = "--no-adamw", description = "Skip the AdamW steps (adamw1.*/adamw3.* then count as missing if"
            + " the reference has them).")
    boolean noAdamw;

    @Option(names = "--adamw-all-elements", description = "Compare AdamW results on every element, also those whose"
            + " gradient is at float32 noise level (their step is set by rounding; see AdamWErrors).")
    boolean adamwAllElements;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(reference)) {
            throw new IllegalArgumentException(reference + ": no such file; --reference takes a .safetensors file made"
                    + " by PyTorch with input_ids, attention_mask and labels (see shared/fixtures/README.md).");
        }
        if (out != null && out.toAbsolutePath().getParent() != null
                && !Files.isDirectory(out.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException(out + ": its folder does not exist; create it or choose another --out.");
        }
        CausalLM lm = CausalLM.load(model);
        PrintWriter pw = spec.commandLine().getOut();
        try (CheckpointReader ref = CheckpointReader.open(reference)) {
            if (!ref.contains("input_ids")) {
                throw new IllegalArgumentException(reference + ": has no input_ids tensor; a reference file holds"
                        + " input_ids [B, T] (and attention_mask, labels) beside the expected outputs, see"
                        + " shared/fixtures/README.md.");
            }
            Map<String, INDArray> computed = new LinkedHashMap<>(ReferenceCheck.compute(lm, ref));
            if (!noAdamw && ref.contains("labels")) {
                ReferenceCheck.Inputs in = ReferenceCheck.Inputs.read(ref, "");
                computed.putAll(ReferenceAdamW.run(CausalLM.load(model, DataType.DOUBLE), in, "", 1, 3));
                computed.putAll(ReferenceAdamW.run(CausalLM.load(model, DataType.FLOAT), in, "_f32", 1, 3));
                if (ref.names().stream().anyMatch(n -> n.startsWith("adamw1."))) {
                    computed.putAll(ReferenceAdamW.isolatedStep(lm, ref));
                }
            }
            if (out != null) {
                SafetensorsWriter.write(out, forDump(computed), Map.of("source", "lethe check"));
            }
            Map<String, Double> errors = ReferenceCheck.compare(computed, ref);
            Map<String, Long> excluded = new LinkedHashMap<>();
            AdamWErrors.compute(computed, ref, adamwAllElements).forEach((name, r) -> {
                errors.put(name, r.error());
                excluded.put(name, r.excluded());
            });
            CheckReport report = CheckReport.of(computed.keySet(), errors, ref.names(), excluded);
            report.lines().forEach(pw::println);
            if (out != null) {
                pw.println("wrote " + computed.size() + " tensors to " + out);
            }
            pw.flush();
            return report.passed() ? 0 : CliErrorHandler.FAILURE;
        }
    }

    /** greedy_ids as int64 like the reference; everything else as computed. */
    static Map<String, INDArray> forDump(Map<String, INDArray> computed) {
        Map<String, INDArray> m = new LinkedHashMap<>(computed);
        m.computeIfPresent("greedy_ids", (k, v) -> v.castTo(DataType.LONG));
        return m;
    }
}
