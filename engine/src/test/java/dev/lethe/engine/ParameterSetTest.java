package dev.lethe.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ParameterSetTest {
    private static ParameterSet set(double[] a, double[] b) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("model.a", Nd4j.createFromArray(a).reshape(1, a.length));
        m.put("model.b", Nd4j.createFromArray(b));
        return ParameterSet.of(m);
    }

    @Test
    void vectorSpaceOperationsByHand() {
        ParameterSet x = set(new double[] {1, 2}, new double[] {3});
        ParameterSet y = set(new double[] {4, -1}, new double[] {2});
        assertThat(x.dot(y)).isEqualTo(1 * 4 + 2 * -1 + 3 * 2);
        assertThat(x.norm()).isCloseTo(Math.sqrt(14), within(1e-15));
        ParameterSet c = x.copy();
        c.axpy(0.5, y).scale(2);
        assertThat(c.get("model.a").getDouble(0, 0)).isEqualTo(2 * (1 + 2.0));
        assertThat(c.get("model.b").getDouble(0)).isEqualTo(2 * (3 + 1.0));
        assertThat(x.get("model.a").getDouble(0, 1)).isEqualTo(2.0); // copy is deep
        assertThat(x.zerosLike().norm()).isZero();
        assertThat(List.copyOf(x.names())).containsExactly("model.a", "model.b");
        assertThat(x.numel()).isEqualTo(3);
        ParameterSet z = x.copy().zero();
        z.assign(y);
        assertThat(z.dot(z)).isEqualTo(y.dot(y));
    }

    @Test
    void valuesAndGradientsAreViewsOfTensors() {
        Tensor w = Tensor.parameter("w", Nd4j.createFromArray(1.0, 2.0));
        ParameterSet values = ParameterSet.values(List.of(w));
        values.scale(3);
        assertThat(w.value().getDouble(1)).isEqualTo(6.0);
        ParameterSet grads = ParameterSet.gradients(List.of(w));
        assertThat(grads.norm()).isZero();
        assertThat(w.grad()).isNotNull();
        assertThat(values.select(n -> n.startsWith("x")).size()).isZero();
    }

    @Test
    void mismatchedSetsAreRejected() {
        ParameterSet x = set(new double[] {1, 2}, new double[] {3});
        ParameterSet other = ParameterSet.of(Map.of("model.a", Nd4j.zeros(DataType.DOUBLE, 1, 3),
                "model.b", Nd4j.zeros(DataType.DOUBLE, 1)));
        assertThatThrownBy(() -> x.dot(other)).hasMessageContaining("model.a");
    }
}
