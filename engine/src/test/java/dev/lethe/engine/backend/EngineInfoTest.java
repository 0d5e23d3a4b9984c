package dev.lethe.engine.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
        assertThat(info.blasVendor()).as("the BLAS of a CPU build").isIn("OPENBLAS", "MKL");
        assertThat(info.javaVersion()).startsWith(System.getProperty("java.version"));
        assertThat(info.threads()).isBetween(1, Runtime.getRuntime().availableProcessors());
    }

    @Test
    void maxPhysicalBytesIsTheLimitTheTestJvmWasStartedWith() {
        // the build's surefire argLine sets it (root pom: lethe.test.argLine); parsed here by hand, not by JavaCPP
        String limit = System.getProperty("org.bytedeco.javacpp.maxphysicalbytes");
        assertThat(limit).as("surefire passes -Dorg.bytedeco.javacpp.maxphysicalbytes").isNotNull();
        String digits = limit.replaceAll("[^0-9]", "");
        char unit = Character.toLowerCase(limit.charAt(limit.length() - 1));
        long scale = unit == 'g' ? 1L << 30 : unit == 'm' ? 1L << 20 : unit == 'k' ? 1L << 10 : 1L;
        assertThat(info.maxPhysicalBytes()).isEqualTo(Long.parseLong(digits) * scale);
    }

    @Test
    void threadsFollowOmpNumThreadsWhenSet() {
        String omp = System.getenv("OMP_NUM_THREADS");
        assertThat(info.ompNumThreadsEnv()).isEqualTo(omp);
        int cap = omp != null ? Integer.parseInt(omp.trim()) : Runtime.getRuntime().availableProcessors();
        assertThat(info.threads()).isBetween(1, cap);
        if (omp != null) {
            assertThat(info.threads()).isEqualTo(cap);
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
    void gemmRatesComeFromTheFastestAndTheMedianRun() {
        // n = 10: 2 * 10^3 = 2000 flops per run; flops per nanosecond are GFLOP/s
        EngineInfo.Gemm odd = EngineInfo.gemmFromTimings(10, 2, new long[] {4000, 1000, 2000});
        assertThat(odd.runs()).isEqualTo(3);
        assertThat(odd.warmupRuns()).isEqualTo(2);
        assertThat(odd.bestGflops()).isEqualTo(2.0); // 2000 / 1000 ns
        assertThat(odd.medianGflops()).isEqualTo(1.0); // 2000 / 2000 ns
        assertThat(odd.bestMillis()).isEqualTo(0.001);
        EngineInfo.Gemm even = EngineInfo.gemmFromTimings(10, 0, new long[] {5000, 1000, 3000, 2000});
        assertThat(even.medianGflops()).isEqualTo(0.8); // median of 2000 and 3000 ns is 2500 ns
        assertThat(even.bestGflops()).isEqualTo(2.0);
    }

    @Test
    void measuredGemmHasTheAskedShape() {
        EngineInfo.Gemm g = info.gemm();
        assertThat(g.n()).isEqualTo(256);
        assertThat(g.runs()).isEqualTo(3);
        assertThat(g.bestGflops()).isPositive().isFinite().isGreaterThanOrEqualTo(g.medianGflops());
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
