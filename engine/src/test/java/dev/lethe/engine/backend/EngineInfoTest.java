package dev.lethe.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class EngineInfoTest {

    private static EngineInfo info;

    @BeforeAll
    static void measureOnce() {
        info = EngineInfo.measure(256, 3);
    }

    @Test
    void reportsTheCpuBackendThisBuildRunsOn() {
        assertThat(info.backend()).isEqualTo("CPU");
        assertThat(info.backendArtifact()).isEqualTo("nd4j-native");
        assertThat(info.blasVendor()).isEqualTo(String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        assertThat(info.javaVersion()).isEqualTo(Runtime.version().toString());
        assertThat(info.threads()).isEqualTo(Nd4j.getEnvironment().maxThreads()).isPositive();
        assertThat(info.maxPhysicalBytes()).isEqualTo(Pointer.maxPhysicalBytes());
    }

    @Test
    void threadsFollowOmpNumThreadsWhenSet() {
        String omp = System.getenv("OMP_NUM_THREADS");
        assertThat(info.ompNumThreadsEnv()).isEqualTo(omp);
        if (omp != null) {
            assertThat(info.threads()).isEqualTo(Integer.parseInt(omp.trim()));
        }
    }

    @Test
    void nativeBuildAgreesWithTheLoadedLibraryFile() {
        String nd4jcpu = EngineInfo.loadedNativeLibraries().get("nd4jcpu");
        assertThat(nd4jcpu).isNotNull();
        String dir = nd4jcpu.replace('\\', '/');
        String expected = dir.contains("linux-x86_64-avx512/") ? "avx512"
                : dir.contains("linux-x86_64-avx2/") ? "avx2" : "generic";
        assertThat(info.nativeBuild()).isEqualTo(expected);
        assertThat(info.avx2Loaded()).isEqualTo(!expected.equals("generic"));
        if (info.avx2Loaded()) {
            assertThat(info.cpuHasAvx2()).as("an AVX2 build runs only on an AVX2 CPU").isTrue();
        }
    }

    @Test
    void gemmRateIsPositiveAndConsistent() {
        EngineInfo.Gemm g = info.gemm();
        assertThat(g.n()).isEqualTo(256);
        assertThat(g.runs()).isEqualTo(3);
        assertThat(g.bestGflops()).isPositive().isFinite();
        assertThat(g.bestGflops()).isGreaterThanOrEqualTo(g.medianGflops());
        // best rate and best time describe the same run: 2 n^3 flops
        double flops = 2.0 * 256 * 256 * 256;
        assertThat(flops / (g.bestMillis() * 1e6)).isCloseTo(g.bestGflops(), org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void rejectsNonPositiveSizes() {
        assertThatThrownBy(() -> EngineInfo.measure(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EngineInfo.measure(8, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonParsesBackToTheSameFields() throws Exception {
        String json = info.toJson();
        assertThat(json).doesNotContain("\n");
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = new ObjectMapper().readValue(json, Map.class);
        assertThat(parsed.keySet()).containsExactlyElementsOf(info.toMap().keySet());
        assertThat(parsed.get("backend")).isEqualTo("CPU");
        assertThat(parsed.get("threads")).isEqualTo(info.threads());
        assertThat(parsed.get("avx2Loaded")).isEqualTo(info.avx2Loaded());
        assertThat(((Number) parsed.get("gemmGflopsBest")).doubleValue()).isPositive();
        assertThat(parsed.get("gemmSize")).isEqualTo(256);
    }

    @Test
    void jsonEscapesQuotesAndControlCharacters() throws Exception {
        EngineInfo odd = new EngineInfo("CPU", "nd4j-native", "generic", false, null, false, "a\"b\\c\n\u0001",
                1, 1, "OPENBLAS", "17", "x", 1, 1, 1, new EngineInfo.Gemm(1, 1, 0, 1, 1, 1));
        Map<?, ?> parsed = new ObjectMapper().readValue(odd.toJson(), Map.class);
        assertThat(parsed.get("ompNumThreadsEnv")).isEqualTo("a\"b\\c\n\u0001");
        assertThat(parsed.get("platformExtension")).isNull();
    }

    @Test
    void readsTheAvx2FlagFromCpuinfo() {
        String header = "processor\t: 0\nmodel name\t: Some CPU\n";
        assertThat(EngineInfo.cpuinfoHasAvx2(header + "flags\t\t: fpu sse2 avx avx2 fma\n")).isTrue();
        assertThat(EngineInfo.cpuinfoHasAvx2(header + "flags\t\t: fpu sse2 avx fma avx512f\n")).isFalse();
        assertThat(EngineInfo.cpuinfoHasAvx2(header + "flags\t\t: avx2_like\n")).isFalse();
        assertThat(EngineInfo.cpuinfoHasAvx2("")).isFalse();
    }

    @Test
    void namesBinaryLevels() {
        assertThat(EngineInfo.buildName(1)).isEqualTo("generic");
        assertThat(EngineInfo.buildName(2)).isEqualTo("avx2");
        assertThat(EngineInfo.buildName(3)).isEqualTo("avx512");
    }
}
