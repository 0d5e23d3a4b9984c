package dev.lethe.transformer.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link GuidanceHead} on disk, read by {@code lethe generate --guidance-head DIR}: {@code guidance_head.safetensors}
 * (float64 {@code w_in} [H, D] and {@code w_out} [V, H], row-major as the head holds them, so a round trip is
 * bit-identical) and {@code guidance_head.json} (format, H, D, V, the identity activation, and T3's decoding defaults
 * {@code base_temperature} T_b and {@code guidance_scale} s). Both files are written through a temporary file and a
 * rename; loading checks every field against the tensors and names the file and field that disagree.
 */
public final class GuidanceHeadFiles {
    /** The config's format tag. */
    public static final String FORMAT = "lethe-t3-guidance-head/1";
    public static final String WEIGHTS = "guidance_head.safetensors";
    public static final String CONFIG = "guidance_head.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A loaded head with the decoding defaults saved beside it. */
    public record Saved(GuidanceHead head, double baseTemperature, double guidanceScale) {
        /** The T3 logits processor of this head over {@code model}, with the saved T_b and s. */
        public TemperThenTilt processor(dev.lethe.transformer.model.CausalLM model) {
            return new TemperThenTilt(model, head, baseTemperature, guidanceScale);
        }
    }

    private GuidanceHeadFiles() {
    }

    public static void save(Path dir, GuidanceHead head, double baseTemperature, double guidanceScale)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("w_in", Nd4j.createFromArray(head.wIn()).reshape('c', head.hidden(), head.dim()));
        t.put("w_out", Nd4j.createFromArray(head.wOut()).reshape('c', head.vocab(), head.hidden()));
        SafetensorsWriter.write(dir.resolve(WEIGHTS), t, Map.of("format", FORMAT));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("format", FORMAT);
        c.put("hidden", head.hidden());
        c.put("dim", head.dim());
        c.put("vocab", head.vocab());
        c.put("activation", "identity");
        c.put("base_temperature", baseTemperature);
        c.put("guidance_scale", guidanceScale);
        Path tmp = dir.resolve(CONFIG + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(c));
        Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Saved load(Path dir) throws IOException {
        Path cfg = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfg) || !Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(dir + ": not a guidance head folder (needs " + CONFIG + " and " + WEIGHTS
                    + "); train one with ./lethe t3 train");
        }
        JsonNode c;
        try {
            c = JSON.readTree(cfg.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(cfg + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!FORMAT.equals(c.path("format").asText())) {
            throw new IllegalArgumentException(cfg + ": field 'format' must be \"" + FORMAT + "\", got "
                    + c.path("format"));
        }
        if (!"identity".equals(c.path("activation").asText("identity"))) {
            throw new IllegalArgumentException(cfg + ": field 'activation' must be \"identity\" (the only one Lethe's"
                    + " head has), got " + c.path("activation"));
        }
        int h = positive(c, "hidden", cfg);
        int d = positive(c, "dim", cfg);
        int v = positive(c, "vocab", cfg);
        double tb = c.path("base_temperature").asDouble(1.0);
        double s = c.path("guidance_scale").asDouble(1.0);
        try (CheckpointReader r = CheckpointReader.open(weights)) {
            double[] wIn = matrix(r, "w_in", h, d, weights);
            double[] wOut = matrix(r, "w_out", v, h, weights);
            return new Saved(new GuidanceHead(h, d, v, wIn, wOut), tb, s);
        }
    }

    private static int positive(JsonNode c, String field, Path file) {
        JsonNode n = c.path(field);
        if (!n.canConvertToInt() || n.asInt() < 1) {
            throw new IllegalArgumentException(file + ": field '" + field + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static double[] matrix(CheckpointReader r, String name, int rows, int cols, Path file) throws IOException {
        if (!r.contains(name)) {
            throw new IllegalArgumentException(file + ": no tensor '" + name + "'");
        }
        INDArray a = r.readFloat64(name);
        if (!Arrays.equals(a.shape(), new long[] {rows, cols})) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + Arrays.toString(a.shape())
                    + ", but " + CONFIG + " says [" + rows + ", " + cols + "]; the two files are from different heads");
        }
        return a.dup('c').reshape(a.length()).toDoubleVector();
    }
}
