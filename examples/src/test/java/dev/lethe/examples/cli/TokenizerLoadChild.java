package dev.lethe.examples.cli;

import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * Child JVM for {@link TokenizerLogTest}: loads a tokenizer.json through DJL with the command line's logging
 * settings, then logs one warning on DJL's CUDA probe logger and one on another logger.
 */
public final class TokenizerLoadChild {
    private TokenizerLoadChild() {
    }

    public static void main(String[] args) throws Exception {
        try (Tokenizer tok = Tokenizers.load(Path.of(args[0]))) {
            System.out.println("ids " + Arrays.toString(tok.encode("hello world", false)));
        }
        LoggerFactory.getLogger("ai.djl.util.cuda.CudaUtils").warn("probe on the CUDA logger");
        LoggerFactory.getLogger("ai.djl.huggingface.tokenizers.HuggingFaceTokenizer").warn("probe on another logger");
    }
}
