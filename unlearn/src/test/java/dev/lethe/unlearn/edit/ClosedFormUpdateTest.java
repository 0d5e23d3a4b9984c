package dev.lethe.unlearn.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.junit.jupiter.api.Test;

/**
 * ROME's and MEMIT's closed-form updates against numpy in float64 (unlearn/scripts/make_edit_fixtures.py, which uses
 * explicit inverses where Lethe solves): equal to 1e-10 relative.
 */
class ClosedFormUpdateTest {
    private static JsonNode fixture() throws Exception {
        try (InputStream in = ClosedFormUpdateTest.class.getResourceAsStream("/edit/closed_form.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static RealMatrix matrix(JsonNode n) {
        double[][] m = new double[n.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = vector(n.get(i)).toArray();
        }
        return new Array2DRowRealMatrix(m, false);
    }

    private static RealVector vector(JsonNode n) {
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = n.get(i).asDouble();
        }
        return new ArrayRealVector(v, false);
    }

    private static void assertClose(RealMatrix got, RealMatrix want) {
        double scale = want.getFrobeniusNorm();
        assertThat(got.subtract(want).getFrobeniusNorm()).isLessThan(1e-10 * scale);
    }

    @Test
    void romeRankOneUpdateMatchesNumpy() throws Exception {
        JsonNode f = fixture();
        RealMatrix dw = Rome.update(matrix(f.get("C")), vector(f.get("k")), vector(f.get("residual")), 3);
        assertClose(dw, matrix(f.get("rome_dW")));
        // and it writes the residual exactly at the key: ΔW k = v − W k
        RealVector atKey = dw.operate(vector(f.get("k")));
        assertThat(atKey.subtract(vector(f.get("residual"))).getNorm()).isLessThan(1e-12);
    }

    @Test
    void memitBatchUpdateMatchesNumpy() throws Exception {
        JsonNode f = fixture();
        RealMatrix dw = Memit.update(matrix(f.get("C")), matrix(f.get("K")), matrix(f.get("R")),
                f.get("lambda").asDouble(), 4);
        assertClose(dw, matrix(f.get("memit_dW")));
    }

    @Test
    void singularStatisticsGiveAOneLineError() {
        RealMatrix c = new Array2DRowRealMatrix(new double[][] {{1, 2}, {2, 4}});
        assertThatThrownBy(() -> Rome.update(c, new ArrayRealVector(new double[] {1, 0}),
                new ArrayRealVector(new double[] {1}), 7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 7 is singular")
                .hasMessageNotContaining("\n");
    }
}
