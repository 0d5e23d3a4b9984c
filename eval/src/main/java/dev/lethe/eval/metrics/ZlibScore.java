package dev.lethe.eval.metrics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * zlib membership score (Carlini et al. 2021, "Extracting Training Data from Large Language Models"; open-unlearning
 * {@code mia/zlib.py}, MUSE {@code PPL/zlib}): mean NLL divided by the length in bytes of
 * {@code zlib.compress(text.encode("utf-8"))}. Python's default level is {@code Z_DEFAULT_COMPRESSION} (6) with the
 * zlib header and Adler-32 trailer, which is {@link Deflater#DEFAULT_COMPRESSION} with {@code nowrap=false} here.
 */
public final class ZlibScore {

    private ZlibScore() {
    }

    /** Length in bytes of Python's {@code zlib.compress(text.encode("utf-8"))}. */
    public static int compressedLength(String text) {
        byte[] input = text.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, false);
        try {
            deflater.setInput(input);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                int len = deflater.deflate(buf);
                out.write(buf, 0, len);
            }
            return out.size();
        } finally {
            deflater.end();
        }
    }

    /** {@code meanNll / compressedLength(text)}. */
    public static double score(double meanNll, String text) {
        if (text == null) {
            throw new IllegalArgumentException("zlib score: text is null");
        }
        return meanNll / compressedLength(text);
    }
}
