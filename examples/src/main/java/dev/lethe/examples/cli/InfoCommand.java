package dev.lethe.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lethe info MODEL_DIR}: the family, architecture, parameter count (from the checkpoint's shapes, without
 * loading the weights), stored dtype, layers, heads, widths, vocabulary, tied head, RoPE settings and context length of
 * a Hugging Face model folder, as readable lines or, with {@code --json}, one JSON object; {@code --load} also loads
 * it as a model to prove it runs. It runs loading's consistency checks on the checkpoint header (no tensor data is
 * read): when config.json and the weights disagree, it prints each problem on stderr and exits 1. The work is done by
 * {@link ModelSummary#read}.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a Hugging Face model folder (config.json + safetensors).")
public final class InfoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Model folder with config.json and safetensors.")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of readable text.")
    boolean json;

    @Option(names = "--load", description = "Also load the weights as a model (checks that Lethe can run it).")
    boolean load;

    @Override
    public Integer call() throws Exception {
        ModelSummary s = ModelSummary.read(dir, load);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(s.toJson().toString());
        } else {
            s.lines().forEach(out::println);
        }
        out.flush();
        if (s.consistent()) {
            return 0;
        }
        PrintWriter err = spec.commandLine().getErr();
        for (String problem : s.problems()) {
            err.println("lethe: " + dir + ": " + problem);
        }
        err.println("lethe: " + dir + " does not load: config.json and the weights disagree (" + s.problems().size()
                + " problem" + (s.problems().size() == 1 ? "" : "s") + " above)");
        err.flush();
        return CliErrorHandler.FAILURE;
    }
}
