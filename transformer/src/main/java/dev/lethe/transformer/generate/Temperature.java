package dev.lethe.transformer.generate;

/**
 * Divides every logit by a temperature T > 0 (Hugging Face's {@code TemperatureLogitsWarper}): T &lt; 1 sharpens the
 * distribution, T &gt; 1 flattens it; masked (-inf) logits stay masked.
 */
public final class Temperature implements LogitsProcessor {
    private final double temperature;

    public Temperature(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature
                    + "; use greedy decoding for temperature 0");
        }
        this.temperature = temperature;
    }

    public double temperature() {
        return temperature;
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        for (double[] row : logits) {
            for (int j = 0; j < row.length; j++) {
                row[j] /= temperature;
            }
        }
    }
}
