package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Write-then-read round trips (bit-identical), file layout, 16-bit conversions and large multi-window tensors. */
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static INDArray floats(long seed, long... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Nd4j.create(v, shape, 'c');
    }

    private static Map<String, INDArray> sample() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("model.layers.0.w", floats(1, 3, 5));
        m.put("b.double", Nd4j.create(new double[] {Math.PI, -1e-300, 1e300, Double.MIN_VALUE}, new long[] {2, 2}));
        m.put("ids.long", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -100, 0, Long.MAX_VALUE}));
        m.put("ids.int", Nd4j.createFromArray(new int[][] {{1, -2, 3}, {Integer.MAX_VALUE, Integer.MIN_VALUE, 0}}));
        m.put("bf", floats(2, 4).castTo(DataType.BFLOAT16));
        m.put("half", floats(3, 2, 2).castTo(DataType.HALF));
        m.put("mask", Nd4j.createFromArray(new boolean[] {true, false, true}));
        m.put("scalar", Nd4j.scalar(2.75f));
        m.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        m.put("transposed.view", floats(4, 3, 4).transpose());
        return m;
    }

    @Test
    void roundTripIsBitIdenticalInStoredDtype() throws Exception {
        Map<String, INDArray> in = sample();
        Path file = dir.resolve("rt.safetensors");
        SafetensorsWriter.write(file, in, Map.of("format", "pt", "note", "round trip"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("note", "round trip");
            assertThat(f.names()).containsExactlyInAnyOrderElementsOf(in.keySet());
            for (Map.Entry<String, INDArray> e : in.entrySet()) {
                INDArray a = e.getValue();
                INDArray b = f.readStored(e.getKey());
                assertThat(b.dataType()).as(e.getKey()).isEqualTo(a.dataType());
                assertThat(b.shape()).as(e.getKey()).containsExactly(a.shape());
                if (a.length() == 0) {
                    continue;
                }
                // compare through an independent element-wise path
                for (long i = 0; i < a.length(); i++) {
                    INDArray fa = a.reshape(a.length());
                    INDArray fb = b.reshape(b.length());
                    if (a.dataType() == DataType.LONG || a.dataType() == DataType.INT) {
                        assertThat(fb.getLong(i)).isEqualTo(fa.getLong(i));
                    } else {
                        assertThat(Double.doubleToRawLongBits(fb.getDouble(i)))
                                .as("%s[%d]", e.getKey(), i).isEqualTo(Double.doubleToRawLongBits(fa.getDouble(i)));
                    }
                }
            }
            assertThat(f.info("scalar").shape()).isEmpty();
            assertThat(f.readFloat32("scalar").getFloat(0)).isEqualTo(2.75f);
            assertThat(f.info("transposed.view").shape()).containsExactly(4, 3);
            assertThat(f.readFloat64("mask").data().asDouble()).containsExactly(1.0, 0.0, 1.0);
        }
        // re-writing what was read gives a byte-identical file
        Map<String, INDArray> again = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                again.put(n, f.readStored(n));
            }
        }
        Path file2 = dir.resolve("rt2.safetensors");
        SafetensorsWriter.write(file2, again, Map.of("note", "round trip", "format", "pt"));
        assertThat(Files.readAllBytes(file2)).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void layoutIsPaddedAlignedAndOrderedByElementSizeThenName() throws Exception {
        Path file = dir.resolve("layout.safetensors");
        SafetensorsWriter.write(file, sample(), Map.of("format", "pt"));
        byte[] all = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertThat(n % 8).isZero();
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.stripTrailing().length()).isGreaterThan((int) n - 8);
        assertThat(header.substring(header.stripTrailing().length())).matches(" *");
        JsonNode h = new ObjectMapper().readTree(header);
        List<String> order = new ArrayList<>();
        long expectBegin = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            order.add(e.getKey());
            long begin = e.getValue().get("data_offsets").get(0).asLong();
            assertThat(begin).isEqualTo(expectBegin);
            expectBegin = e.getValue().get("data_offsets").get(1).asLong();
        }
        assertThat(8 + n + expectBegin).isEqualTo(all.length);
        assertThat(order).containsExactly("b.double", "ids.long", "empty", "ids.int", "model.layers.0.w", "scalar",
                "transposed.view", "bf", "half", "mask");
        // the transposed view is written in logical (row-major) order: element [r][c] = source[c][r]
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            INDArray t = f.readFloat32("transposed.view");
            INDArray src = floats(4, 3, 4);
            assertThat(t.getFloat(2, 1)).isEqualTo(src.getFloat(1, 2));
            assertThat(t.getFloat(3, 0)).isEqualTo(src.getFloat(0, 3));
        }
    }

    @Test
    void sixteenBitTensorsReadAsFloat32Exactly() throws Exception {
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[10,20]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[24,32]}}";
        ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1);
        byte[] data = RawSafetensors.concat(
                RawSafetensors.shorts(0x3f80, 0xc020, 0x0001, 0x8000, 0x7f80),
                RawSafetensors.shorts(0x3c00, 0xc100, 0x0001, 0x03ff, 0x7bff),
                new byte[4], d.array());
        Path file = RawSafetensors.write(dir.resolve("half.safetensors"), header, data);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] b = f.readFloat32("b").data().asFloat();
            assertThat(b[0]).isEqualTo(1.0f);
            assertThat(b[1]).isEqualTo(-2.5f);
            assertThat(b[2]).isEqualTo((float) Math.pow(2, -133));
            assertThat(Float.floatToRawIntBits(b[3])).isEqualTo(0x80000000);
            assertThat(b[4]).isEqualTo(Float.POSITIVE_INFINITY);
            float[] h = f.readFloat32("h").data().asFloat();
            assertThat(h).containsExactly(1.0f, -2.5f, (float) Math.pow(2, -24), (float) (1023 * Math.pow(2, -24)),
                    65504f);
            double[] h64 = f.readFloat64("h").data().asDouble();
            assertThat(h64[3]).isEqualTo(1023 * Math.pow(2, -24));
            assertThat(f.readFloat32("d").getFloat(0)).isEqualTo(0.1f); // F64 -> F32 rounds to nearest
            assertThat(f.readFloat64("d").getDouble(0)).isEqualTo(0.1);
            INDArray stored = f.readStored("b");
            assertThat(stored.dataType()).isEqualTo(DataType.BFLOAT16);
            assertThat(stored.getFloat(1)).isEqualTo(-2.5f);
        }
    }

    @Test
    void floatArraysStoredAsBf16AndF16RoundToNearestEven() throws Exception {
        float tie = 1.0f + (float) Math.pow(2, -8);
        Map<String, INDArray> in = Map.of("w", Nd4j.createFromArray(1.0f, -2.5f, tie),
                "ids", Nd4j.createFromArray(7L, 8L));
        Path bf = dir.resolve("bf.safetensors");
        SafetensorsWriter.write(bf, in, null, SafetensorsDType.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(bf)) {
            assertThat(f.info("w").dtype()).isEqualTo(SafetensorsDType.BF16);
            assertThat(f.info("ids").dtype()).isEqualTo(SafetensorsDType.I64);
            assertThat(f.metadata()).isEmpty();
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(bf)).order(ByteOrder.LITTLE_ENDIAN);
            int base = (int) (8 + f.dataStart() - 8 + f.info("w").begin());
            assertThat(all.getShort(base) & 0xffff).isEqualTo(0x3f80);
            assertThat(all.getShort(base + 2) & 0xffff).isEqualTo(0xc020);
            assertThat(all.getShort(base + 4) & 0xffff).isEqualTo(0x3f80);
        }
        Path h = dir.resolve("f16.safetensors");
        SafetensorsWriter.write(h, Map.of("w", Nd4j.createFromArray(1.0f, -2.5f, 65520f)), null,
                SafetensorsDType.F16);
        try (SafetensorsFile f = SafetensorsFile.open(h)) {
            assertThat(f.readFloat32("w").data().asFloat()).containsExactly(1.0f, -2.5f, Float.POSITIVE_INFINITY);
        }
        Path d = dir.resolve("f64.safetensors");
        SafetensorsWriter.write(d, Map.of("w", Nd4j.createFromArray(0.1f)), null, SafetensorsDType.F64);
        try (SafetensorsFile f = SafetensorsFile.open(d)) {
            assertThat(f.info("w").dtype()).isEqualTo(SafetensorsDType.F64);
            assertThat(f.readFloat64("w").getDouble(0)).isEqualTo((double) 0.1f);
        }
    }

    @Test
    void tensorLargerThanOneMappingWindow() throws Exception {
        int n = NativeArrays.WINDOW / 4 + 1000; // crosses a 64 MB window boundary in float32
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5f - 7f;
        }
        Path file = dir.resolve("big.safetensors");
        SafetensorsWriter.write(file, Map.of("big", Nd4j.createFromArray(v)));
        assertThat(Files.size(file)).isGreaterThan(4L * n);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            float[] back = f.readFloat32("big").data().asFloat();
            int w = NativeArrays.WINDOW / 4;
            for (int i : new int[] {0, 1, w - 1, w, w + 1, n - 1}) {
                assertThat(back[i]).isEqualTo(i * 0.5f - 7f);
            }
            assertThat(back).isEqualTo(v);
        }
        Path bf = dir.resolve("big.bf16.safetensors");
        SafetensorsWriter.write(bf, Map.of("big", Nd4j.createFromArray(v)), null, SafetensorsDType.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(bf)) {
            float[] back = f.readFloat32("big").data().asFloat();
            for (int i = 0; i < n; i += 997) {
                assertThat(back[i]).isEqualTo(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[i])));
            }
            assertThat(back[n - 1]).isEqualTo(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[n - 1])));
        }
    }

    @Test
    void nativeWindowStartsAtItsOffset() {
        INDArray a = Nd4j.createFromArray(10f, 11f, 12f, 13f, 14f);
        java.nio.ByteBuffer w = NativeArrays.window(a, 8, 8);
        assertThat(w.capacity()).isEqualTo(8);
        assertThat(w.getFloat(0)).isEqualTo(12f);
        assertThat(w.getFloat(4)).isEqualTo(13f);
        assertThatThrownBy(() -> NativeArrays.window(a, 16, 8)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void atomicWriteReplacesAndLeavesNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, Map.of("a", Nd4j.createFromArray(1f, 2f)));
        SafetensorsWriter.write(file, Map.of("b", Nd4j.createFromArray(3f)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("b");
        }
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("m.safetensors");
        }
    }

    @Test
    void badWriterInputIsRejected() {
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("x.safetensors"),
                Map.of("__metadata__", Nd4j.createFromArray(1f))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__metadata__");
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("x.safetensors"),
                Map.of("a", Nd4j.createFromArray(1f)), null, SafetensorsDType.I32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floatStorage");
    }
}
