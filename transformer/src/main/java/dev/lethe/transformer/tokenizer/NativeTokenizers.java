package dev.lethe.transformer.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Creates DJL {@link HuggingFaceTokenizer} instances (the Rust Hugging Face tokenizers library behind JNI) with
 * the settings this project needs: offline (DJL may never reach the network; the CPU native library is extracted
 * from the DJL jar into DJL's cache directory, {@code ~/.djl.ai/tokenizers} unless {@code ENGINE_CACHE_DIR} or
 * {@code DJL_CACHE_DIR} says otherwise), no truncation and no padding (DJL's defaults would cut at 512 tokens).
 */
final class NativeTokenizers {
    private static final Map<String, String> OPTIONS = Map.of(
            "truncation", "false",
            "padding", "false",
            "addSpecialTokens", "true",
            "withOverflowingTokens", "false");

    private NativeTokenizers() {
    }

    /** A DJL tokenizer from the text of a tokenizer.json; {@code source} is named in errors. */
    static HuggingFaceTokenizer fromJson(String json, String source) {
        ensureOffline();
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new TokenizerException("The Hugging Face tokenizers native library (DJL "
                    + "ai.djl.huggingface:tokenizers, bundled for linux-x86_64 and windows-x86_64) did not load on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + e
                    + ". Check that DJL's cache directory (~/.djl.ai, or ENGINE_CACHE_DIR) is writable, or point"
                    + " RUST_LIBRARY_PATH at a libtokenizers built for this platform.", e);
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e.getClass().getName().startsWith("ai.djl.engine") && msg.contains("native")) {
                throw new TokenizerException("The Hugging Face tokenizers native library did not load: " + msg
                        + ". Check that ~/.djl.ai (or ENGINE_CACHE_DIR) is writable, or set RUST_LIBRARY_PATH.", e);
            }
            throw new TokenizerException(source + ": the Hugging Face tokenizers library rejected this"
                    + " tokenizer.json: " + msg + ". Check the named field against a file saved by the"
                    + " `tokenizers` Python package (0.20 format or older).", e);
        }
    }

    /** Sets DJL's offline switch unless the caller already chose a value. */
    static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
