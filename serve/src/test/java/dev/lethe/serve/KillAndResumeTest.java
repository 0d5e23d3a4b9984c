package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import dev.lethe.unlearn.data.QaRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a server process in the middle of an unlearning job: the restarted server resumes the job from its
 * checkpoint (the metrics lines written before the kill are kept byte for byte, not rerun), the job succeeds, and the
 * audit trail, which records the resumption, verifies. Two server JVMs: run with {@code -Pserve-heavy}.
 */
@Tag("heavy")
class KillAndResumeTest {

    static Process launch(Path registry, Path portFile) throws Exception {
        Files.deleteIfExists(portFile);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=1G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=2G", "-cp", System.getProperty("java.class.path"),
                ServerProcess.class.getName(), registry.toString(), TestServers.demoModel().toString(),
                portFile.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(registry.resolve("server-" + System.nanoTime() + ".log").toFile()).start();
        long until = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(portFile)) {
            if (!p.isAlive() || System.nanoTime() > until) {
                p.destroyForcibly();
                throw new AssertionError("the server process did not start; see the logs in " + registry);
            }
            Thread.sleep(100);
        }
        return p;
    }

    @Test
    void aJobInterruptedByKillMinus9ResumesFromItsCheckpointAfterRestart(@TempDir Path registry) throws Exception {
        String key;
        try (Database db = Database.open(registry, null)) {
            key = new ApiKeys(db).create(ApiKeys.Scope.JOBS, "test").secret();
        }
        Path portFile = registry.resolve("port");
        List<QaRecord> recs = QaRecord.read(SharedFiles.path("data/tofu/forget01.json"));
        JsonNode spec = JobFlowTest.job(recs.subList(0, 4), recs.subList(30, 32), 1.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.get("settings")).put("epochs", "8")
                .put("batch_size", "2");
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec).remove("gate");
        Process first = launch(registry, portFile);
        String id;
        Path metrics;
        String firstLine;
        try {
            String url = "http://127.0.0.1:" + Files.readString(portFile).strip();
            id = TestServers.post(url + "/v1/jobs", spec.toString(), key).body().path("id").asText();
            Path work = registry.resolve("jobs").resolve(id).resolve("work");
            metrics = work.resolve("metrics.jsonl");
            long until = System.nanoTime() + 180_000_000_000L;
            // 16 steps, a checkpoint every 2 (one epoch): kill once one exists and the job is still running
            while (!(Files.exists(work.resolve("checkpoint.safetensors")) && Files.exists(metrics)
                    && Files.readAllLines(metrics).size() >= 3)) {
                assertThat(System.nanoTime()).as("job did not reach its first checkpoint").isLessThan(until);
                Thread.sleep(50);
            }
            firstLine = Files.readAllLines(metrics).get(0);
            assertThat(TestServers.get(url + "/v1/jobs/" + id, key).body().path("state").asText())
                    .isEqualTo("running");
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(30, TimeUnit.SECONDS);
        }

        Process second = launch(registry, portFile);
        JsonNode done;
        try {
            String url = "http://127.0.0.1:" + Files.readString(portFile).strip();
            done = JobFlowTest.await(url, id, key);
        } finally {
            second.destroyForcibly();
            second.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
        assertThat(done.path("result_version").asInt()).isEqualTo(2);
        List<String> lines = Files.readAllLines(metrics);
        assertThat(lines).hasSize(16);
        assertThat(lines.get(0)).as("step 1 was not redone: the job resumed").isEqualTo(firstLine);
        try (Database db = Database.open(registry, null)) {
            AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
            assertThat(audit.verify().ok()).as(String.valueOf(audit.verify().problem())).isTrue();
            assertThat(audit.entries()).extracting(AuditTrail.Entry::action).containsSubsequence("job.submitted",
                    "job.started", "job.resumed", "job.started", "version.created", "job.succeeded",
                    "model.promoted");
        }
    }
}
