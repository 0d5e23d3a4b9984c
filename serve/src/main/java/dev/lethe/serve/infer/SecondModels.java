package dev.lethe.serve.infer;

import dev.lethe.serve.http.ApiError;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.model.CausalLM;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The second models a server holds for request-scoped decoding: the amateur of contrastive decoding ("decoding":
 * "cd") and APD's ALM' ("decoding": "apd"); either may be absent (null). Loaded once at start; every request gets
 * fresh processors over them ({@link Decoding#processors}), each with its own KV cache.
 */
public record SecondModels(CausalLM amateur, CausalLM alm) {

    /** Loads the folders that are not null, checking each shares the served model's vocabulary. */
    public static SecondModels load(Path amateurDir, Path almDir, CausalLM served) {
        return new SecondModels(load(amateurDir, "--amateur", served), load(almDir, "--alm", served));
    }

    private static CausalLM load(Path dir, String flag, CausalLM served) {
        if (dir == null) {
            return null;
        }
        CausalLM m;
        try {
            m = CausalLM.load(dir, DataType.FLOAT);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + " (" + flag + "): cannot load the model: " + e.getMessage(), e);
        }
        if (m.config().vocabSize() != served.config().vocabSize()) {
            throw new IllegalArgumentException(dir.resolve("config.json") + " (" + flag + "): vocab_size "
                    + m.config().vocabSize() + " differs from the served model's " + served.config().vocabSize()
                    + "; the second model must share the served model's tokenizer and vocabulary");
        }
        return m;
    }

    /** The model {@code d} contrasts with (null for greedy/sample); a 400 when the server has not loaded it. */
    CausalLM forDecoding(Decoding d) {
        if (!d.needsSecondModel()) {
            return null;
        }
        CausalLM m = d.method() == Decoding.Method.CD ? amateur : alm;
        if (m == null) {
            String name = d.method().name().toLowerCase(Locale.ROOT);
            throw new ApiError(400, "invalid_request_error", "decoding_unavailable", "decoding", "decoding '" + name
                    + "' needs the " + d.secondModelRole() + " model, which this server has not loaded (start it with "
                    + (d.method() == Decoding.Method.CD ? "--amateur DIR" : "--alm DIR") + ")");
        }
        return m;
    }
}
