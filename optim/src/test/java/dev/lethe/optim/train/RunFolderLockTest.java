package dev.lethe.optim.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-folder lock across processes (a live holder refuses, a killed one does not stay stuck) and threads. */
class RunFolderLockTest {

    @TempDir
    Path tmp;

    @Test
    void anotherProcessIsRefusedByNameAndItsLockDiesWithIt() throws Exception {
        Path run = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                RunFolderLockHolder.class.getName(), run.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(line).startsWith("locked ");

            assertThatThrownBy(() -> RunFolderLock.acquire(run, "second run"))
                    .isInstanceOf(RunFolderLock.InUseException.class)
                    .hasMessageContaining(run + " is in use by another run: holder-test-command (pid " + child.pid()
                            + " on host ")
                    .hasMessageContaining(", started 20")
                    .hasMessageContaining("choose another output folder");
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        // the killed holder left its file behind, but not its lock
        assertThat(Files.readString(run.resolve(RunFolderLock.FILE_NAME))).contains("pid " + child.pid());
        try (RunFolderLock lock = RunFolderLock.acquire(run, "after the crash")) {
            assertThat(Files.readString(lock.file())).startsWith("after the crash (pid "
                    + ProcessHandle.current().pid() + " on host ");
        }
        assertThat(Files.readString(run.resolve(RunFolderLock.FILE_NAME))).as("emptied on release").isEmpty();
    }

    @Test
    void sameThreadReentersOtherThreadIsRefusedUntilReleased() throws Exception {
        Path run = tmp.resolve("run2");
        RunFolderLock outer = RunFolderLock.acquire(run, "outer");
        RunFolderLock inner = RunFolderLock.acquire(run, "inner (same thread)");
        inner.close();
        Throwable fromOther = CompletableFuture.supplyAsync(() -> {
            try {
                RunFolderLock.acquire(run, "other thread").close();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(fromOther).isInstanceOf(RunFolderLock.InUseException.class)
                .hasMessageContaining("outer (pid " + ProcessHandle.current().pid())
                .hasMessageContaining("of this process");
        outer.close();
        outer.close(); // a second close is a no-op
        Throwable afterRelease = CompletableFuture.supplyAsync(() -> {
            try {
                RunFolderLock.acquire(run, "other thread").close();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(afterRelease).isNull();
    }
}
