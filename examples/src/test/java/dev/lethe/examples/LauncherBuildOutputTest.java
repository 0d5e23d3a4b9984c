package dev.lethe.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./lethe} launcher's first-use build, with a stand-in {@code mvn} that writes Maven 3.8's bare colour
 * resets: it says what it does and how long it takes, and passes Maven's output on without escape codes.
 */
class LauncherBuildOutputTest {

    @TempDir
    Path tmp;

    @Test
    void firstBuildSaysWhatItDoesAndPrintsNoEscapeCodes() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("clone"));
        Files.copy(ReadmeJavaSnippetTest.repositoryRoot().resolve("lethe"), root.resolve("lethe"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\nprintf '\\033[0m\\033[0mstand-in maven ran\\n\\033[0m'\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("lethe"), PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("lethe").toString(), "--version");
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("LETHE_NO_BUILD");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("lethe: first use: building Lethe (mvn -q -B -DskipTests install). This downloads"
                + " about 400 MB of dependencies from Maven Central once and compiles the modules: a few minutes")
                .contains("stand-in maven ran").doesNotContain("\u001b");
        // the stand-in built nothing, so the launcher ends with its own clear error
        assertThat(p.exitValue()).isNotZero();
        assertThat(out).contains("lethe: no build found");
    }
}
