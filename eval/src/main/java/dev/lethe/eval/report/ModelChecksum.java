package dev.lethe.eval.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * SHA-256 checksums of a model folder's weight files ({@code *.safetensors}, else {@code *.bin}/{@code *.pt}): one per
 * file, and {@code sha256} over the bytes of all of them concatenated in file-name order (for a single-file model,
 * the same as {@code sha256sum model.safetensors}).
 */
public record ModelChecksum(String sha256, Map<String, String> files) {

    public static ModelChecksum of(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a model folder (expected config.json and *.safetensors)");
        }
        List<Path> weights = list(dir, ".safetensors");
        if (weights.isEmpty()) {
            weights = list(dir, ".bin");
            weights.addAll(list(dir, ".pt"));
        }
        if (weights.isEmpty()) {
            throw new IOException(dir + ": no weight files (*.safetensors) to checksum");
        }
        MessageDigest all = sha();
        Map<String, String> per = new LinkedHashMap<>();
        byte[] buf = new byte[1 << 20];
        for (Path p : weights) {
            MessageDigest one = sha();
            try (InputStream in = Files.newInputStream(p)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    one.update(buf, 0, n);
                    all.update(buf, 0, n);
                }
            }
            per.put(p.getFileName().toString(), HexFormat.of().formatHex(one.digest()));
        }
        return new ModelChecksum(HexFormat.of().formatHex(all.digest()), per);
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted().toList());
        }
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
