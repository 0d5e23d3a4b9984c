package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.transformer.generate.AsymptoticProbabilityDecoding;
import dev.lethe.transformer.generate.ContrastiveDecoding;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.generate.GuidanceHead;
import dev.lethe.transformer.generate.GuidanceHeadFiles;
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
 * [--temperature T --top-k K --top-p P --seed S] [--stop STR]... [--json] [--decoding greedy|sample|cd|apd [--amateur
 * DIR] [--alpha A] [--amateur-temperature T] [--alm DIR]]}: decodes a continuation with {@link Generator} (KV cache)
 * and prints its text, or with {@code --json} one line
 * {@code {"prompt_ids":[...],"ids":[...],"text":...,"finish_reason":...}}. DIR is a Hugging Face model folder or a
 * llama2.c {@code .bin} checkpoint; the tokenizer comes from {@code --tokenizer} or else the model folder (a
 * {@code --prompt} text is encoded with its special tokens, e.g. BOS). Decoding is greedy unless a sampling option is
 * given; sampling without {@code --seed} draws a seed and reports it in the JSON. {@code --decoding cd} contrasts the
 * model with {@code --amateur} ({@link ContrastiveDecoding}; argmax unless a sampling option is given), {@code
 * --decoding apd} with ALM' from {@code --alm} ({@link AsymptoticProbabilityDecoding}; sampled, as in the paper,
 * unless {@code --greedy}); {@code --guidance-head DIR} decodes with T3's temper-then-tilt ({@link
 * dev.lethe.transformer.generate.TemperThenTilt}) and the head {@code lethe t3 train} saved in DIR.
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

    @Option(names = "--decoding", paramLabel = "METHOD", description = "greedy, sample, cd (contrastive decoding"
            + " against --amateur) or apd (asymptotic probability decoding with --alm); default: greedy unless a"
            + " sampling option is given.")
    String decoding;

    @Option(names = "--amateur", paramLabel = "DIR", description = "The small model of --decoding cd (same vocabulary).")
    Path amateur;

    @Option(names = "--alpha", paramLabel = "A", description = "CD plausibility threshold in (0, 1] (default 0.1).")
    Double alpha;

    @Option(names = "--amateur-temperature", paramLabel = "T",
            description = "CD weight of the amateur's log-probability (default 0.5).")
    Double amateurTemperature;

    @Option(names = "--alm", paramLabel = "DIR", description = "ALM' of --decoding apd (./lethe apd fit trains one).")
    Path alm;

    @Option(names = "--guidance-head", paramLabel = "DIR", description = "T3 temper-then-tilt with this guidance head"
            + " (./lethe t3 train writes one); greedy unless a sampling option is given.")
    Path guidanceHead;

    @Option(names = "--base-temperature", paramLabel = "T", description = "T3's base temperature T_b (default: the"
            + " head's saved value).")
    Double baseTemperature;

    @Option(names = "--guidance-scale", paramLabel = "S", description = "T3's guidance scale s (default: the head's"
            + " saved value).")
    Double guidanceScale;

    @Override
    public Integer call() throws IOException {
        boolean samplingOption = temperature != null || topK != null || topP != null || seed != null;
        Decoding.Method method = decoding == null ? null : Decoding.method(decoding);
        if (method == Decoding.Method.GREEDY && samplingOption) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--decoding greedy cannot be combined with --temperature, --top-k, --top-p or --seed");
        }
        if ((amateur != null || alpha != null || amateurTemperature != null) && method != Decoding.Method.CD
                || alm != null && method != Decoding.Method.APD) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--amateur, --alpha and"
                    + " --amateur-temperature go with --decoding cd, --alm with --decoding apd");
        }
        if (method == Decoding.Method.SAMPLE || method == Decoding.Method.APD && !greedy) {
            samplingOption = true;
        }
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
        if (method != null) {
            Decoding d = Decoding.of(method);
            d = new Decoding(method, alpha == null ? d.alpha() : alpha,
                    amateurTemperature == null ? d.amateurTemperature() : amateurTemperature, d.cdTopK(), d.apdTopP(),
                    d.apdTopK(), d.apdTemperature());
            Path second = method == Decoding.Method.CD ? amateur : alm;
            if (second != null && !Files.isDirectory(second)) {
                throw new IllegalArgumentException(second + ": no such model folder (" + (method == Decoding.Method.CD
                        ? "--amateur" : "--alm; train ALM' with ./lethe apd fit") + ")");
            }
            cfg = cfg.withProcessors(d.processors(lm, second == null ? null : CausalLM.load(second)));
        }
        if (guidanceHead != null) {
            cfg = withGuidanceHead(cfg, lm, method);
        } else if (baseTemperature != null || guidanceScale != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--base-temperature and --guidance-scale go"
                    + " with --guidance-head");
        }
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

    /** Appends T3's processor (the head from --guidance-head, its saved T_b and s unless overridden) to the chain. */
    private GenerationConfig withGuidanceHead(GenerationConfig cfg, CausalLM lm, Decoding.Method method)
            throws IOException {
        if (method == Decoding.Method.CD || method == Decoding.Method.APD) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--guidance-head (T3) cannot be combined with"
                    + " --decoding cd or apd");
        }
        GuidanceHeadFiles.Saved saved = GuidanceHeadFiles.load(guidanceHead);
        GuidanceHead head = saved.head();
        if (head.dim() != lm.config().hiddenSize() || head.vocab() != lm.config().vocabSize()) {
            throw new IllegalArgumentException(guidanceHead + ": the head reads hidden size " + head.dim() + " and"
                    + " scores " + head.vocab() + " tokens, but " + model + " has hidden size "
                    + lm.config().hiddenSize() + " and " + lm.config().vocabSize() + " tokens; train the head on this"
                    + " model (./lethe t3 train)");
        }
        GuidanceHeadFiles.Saved used = new GuidanceHeadFiles.Saved(head,
                baseTemperature != null ? baseTemperature : saved.baseTemperature(),
                guidanceScale != null ? guidanceScale : saved.guidanceScale());
        List<dev.lethe.transformer.generate.LogitsProcessor> chain = new ArrayList<>(cfg.processors());
        chain.add(used.processor(lm));
        return cfg.withProcessors(chain.toArray(new dev.lethe.transformer.generate.LogitsProcessor[0]));
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
