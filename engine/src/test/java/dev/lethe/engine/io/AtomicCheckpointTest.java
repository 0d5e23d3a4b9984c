package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.Exact;
import dev.lethe.engine.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Checkpoints written by {@link SafetensorsWriter}: atomic replacement, exact round trip, readable from Python. */
class AtomicCheckpointTest {
    @TempDir
    Path dir;

    private static Map<String, INDArray> sample() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("a.f32", Nd4j.createFromArray(new float[] {1.5f, -2.25f, 0x1.8p-22f, Float.MAX_VALUE, 0f, 7f}).reshape(2, 3));
        t.put("b.f64", Nd4j.createFromArray(new double[] {Math.PI, -1e300, 42}));
        // a transposed (non-contiguous) view is written in logical row-major order
        t.put("c.view", Nd4j.createFromArray(new double[] {1, 2, 3, 4, 5, 6}).reshape(2, 3).transpose());
        return t;
    }

    @Test
    void roundTripsExactlyAndLeavesNoTemporaryFiles() throws Exception {
        Path file = dir.resolve("ck.safetensors");
        SafetensorsWriter.write(file, sample(), Map.of("step", "7"));
        SafetensorsWriter.write(file, sample(), Map.of("step", "8")); // replaces the old one
        Map<String, INDArray> got;
        try (CheckpointReader c = CheckpointReader.open(file)) {
            assertThat(c.metadata()).containsEntry("step", "8");
            got = c.readAllStored();
        }
        Map<String, INDArray> want = sample();
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(want.keySet());
        for (String k : want.keySet()) {
            Exact.assertBitIdentical(k, want.get(k), got.get(k));
        }
        assertThat(got.get("c.view").getDouble(0, 1)).isEqualTo(4.0);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ck.safetensors");
        }
    }

    @Test
    void pythonCanReadItWithTheStandardLibrary() throws Exception {
        Path file = dir.resolve("py.safetensors");
        SafetensorsWriter.write(file, sample(), Map.of("format", "x"));
        String script = String.join("\n",
                "import json, struct, sys",
                "f = open(sys.argv[1], 'rb'); n = struct.unpack('<Q', f.read(8))[0]; h = json.loads(f.read(n))",
                "base = 8 + n; out = []",
                "for k in ['a.f32', 'b.f64', 'c.view']:",
                "    v = h[k]; f.seek(base + v['data_offsets'][0]); b = f.read(v['data_offsets'][1] - v['data_offsets'][0])",
                "    fmt = {'F32': 'f', 'F64': 'd'}[v['dtype']]",
                "    out.append(k + ' ' + v['dtype'] + ' ' + str(v['shape']) + ' ' + repr(list(struct.unpack('<%d%s' % (len(b) // struct.calcsize(fmt), fmt), b))))",
                "print(h['__metadata__']['format']); print('\\n'.join(out))");
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", script, file.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            ExternalTool.require(false, "python3 is not installed (apt-get install -y python3)");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines()).containsExactly("x",
                "a.f32 F32 [2, 3] [1.5, -2.25, 3.5762786865234375e-07, 3.4028234663852886e+38, 0.0, 7.0]",
                "b.f64 F64 [3] [3.141592653589793, -1e+300, 42.0]",
                "c.view F64 [3, 2] [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]");
    }
}
