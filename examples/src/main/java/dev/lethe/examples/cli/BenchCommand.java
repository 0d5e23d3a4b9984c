package dev.lethe.examples.cli;

import dev.lethe.examples.bench.DecodeSpeedBench;
import dev.lethe.examples.bench.GenerateBench;
import dev.lethe.examples.bench.ScaleBench;
import dev.lethe.examples.bench.TrainBench;
import dev.lethe.examples.bench.kernels.KernelsCommand;
import dev.lethe.transformer.model.CausalLM;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe bench train|generate}: the standard speed workloads of {@code shared/bench/torch_baseline.py}, run
 * on Lethe; each prints one JSON line. The workloads themselves are {@link TrainBench} and {@link GenerateBench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Speed benchmarks matching shared/bench/torch_baseline.py (one JSON line each).",
        subcommands = {BenchCommand.Train.class, BenchCommand.Generate.class, BenchCommand.Scale.class,
                KernelsCommand.class, BenchCommand.Decode.class, ServeBenchCommand.class})
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** {@code lethe bench train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Time optimizer steps of a training/unlearning workload (sft, graddiff, npo, sam).")
    public static final class Train implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--workload", description = "Workload (default: ${DEFAULT-VALUE}).")
        String workload = "llama-34m";

        @Option(names = "--mode", description = "sft, graddiff, npo or sam (default: ${DEFAULT-VALUE}).")
        String mode = "sft";

        @Option(names = "--steps", description = "Timed steps after one warm-up step (default: ${DEFAULT-VALUE}).")
        int steps = 3;

        @Option(names = "--layers", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
        int layers = 8;

        @Option(names = "--batch", description = "Sequences per batch (default: ${DEFAULT-VALUE}).")
        int batch = 8;

        @Option(names = "--seq", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seq = 256;

        @Option(names = "--profile", description = "Also report the share of step time spent in GEMM.")
        boolean profile;

        @Override
        public Integer call() {
            TrainBench.Result r = TrainBench.run(new TrainBench.Options(workload, mode, steps, layers, batch, seq,
                    profile));
            PrintWriter out = spec.commandLine().getOut();
            out.println(r.toJson());
            out.flush();
            return 0;
        }
    }

    /** {@code lethe bench generate}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Greedy decoding tokens/s at batch 1 with a KV cache (prompt 32, 128 new tokens).")
    public static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--workload", description = "llama-34m or a Hugging Face model folder (default: ${DEFAULT-VALUE}).")
        String workload = "llama-34m";

        @Option(names = "--prompt", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
        int prompt = 32;

        @Option(names = "--batch", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
        int batch = 1;

        @Option(names = "--new-tokens", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
        int newTokens = 128;

        @Option(names = "--repeats", description = "Timed runs after one warm-up; the best is kept (default: ${DEFAULT-VALUE}).")
        int repeats = 2;

        @Override
        public Integer call() throws Exception {
            CausalLM model = GenerateBench.model(workload);
            GenerateBench.Result r = GenerateBench.run(workload, model, batch, prompt, newTokens, repeats);
            PrintWriter out = spec.commandLine().getOut();
            out.println(r.toJson());
            out.flush();
            return 0;
        }
    }

    /** {@code lethe bench decode}. */
    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Tokens/s of greedy vs contrastive decoding vs APD on llama-34m with a 4.6x smaller second"
                    + " model (batch 1, prompt 32, 128 new tokens).")
    public static final class Decode implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--new-tokens", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
        int newTokens = 128;

        @Option(names = "--repeats", description = "Timed runs after one warm-up; the best is kept (default: ${DEFAULT-VALUE}).")
        int repeats = 2;

        @Override
        public Integer call() throws Exception {
            CausalLM model = GenerateBench.model("llama-34m");
            CausalLM small = DecodeSpeedBench.smallModel();
            PrintWriter out = spec.commandLine().getOut();
            for (DecodeSpeedBench.Row r : DecodeSpeedBench.run(model, small, 32, newTokens, repeats)) {
                out.println(r.toJson(model.parameterCount(), small.parameterCount()));
            }
            out.flush();
            return 0;
        }
    }

    /** {@code lethe bench scale}. */
    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = "NPO + retain NLL steps on a 1.2B-parameter OLMo-1B-like Llama (random weights) training a"
                    + " parameter subset; prints seconds per step and peak memory.")
    public static final class Scale implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--layers", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
        int layers = ScaleBench.Options.defaults().layers();

        @Option(names = "--hidden", description = "Model width (default: ${DEFAULT-VALUE}).")
        int hidden = ScaleBench.Options.defaults().hidden();

        @Option(names = "--intermediate", description = "SwiGLU width (default: ${DEFAULT-VALUE}).")
        int intermediate = ScaleBench.Options.defaults().intermediate();

        @Option(names = "--heads", description = "Attention heads (default: ${DEFAULT-VALUE}).")
        int heads = ScaleBench.Options.defaults().heads();

        @Option(names = "--vocab", description = "Vocabulary (default: ${DEFAULT-VALUE}).")
        int vocab = ScaleBench.Options.defaults().vocab();

        @Option(names = "--batch", description = "Sequences per forget and per retain batch (default: ${DEFAULT-VALUE}).")
        int batch = ScaleBench.Options.defaults().batch();

        @Option(names = "--seq", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seq = ScaleBench.Options.defaults().seq();

        @Option(names = "--steps", description = "Timed steps after one warm-up step (default: ${DEFAULT-VALUE}).")
        int steps = ScaleBench.Options.defaults().steps();

        @Option(names = "--trainable", description = "Regex over parameter names to train (default: ${DEFAULT-VALUE}).")
        String trainable = ScaleBench.Options.defaults().trainable();

        @Option(names = "--lora-rank", description = "Train a LoRA adapter of this rank on every attention and MLP"
                + " projection instead of --trainable (0 = off, the default).")
        int loraRank;

        @Option(names = "--recompute", description = "Recompute each decoder block's activations in backward.")
        boolean recompute;

        @Option(names = "--base-dtype", description = "Storage of the frozen base weights under the LoRA adapter:"
                + " float32 (default), bf16 or f16 (compute stays float32; needs --lora-rank).")
        String baseDtype = "float32";

        @Override
        public Integer call() {
            ScaleBench.Options d = ScaleBench.Options.defaults();
            ScaleBench.Result r = ScaleBench.run(new ScaleBench.Options(layers, hidden, intermediate, heads, vocab,
                    batch, seq, steps, trainable, d.beta(), d.alpha(), d.lr(), loraRank, recompute, baseDtype));
            PrintWriter out = spec.commandLine().getOut();
            out.println(r.toJson());
            out.flush();
            return 0;
        }
    }
}
