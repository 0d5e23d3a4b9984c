package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.llama2c.Llama2cCheckpoint;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.TokenizerException;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe generate --model DIR [--prompt TEXT | --prompt-ids 1,2,3] --max-new-tokens N [--greedy]
 * [--temperature T --top-k K --top-p P --seed S] [--stop STR]... [--json]}: decodes a continuation with
 * {@link Generator} (KV cache) and prints its text, or with {@code --json} one line
 * {@code {"prompt_ids":[...],"ids":[...],"text":...,"finish_reason":...}}. DIR is a Hugging Face model folder or a
 * llama2.c {@code .bin} checkpoint; the tokenizer comes from {@code --tokenizer} or else the model folder (a
 * {@code --prompt} text is encoded with its special tokens, e.g. BOS). Decoding is greedy unless a sampling option is
 * given; sampling without {@code --seed} draws a seed and reports it in the JSON.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation of a prompt with a model (greedy or sampled).")
public final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model folder (config.json + safetensors) or a llama2.c .bin checkpoint.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.json, a folder, GPT-2's encoder.json + vocab.bpe or a llama2.c tokenizer .bin"
                    + " (default: the model folder's tokenizer).")
    Path tokenizer;

    /** Exactly one of the two prompt forms. */
    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (encoded with special tokens).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",",
                description = "Prompt token ids, comma-separated, used as given.")
        int[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = "--max-new-tokens", required = true, paramLabel = "N", description = "Most tokens to generate.")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Argmax decoding (the default when no sampling option is given).")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (> 0; default 1).")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens.")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass in (0, 1].")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sampler (default: a random one).")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop once the continuation contains STR (repeatable);"
            + " the text is cut before it.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON line with prompt ids, ids, text and finish reason.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        boolean samplingOption = temperature != null || topK != null || topP != null || seed != null;
        if (greedy && samplingOption) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--greedy cannot be combined with --temperature, --top-k, --top-p or --seed");
        }
        if (maxNewTokens < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-new-tokens must be >= 0");
        }
        if (!Files.exists(model)) {
            throw new IllegalArgumentException(model + ": no such file or folder; --model takes a Hugging Face model"
                    + " folder or a llama2.c .bin checkpoint.");
        }
        boolean bin = Files.isRegularFile(model) && model.toString().endsWith(".bin");
        CausalLM lm = bin ? Llama2cCheckpoint.load(model) : CausalLM.load(model);
        long usedSeed = seed != null ? seed : new SplittableRandom().nextLong();
        GenerationConfig cfg = samplingOption
                ? GenerationConfig.sampling(maxNewTokens, temperature == null ? 1.0 : temperature,
                        topK == null ? 0 : topK, topP == null ? 1.0 : topP, usedSeed)
                : GenerationConfig.greedy(maxNewTokens);
        cfg = cfg.withStopStrings(stops.toArray(new String[0]));
        try (Tokenizer tok = openTokenizer(bin)) {
            if (tok == null && (prompt.text != null || !stops.isEmpty())) {
                throw new IllegalArgumentException("no tokenizer found for " + model + "; --prompt and --stop need one:"
                        + " pass --tokenizer PATH (or use --prompt-ids without --stop)");
            }
            if (tok == null) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("lethe: the output is token ids, not text: " + noTokenizer + ". To print text, pass"
                        + " --tokenizer PATH (a tokenizer.json, a model folder holding one, GPT-2's encoder.json +"
                        + " vocab.bpe folder or a llama2.c tokenizer .bin).");
                err.flush();
            }
            int[] ids = prompt.ids != null ? prompt.ids : tok.encode(prompt.text, true);
            Generation g = new Generator(lm, tok).generate(ids, cfg);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(toJson(g, samplingOption ? usedSeed : null));
            } else {
                out.println(g.text() != null ? g.text()
                        : IntStream.of(g.ids()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }
            out.flush();
        }
        return 0;
    }

    /** Why the model folder gave no tokenizer, when it did not. */
    private String noTokenizer;

    /** The tokenizer from --tokenizer, else the model folder's; null when the folder has none. */
    private Tokenizer openTokenizer(boolean bin) {
        if (tokenizer != null) {
            if (!Files.exists(tokenizer)) {
                throw new IllegalArgumentException(tokenizer + ": no such file or folder (--tokenizer)");
            }
            return Tokenizers.load(tokenizer);
        }
        Path dir = bin ? model.toAbsolutePath().getParent() : model;
        try {
            return Tokenizers.load(dir);
        } catch (TokenizerException e) {
            String why = e.getMessage() == null ? "" : e.getMessage().strip();
            noTokenizer = why.endsWith(".") ? why.substring(0, why.length() - 1) : why;
            return null;
        }
    }

    /** {@code {"prompt_ids":[...],"ids":[...],"text":...,"finish_reason":"eos|stop_string|length"[,"seed":S]}}. */
    static String toJson(Generation g, Long seed) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        IntStream.of(g.promptIds()).forEach(o.putArray("prompt_ids")::add);
        IntStream.of(g.ids()).forEach(o.putArray("ids")::add);
        o.put("text", g.text());
        o.put("finish_reason", g.finishReason().name().toLowerCase(java.util.Locale.ROOT));
        if (seed != null) {
            o.put("seed", seed);
        }
        return o.toString();
    }
}
