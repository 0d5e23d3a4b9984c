package dev.lethe.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.testing.StoredTensors;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
    private static ParameterSet scalar(double v) {
        return ParameterSet.of(Map.of("p", Nd4j.createFromArray(new double[] {v})));
    }

    @Test
    void twoStepsMatchTheHandUnrolledTorchFormula() {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.1; p0 = 1, g1 = 0.5, g2 = -1
        ParameterSet p = scalar(1.0);
        AdamW opt = new AdamW(0.1, 0.9, 0.999, 1e-8, 0.1);
        opt.step(p, scalar(0.5));
        // step 1: p = 1*(1 - 0.01); m = 0.05; v = 0.001*0.25; m_hat = 0.5; sqrt(v_hat) = 0.5
        double p1 = 0.99 - (0.1 / 0.1) * 0.05 / (Math.sqrt(0.00025) / Math.sqrt(0.001) + 1e-8);
        assertThat(p.get("p").getDouble(0)).isCloseTo(p1, org.assertj.core.data.Offset.offset(1e-15));
        opt.step(p, scalar(-1.0));
        // step 2: m = 0.9*0.05 + 0.1*(-1) = -0.055; v = 0.999*0.00025 + 0.001*1 = 0.00124975
        double bc1 = 1 - 0.81;
        double bc2 = 1 - 0.999 * 0.999;
        double p2 = p1 * 0.99 - (0.1 / bc1) * -0.055 / (Math.sqrt(0.00124975) / Math.sqrt(bc2) + 1e-8);
        assertThat(p.get("p").getDouble(0)).isCloseTo(p2, org.assertj.core.data.Offset.offset(1e-14));
        assertThat(opt.state().get("exp_avg").get("p").getDouble(0)).isCloseTo(-0.055, org.assertj.core.data.Offset.offset(1e-16));
        assertThat(opt.state().get("exp_avg_sq").get("p").getDouble(0)).isCloseTo(0.00124975, org.assertj.core.data.Offset.offset(1e-16));
    }

    /** One AdamW step from the llama fixture's initial weights and step-1 gradient reproduces torch's adamw1.* . */
    private static void checkFixture(Map<String, INDArray> init, Map<String, INDArray> grad, Map<String, INDArray> ref) {
        ParameterSet params = ParameterSet.of(init);
        AdamW opt = new AdamW(1e-2, 0.9, 0.95, 1e-8, 0.1);
        opt.step(params, ParameterSet.of(grad));
        assertThat(ref.keySet()).isEqualTo(init.keySet());
        double worst = 0;
        for (Map.Entry<String, INDArray> e : params) {
            INDArray want = ref.get(e.getKey());
            double scale = Math.max(want.amaxNumber().doubleValue(), 1e-12);
            double err = e.getValue().sub(want).amaxNumber().doubleValue() / scale;
            assertThat(err).as(e.getKey()).isLessThan(1e-5);
            worst = Math.max(worst, err);
        }
        System.out.println("AdamW vs torch adamw1: worst max|diff|/max|ref| over " + init.size() + " arrays = " + worst);
    }

    @Test
    void reproducesTorchAdamWStepOnFixtureSubset() throws IOException, URISyntaxException {
        Path file = Path.of(getClass().getResource("/llama_adamw1_subset.safetensors").toURI());
        Map<String, INDArray> all = StoredTensors.read(file);
        checkFixture(section(all, "init."), section(all, "grad."), section(all, "adamw1."));
    }

    @Test
    void reproducesTorchAdamWStepOnWholeLlamaFixture() throws IOException {
        Path dir = dev.lethe.engine.testing.SharedFiles.path("fixtures/hf/llama");
        Map<String, INDArray> init = StoredTensors.read(dir.resolve("model.safetensors"));
        Map<String, INDArray> ref = StoredTensors.read(dir.resolve("reference.safetensors"),
                n -> n.startsWith("grad.") || n.startsWith("adamw1."));
        checkFixture(init, section(ref, "grad."), section(ref, "adamw1."));
    }

    private static Map<String, INDArray> section(Map<String, INDArray> all, String prefix) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                m.put(k.substring(prefix.length()), v);
            }
        });
        return m;
    }
}
