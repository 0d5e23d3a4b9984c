package dev.lethe.transformer.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a tokenizer from whatever files a model comes with: a Hugging Face {@code tokenizer.json} (file or model
 * directory; {@link HfTokenizer}), GPT-2's {@code encoder.json} + {@code vocab.bpe} ({@link Gpt2BpeFiles}), or a
 * llama2.c {@code tokenizer.bin} ({@link Llama2cTokenizerBin}). All three end up as an {@link HfTokenizer}.
 */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Loads the tokenizer at {@code path}. A directory is searched for {@code tokenizer.json}, then
     * {@code encoder.json} + {@code vocab.bpe}, then {@code tokenizer.bin}; a file is recognised by its name
     * ({@code encoder.json}/{@code vocab.bpe} look for their partner beside them, {@code *.bin} is llama2.c,
     * anything else is read as a tokenizer.json).
     */
    public static HfTokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("tokenizer.json"))) {
                return HfTokenizer.load(path);
            }
            if (Files.isRegularFile(path.resolve("encoder.json")) && Files.isRegularFile(path.resolve("vocab.bpe"))) {
                return Gpt2BpeFiles.load(path.resolve("encoder.json"), path.resolve("vocab.bpe"));
            }
            if (Files.isRegularFile(path.resolve("tokenizer.bin"))) {
                return Llama2cTokenizerBin.load(path.resolve("tokenizer.bin"));
            }
            throw new TokenizerException("No tokenizer found in directory " + path + ": expected tokenizer.json,"
                    + " or encoder.json + vocab.bpe (GPT-2), or tokenizer.bin (llama2.c).");
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (name.equals("encoder.json") || name.equals("vocab.bpe")) {
            Path dir = path.toAbsolutePath().getParent();
            return Gpt2BpeFiles.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        }
        if (name.endsWith(".bin")) {
            return Llama2cTokenizerBin.load(path);
        }
        return HfTokenizer.load(path);
    }
}
