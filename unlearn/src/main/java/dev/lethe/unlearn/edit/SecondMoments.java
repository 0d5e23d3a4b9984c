package dev.lethe.unlearn.edit;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.RealMatrix;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * C = E[k kᵀ] over every token of a text corpus, per edited layer (k = input of the MLP output matrix; ROME/MEMIT's
 * "mom2"), accumulated in float64; texts are encoded as fine-tuning saw them ({@link PromptTemplate#rawTextIds}).
 * Cached as {@code mom2-<model sha256>-L<layer>-<corpus sha256>.bin} in a folder
 * (written atomically), so edits of the same model with the same corpus reuse it.
 */
public final class SecondMoments {
    /** Called after each corpus text: {@code done} of {@code total}. */
    @FunctionalInterface
    public interface Listener {
        void progress(int done, int total);
    }

    private final Path cacheDir;
    private final Listener listener;

    /** {@code cacheDir} null: no caching. */
    public SecondMoments(Path cacheDir, Listener listener) {
        this.cacheDir = cacheDir;
        this.listener = listener == null ? (d, t) -> { } : listener;
    }

    /** C for each layer, computed in one pass over the (first {@code maxTexts}) corpus texts when not cached. */
    public Map<Integer, RealMatrix> of(CausalLM model, Tokenizer tok, int[] layers, List<String> corpus, int maxTexts,
            int maxTokens) {
        List<String> texts = corpus.subList(0, Math.min(maxTexts, corpus.size()));
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("the statistics corpus is empty: give --stats-corpus a JSONL/text file"
                    + " with at least one text");
        }
        String modelKey = modelSha(model);
        // the key names the encoding too: statistics cached before BOS was added (where training adds it) are not reused
        String corpusKey = sha(String.join("\u0000", texts) + "\u0000" + maxTokens + "\u0000bos="
                + PromptTemplate.trainsWithBos(tok));
        Map<Integer, RealMatrix> out = new LinkedHashMap<>();
        int[] missing = Arrays.stream(layers).filter(l -> {
            RealMatrix c = load(file(modelKey, l, corpusKey));
            if (c != null) {
                out.put(l, c);
            }
            return c == null;
        }).toArray();
        if (missing.length > 0) {
            Map<Integer, RealMatrix> computed = compute(model, tok, missing, texts, maxTokens);
            computed.forEach((l, c) -> {
                save(file(modelKey, l, corpusKey), c);
                out.put(l, c);
            });
        }
        return out;
    }

    private Map<Integer, RealMatrix> compute(CausalLM model, Tokenizer tok, int[] layers, List<String> texts,
            int maxTokens) {
        Map<Integer, INDArray> sums = new LinkedHashMap<>();
        long[] count = {0};
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = PromptTemplate.rawTextIds(tok, texts.get(i));
            ids = Arrays.copyOf(ids, Math.min(ids.length, Math.min(maxTokens, model.config().maxPositionEmbeddings())));
            if (ids.length == 0) {
                continue;
            }
            try (Tape tape = Tape.inference()) {
                model.forward(tape, TokenBatch.of(ids), (t, l, input, output) -> {
                    if (Arrays.stream(layers).anyMatch(x -> x == l)) {
                        INDArray k = input.value().reshape(input.size(1), input.size(2)).castTo(DataType.DOUBLE);
                        INDArray kk = k.transpose().mmul(k);
                        sums.merge(l, kk, INDArray::addi);
                    }
                    return output;
                });
            }
            count[0] += ids.length;
            listener.progress(i + 1, texts.size());
        }
        Map<Integer, RealMatrix> out = new LinkedHashMap<>();
        for (int l : layers) {
            out.put(l, new Array2DRowRealMatrix(sums.get(l).divi(count[0]).toDoubleMatrix(), false));
        }
        return out;
    }

    private Path file(String modelKey, int layer, String corpusKey) {
        return cacheDir == null ? null : cacheDir.resolve("mom2-" + modelKey.substring(0, 16) + "-L" + layer + "-"
                + corpusKey.substring(0, 16) + ".bin");
    }

    private static RealMatrix load(Path f) {
        if (f == null || !Files.isRegularFile(f)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            int n = in.readInt();
            double[][] c = new double[n][n];
            for (double[] row : c) {
                for (int j = 0; j < n; j++) {
                    row[j] = in.readDouble();
                }
            }
            return new Array2DRowRealMatrix(c, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cached statistics " + f + " (delete it to recompute)", e);
        }
    }

    private static void save(Path f, RealMatrix c) {
        if (f == null) {
            return;
        }
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), f.getFileName().toString(), ".tmp");
            try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(
                    Files.newOutputStream(tmp)))) {
                int n = c.getRowDimension();
                out.writeInt(n);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        out.writeDouble(c.getEntry(i, j));
                    }
                }
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write statistics cache " + f, e);
        }
    }

    /** SHA-256 over every parameter's name and float64 values: the same weights give the same key. */
    static String modelSha(CausalLM model) {
        MessageDigest md = digest();
        model.parameters().forEach((name, p) -> {
            md.update(name.getBytes(StandardCharsets.UTF_8));
            double[] v = p.value().reshape(p.length()).toDoubleVector();
            ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(v);
            md.update(b);
        });
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha(String s) {
        return HexFormat.of().formatHex(digest().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
