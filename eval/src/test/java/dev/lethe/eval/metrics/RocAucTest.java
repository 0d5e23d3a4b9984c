package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class RocAucTest {

    /** sklearn 1.2.1 roc_auc_score, bit for bit, on random and heavily tied scores. */
    @Test
    void equalsSklearnExactly() {
        for (JsonNode c : Fixtures.load("roc_auc.json").get("cases")) {
            int[] labels = new int[c.get("labels").size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = c.get("labels").get(i).intValue();
            }
            double auc = RocAuc.score(labels, Fixtures.doubles(c.get("scores")));
            assertThat(auc).as(c.get("tag").asText()).isEqualTo(c.get("auc").doubleValue());
        }
    }

    @Test
    void handCalculatedCases() {
        assertThat(RocAuc.score(new int[] {0, 0, 1, 1}, new double[] {0.1, 0.2, 0.8, 0.9})).isEqualTo(1.0);
        assertThat(RocAuc.score(new int[] {1, 1, 0, 0}, new double[] {0.1, 0.2, 0.8, 0.9})).isEqualTo(0.0);
        // all tied: every pair counts one half
        assertThat(RocAuc.score(new int[] {0, 1, 0, 1, 1}, new double[] {5, 5, 5, 5, 5})).isEqualTo(0.5);
        // pos {0.4, 0.2}, neg {0.3, 0.2}: pairs (0.4>0.3)=1, (0.4>0.2)=1, (0.2<0.3)=0, (0.2=0.2)=1/2 -> 2.5/4
        assertThat(RocAuc.score(new int[] {1, 1, 0, 0}, new double[] {0.4, 0.2, 0.3, 0.2})).isEqualTo(0.625);
        assertThatThrownBy(() -> RocAuc.score(new int[] {1, 1}, new double[] {0.1, 0.2}))
                .hasMessageContaining("only one class");
    }
}
