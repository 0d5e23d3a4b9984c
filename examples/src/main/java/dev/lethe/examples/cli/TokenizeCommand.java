package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe tokenize --tokenizer PATH --text TEXT [--special]}: prints the token ids of TEXT as exactly
 * {@code {"ids":[...]}}. PATH is anything {@link Tokenizers#load} accepts: a {@code tokenizer.json}, a model folder,
 * GPT-2's folder with {@code encoder.json} + {@code vocab.bpe}, or a llama2.c {@code tokenizer.bin}. {@code --special}
 * applies the tokenizer's post-processor (e.g. a leading BOS).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as {\"ids\":[...]}.")
public final class TokenizeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH",
            description = "tokenizer.json, a model folder, GPT-2's encoder.json + vocab.bpe folder, or a llama2.c"
                    + " tokenizer .bin.")
    Path tokenizer;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to encode, as given.")
    String text;

    @Option(names = "--special", description = "Add the special tokens of the tokenizer's post-processor (e.g. BOS).")
    boolean special;

    @Override
    public Integer call() {
        if (!Files.exists(tokenizer)) {
            throw new IllegalArgumentException(tokenizer + ": no such file or folder; --tokenizer takes a tokenizer.json,"
                    + " a model folder, GPT-2's folder with encoder.json + vocab.bpe, or a llama2.c tokenizer .bin.");
        }
        int[] ids;
        try (Tokenizer tok = Tokenizers.load(tokenizer)) {
            ids = tok.encode(text, special);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(idsJson(ids));
        out.flush();
        return 0;
    }

    /** {@code {"ids":[...]}} with no spaces. */
    public static String idsJson(int[] ids) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        ArrayNode a = o.putArray("ids");
        for (int id : ids) {
            a.add(id);
        }
        return o.toString();
    }
}
