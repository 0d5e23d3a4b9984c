package dev.lethe.eval.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/** Loads the JSON fixtures written by eval/scripts/make_metric_fixtures.py. */
public final class Fixtures {

    private Fixtures() {
    }

    public static JsonNode load(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/metrics/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource metrics/" + name
                        + "; regenerate with /usr/bin/python3 eval/scripts/make_metric_fixtures.py");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).doubleValue();
        }
        return out;
    }
}
