package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import dev.lethe.serve.jobs.JobKind;
import dev.lethe.serve.jobs.JobKinds;
import dev.lethe.serve.jobs.JobService;
import dev.lethe.serve.jobs.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry, job store, API keys and audit trail on a real PostgreSQL server (started by the test, see
 * {@link PostgresServer}): Flyway runs the same migration as on H2; a job's whole life (queued, running, succeeded,
 * a new version promoted) is stored there; after a "crash" (a job left running, the database reopened) the job is
 * requeued and finishes; a {@link LetheServer} started on that database serves the promoted version and verifies the
 * chain over HTTP; an edited and a deleted row are each detected.
 */
class PostgresAuditTest {

    /** A job kind that copies the base model (the database is under test here, not a training recipe). */
    static final class CopyKind implements JobKind {
        @Override
        public String name() {
            return "copy";
        }

        @Override
        public void validate(JsonNode spec) {
            if (!spec.path("note").isTextual()) {
                throw new IllegalArgumentException("note is required");
            }
        }

        @Override
        public Result run(Context ctx) throws Exception {
            Files.createDirectories(ctx.out());
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
                Files.copy(ctx.baseModel().resolve(f), ctx.out().resolve(f));
            }
            ctx.progress().accept(0.5);
            return new Result(Map.of("note", ctx.spec().get("note").asText()), (base, candidate) -> Map.of("passed",
                    true));
        }
    }

    @Test
    void registryJobsKeysAndAuditChainOnPostgres(@TempDir Path registry) throws Exception {
        Path pgDir = Paths.get("target", "pg-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try (PostgresServer pg = PostgresServer.start(pgDir)) {
            Path model = TestServers.demoModel();
            String jobId;
            try (Database db = Database.open(registry, pg.url())) {
                try (Connection c = db.connect(); Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT version, success FROM flyway_schema_history"
                                + " WHERE version IS NOT NULL")) {
                    assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
                    assertThat(r.next()).isTrue();
                    assertThat(r.getString(1)).isEqualTo("1");
                    assertThat(r.getBoolean(2)).isTrue();
                }
                AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
                ModelRegistry versions = new ModelRegistry(db, audit, registry, model);
                ApiKeys keys = new ApiKeys(db);
                ApiKeys.Created key = keys.create(ApiKeys.Scope.JOBS, "pg");
                assertThat(keys.check(key.secret())).isPresent();
                JobService jobs = new JobService(db, audit, versions, registry,
                        new JobKinds(List.of(new CopyKind())));
                JsonNode spec = TestServers.JSON.readTree("{\"kind\": \"copy\", \"note\": \"on postgres\"}");
                jobId = jobs.submit(spec, key.id()).id();
                jobs.start();
                JobService.Job done = await(jobs, jobId);
                jobs.close();
                assertThat(done.state()).as(String.valueOf(done.error())).isEqualTo("succeeded");
                assertThat(done.resultVersion()).isEqualTo(2);
                assertThat(done.metrics().path("promoted").asBoolean()).isTrue();
                assertThat(versions.served()).isEqualTo(2);
                // a crash while the next job runs: it is left "running" in the database
                String crashed = jobs.submit(spec, key.id()).id();
                try (Connection c = db.connect(); Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE jobs SET state = 'running' WHERE id = '" + crashed + "'");
                }
                jobId = crashed;
            }
            try (Database db = Database.open(registry, pg.url())) {
                AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
                ModelRegistry versions = new ModelRegistry(db, audit, registry, model);
                JobService jobs = new JobService(db, audit, versions, registry, new JobKinds(List.of(new CopyKind())));
                jobs.start();
                JobService.Job resumed = await(jobs, jobId);
                jobs.close();
                assertThat(resumed.state()).isEqualTo("succeeded");
                assertThat(versions.versions()).hasSize(3);
                List<AuditTrail.Entry> rows = audit.entries();
                assertThat(rows).extracting(AuditTrail.Entry::action).containsSubsequence("version.registered",
                        "model.promoted", "job.submitted", "job.started", "version.created", "job.succeeded",
                        "model.promoted", "job.submitted", "job.resumed", "job.started", "job.succeeded");
                assertThat(audit.verify().ok()).as(String.valueOf(audit.verify().problem())).isTrue();
            }
            // the server itself on this database (--db): it finds the served version and verifies the chain
            ApiKeys.Created admin;
            try (Database db = Database.open(registry, pg.url())) {
                admin = new ApiKeys(db).create(ApiKeys.Scope.ADMIN, "pg-admin");
            }
            try (LetheServer server = LetheServer.start(ServerConfig.of(model).withModelId("demo").withPort(0)
                    .withRegistry(registry, pg.url()))) {
                assertThat(JobFlowTest.servedVersion(server.url())).isEqualTo(3);
                assertThat(TestServers.get(server.url() + "/v1/audit/verify", admin.secret()).body().path("ok")
                        .asBoolean()).isTrue();
            }
            try (Database db = Database.open(registry, pg.url())) {
                AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
                List<AuditTrail.Entry> rows = audit.entries();
                assertThat(audit.verify().ok()).isTrue();
                try (Connection c = db.connect(); Statement s = c.createStatement()) {
                    String actor = rows.get(2).actor();
                    s.executeUpdate("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
                    assertThat(audit.verify().problem()).isEqualTo("row 3 was modified (its hash does not match its"
                            + " content)");
                    s.executeUpdate("UPDATE audit_log SET actor = '" + actor + "' WHERE seq = 3");
                    assertThat(audit.verify().ok()).isTrue();
                    s.executeUpdate("DELETE FROM audit_log WHERE seq = 4");
                    assertThat(audit.verify().problem()).startsWith("row 4 is missing");
                }
            }
        }
    }

    static JobService.Job await(JobService jobs, String id) throws InterruptedException {
        long until = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < until) {
            JobService.Job j = jobs.get(id).orElseThrow();
            if (List.of("succeeded", "failed", "cancelled").contains(j.state())) {
                return j;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " did not finish in 60 s");
    }
}
