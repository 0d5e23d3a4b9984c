package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep runner on a real Spark standalone cluster: the test starts a Master and two Workers (one core each) as
 * separate JVMs on 127.0.0.1 ({@code java -cp} with Spark's module flags), runs a sweep on {@code spark://}, and while
 * one run's first attempt is running kills that attempt's executor JVM and the Worker that launched it (by pid, no
 * exception anywhere); Spark reruns the lost task on the other Worker and the sweep's rows equal an undisturbed
 * sweep's. All processes are stopped by pid afterwards. Runs only with {@code -Pspark-cluster}.
 */
@Tag("spark-cluster")
class StandaloneClusterTest {
    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    /** The arithmetic task, but the first attempt of {@code victim} writes its JVM's pid and waits to be killed. */
    static class VictimTask extends SweepRunnerTest.ArithmeticTask {
        final String victim;
        final String pidFile;

        VictimTask(String victim, Path pidFile) {
            super(null);
            this.victim = victim;
            this.pidFile = pidFile.toString();
        }

        @Override
        public RunResult run(RunSpec run, Path workDir) throws Exception {
            if (run.id().equals(victim) && TaskContext.get().attemptNumber() == 0) {
                Path tmpPid = Path.of(pidFile + ".tmp");
                Files.writeString(tmpPid, Long.toString(ProcessHandle.current().pid()));
                Files.move(tmpPid, Path.of(pidFile));
                // only a killed JVM ends this attempt; never return from it
                Thread.sleep(180_000);
                throw new IllegalStateException("the executor of the first attempt of " + victim + " was not killed");
            }
            return super.run(run, workDir);
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
        System.clearProperty("spark.executor.extraClassPath");
        System.clearProperty("spark.executor.memory");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private Process start(String name, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        // the test waits for INFO lines of the Master and Workers (the test resources set WARN)
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        cmd.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        cmd.addAll(List.of("-cp", classPath(), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        Path sparkHome = tmp.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private void awaitLog(String name, String text, int count) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Path log = tmp.resolve(name + ".log");
        while (System.nanoTime() < deadline) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= count) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " did not log '" + text + "' within 120 s:\n" + Files.readString(log));
    }

    @Test
    void killingAnExecutorAndItsWorkerMidRunRetriesTheRunAndTheRowsEqualAnUndisturbedSweep() throws Exception {
        long t0 = System.nanoTime();
        int port = freePort();
        String master = "spark://127.0.0.1:" + port;
        start("master", "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port",
                        Integer.toString(freePort())));
        awaitLog("master", "I have been elected leader", 1);
        List<Process> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(start("worker" + w, "org.apache.spark.deploy.worker.Worker",
                    List.of("--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port",
                            Integer.toString(freePort()), "--work-dir", tmp.resolve("work" + w).toString(), master)));
        }
        for (int w = 0; w < 2; w++) {
            awaitLog("worker" + w, "Successfully registered with master", 1);
        }
        System.setProperty("spark.executor.extraClassPath", classPath());
        System.setProperty("spark.executor.memory", "512m");

        String victim = "npo_lr=1e-3_seed0";
        Path pidFile = tmp.resolve("victim.pid");
        Thread killer = new Thread(() -> {
            try {
                while (!Files.exists(pidFile)) {
                    Thread.sleep(100);
                }
                long executor = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle exec = ProcessHandle.of(executor).orElseThrow();
                Optional<ProcessHandle> parent = exec.parent();
                Process worker = workers.stream().filter(w -> parent.isPresent() && w.pid() == parent.get().pid())
                        .findFirst().orElseThrow(() -> new AssertionError("executor " + executor
                                + " was not launched by one of the test's Workers"));
                exec.destroyForcibly();
                worker.destroyForcibly();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        killer.start();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<RunResult> rows = SweepRunner.run(SweepRunnerTest.spec(), new VictimTask(victim, pidFile), master,
                tmp.resolve("cluster"), new PrintStream(log, true, StandardCharsets.UTF_8));
        killer.join(10_000);
        assertThat(killer.isAlive()).isFalse();
        long killedWorkers = workers.stream().filter(w -> !w.isAlive()).count();
        assertThat(killedWorkers).as("one Worker killed mid-run").isEqualTo(1);

        List<RunResult> undisturbed = SweepRunner.run(SweepRunnerTest.spec(), new SweepRunnerTest.ArithmeticTask(null),
                "local[2]", tmp.resolve("local"), new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(rows).hasSameSizeAs(undisturbed);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).run()).isEqualTo(undisturbed.get(i).run());
            assertThat(rows.get(i).metrics().get("metric")).isEqualTo(undisturbed.get(i).metrics().get("metric"));
            assertThat(rows.get(i).modelSha256()).isEqualTo(undisturbed.get(i).modelSha256());
        }
        int v = SweepRunnerTest.spec().runs().stream().map(RunSpec::id).toList().indexOf(victim);
        assertThat(rows.get(v).metrics().get("attempt")).as("the victim's row comes from a later attempt")
                .isGreaterThanOrEqualTo(1.0);
        assertThat(tmp.resolve("cluster/work/" + victim + "-attempt0/model.bin")).doesNotExist();
        System.out.printf("standalone cluster test: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
