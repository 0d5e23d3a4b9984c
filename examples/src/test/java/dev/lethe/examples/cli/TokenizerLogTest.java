package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Loading a tokenizer with the command line's logging settings prints no line from DJL's CUDA probe (which on a
 * machine with a CUDA runtime but no driver warns "Failed to detect GPU count" twice), while other warnings still
 * show. Runs in a fresh JVM, because DJL probes once per process.
 */
class TokenizerLogTest {

    @Test
    void tokenizerLoadPrintsNoCudaUtilsLineButOtherWarningsShow() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                TokenizerLoadChild.class.getName(), SharedFiles.path("tokenizers/llama3").toString()).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String stdout = new String(out, StandardCharsets.UTF_8);
        String stderr = new String(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(stdout).contains("ids [");
        assertThat(stderr).doesNotContain("CudaUtils").doesNotContain("GPU count")
                .doesNotContain("probe on the CUDA logger")
                .contains("[WARN] HuggingFaceTokenizer - probe on another logger");
    }
}
