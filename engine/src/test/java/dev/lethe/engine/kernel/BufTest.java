package dev.lethe.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class BufTest {
    @Test
    void indexZeroIsTheFirstElementOfViewsWithOffsets() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray base = Nd4j.arange(24).castTo(dt).reshape(4, 6);
            INDArray sub = base.get(NDArrayIndex.point(2), NDArrayIndex.interval(1, 4));
            INDArray onBuffer = Nd4j.create(base.data(), new long[] {2, 2}, new long[] {6, 1}, 9, 'c');
            for (INDArray v : new INDArray[] {sub, onBuffer, base.transpose()}) {
                Buf b = Buf.of(v);
                StridedLoop it = new StridedLoop(v.shape(), v.stride());
                while (it.next()) {
                    assertThat(b.get(it.offset(0))).isEqualTo(v.getDouble(it.index()));
                }
            }
            assertThat(Buf.of(onBuffer).get(0)).isEqualTo(9.0);
        }
    }

    @Test
    void writesLandInTheArray() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 3, 4);
        INDArray col = a.getColumn(2);
        Buf b = Buf.of(col);
        b.set(0, 5);
        b.add((int) col.stride(0), 2);
        assertThat(a.getDouble(0, 2)).isEqualTo(5.0);
        assertThat(a.getDouble(1, 2)).isEqualTo(2.0);
    }
}
