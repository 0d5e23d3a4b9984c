package dev.lethe.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Loops#zero}: exactly the elements of the array become 0, also for offset views and strided ones. */
class LoopsZeroTest {
    @Test
    void zeroesAContiguousOffsetViewAndNothingElse() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray host = Nd4j.ones(dt, 5, 7);
            INDArray rows = host.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()); // contiguous, offset 7
            Loops.zero(rows);
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 7; j++) {
                    assertThat(host.getDouble(i, j)).as("%s %d %d", dt, i, j).isEqualTo(i == 1 || i == 2 ? 0.0 : 1.0);
                }
            }
        }
    }

    @Test
    void zeroesAStridedView() {
        INDArray host = Nd4j.ones(DataType.FLOAT, 4, 6);
        INDArray cols = host.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 4));
        Loops.zero(cols);
        assertThat(host.sumNumber().doubleValue()).isEqualTo(24 - 8);
        assertThat(cols.sumNumber().doubleValue()).isZero();
    }

    @Test
    void zeroesAWholeLargeArray() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1000, 1001).addi(1);
        Loops.zero(a);
        assertThat(a.amaxNumber().doubleValue()).isZero();
    }
}
