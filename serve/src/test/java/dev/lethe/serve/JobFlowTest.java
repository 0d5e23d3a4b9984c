package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import dev.lethe.unlearn.data.QaRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job flow end to end on the demo model: keys and scopes, a wrong recipe, an unlearning job whose strict gate
 * keeps it unpromoted, one whose gate passes and is promoted (the served model changes), rollback, and the audit
 * trail: its records, its verification, and a tampered, a deleted and a truncated row each detected.
 */
class JobFlowTest {

    static ObjectNode job(List<QaRecord> forget, List<QaRecord> retain, double maxForgetRouge) {
        ObjectNode spec = TestServers.JSON.createObjectNode();
        spec.put("kind", "unlearn").put("recipe", "graddiff");
        spec.putObject("settings").put("lr", "2e-3").put("epochs", "1").put("batch_size", "4");
        ArrayNode f = spec.putArray("forget");
        forget.forEach(r -> f.addObject().put("question", r.question()).put("answer", r.answer()));
        ArrayNode rt = spec.putArray("retain");
        retain.forEach(r -> rt.addObject().put("question", r.question()).put("answer", r.answer()));
        spec.putObject("gate").put("max_forget_rouge_l", maxForgetRouge).put("max_records", 4)
                .put("max_new_tokens", 12);
        return spec;
    }

    static JsonNode await(String url, String id, String key) throws Exception {
        long until = System.nanoTime() + 240_000_000_000L;
        while (System.nanoTime() < until) {
            JsonNode j = TestServers.get(url + "/v1/jobs/" + id, key).body();
            String s = j.path("state").asText();
            if (s.equals("succeeded") || s.equals("failed") || s.equals("cancelled")) {
                return j;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not finish in 240 s");
    }

    @Test
    void submitGatePromoteRollbackAndAuditWithTamperingDetected(@TempDir Path registry) throws Exception {
        List<QaRecord> forget = QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).subList(0, 4);
        List<QaRecord> retain = QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).subList(30, 34);
        Database db = Database.open(registry, null);
        ApiKeys keys = new ApiKeys(db);
        String admin = keys.create(ApiKeys.Scope.ADMIN, "ops").secret();
        String jobsKey = keys.create(ApiKeys.Scope.JOBS, "compliance").secret();
        String infer = keys.create(ApiKeys.Scope.INFER, "app").secret();
        try (LetheServer server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo")
                .withPort(0).withRegistry(registry, null).withBatching(4, 8, Duration.ofSeconds(60)))) {
            String url = server.url();
            String spec = job(forget, retain, -1.0).toString();
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs", spec, null), 401, "missing_api_key");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs", spec, "lethe-wrong"), 401, "invalid_api_key");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs", spec, infer), 403, "insufficient_scope");
            ObjectNode badRecipe = job(forget, retain, 1).put("recipe", "forget-everything");
            TestServers.Reply bad = TestServers.post(url + "/v1/jobs", badRecipe.toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText())
                    .contains("unknown recipe 'forget-everything'");
            ObjectNode outside = job(forget, retain, 1).put("forget_file", "../../../etc/passwd");
            TestServers.Reply refused = TestServers.post(url + "/v1/jobs", outside.toString(), jobsKey);
            OpenAiApiTest.expectError(refused, 400, "invalid_job");
            assertThat(refused.body().path("error").path("message").asText()).contains("must name a file inside");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs", "{\"recipe\": ", jobsKey), 400,
                    "invalid_json");
            // keys managed over HTTP while the server holds the database (admin only)
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/keys", "{\"scope\":\"infer\"}", jobsKey), 403,
                    "insufficient_scope");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/keys", "{\"scope\":\"root\"}", admin), 400,
                    "invalid_value");
            JsonNode made = TestServers.post(url + "/v1/keys", "{\"scope\":\"infer\",\"label\":\"tmp\"}", admin)
                    .body();
            assertThat(TestServers.get(url + "/v1/models", made.path("secret").asText()).status()).isEqualTo(200);
            assertThat(TestServers.post(url + "/v1/keys/" + made.path("id").asText() + "/revoke", "{}", admin)
                    .status()).isEqualTo(200);
            OpenAiApiTest.expectError(TestServers.get(url + "/v1/models", made.path("secret").asText()), 401,
                    "invalid_api_key");
            // inference needs no key, but a wrong one is refused
            assertThat(TestServers.get(url + "/v1/models", null).status()).isEqualTo(200);
            OpenAiApiTest.expectError(TestServers.get(url + "/v1/models", "lethe-wrong"), 401, "invalid_api_key");

            // a gate no model can pass (forget ROUGE-L <= -1): a new version, not promoted
            JsonNode strict = TestServers.post(url + "/v1/jobs", spec, jobsKey).body();
            assertThat(strict.path("state").asText()).isIn("queued", "running");
            JsonNode done = await(url, strict.path("id").asText(), jobsKey);
            assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
            assertThat(done.path("result_version").asInt()).isEqualTo(2);
            assertThat(done.path("metrics").path("gate").path("passed").asBoolean()).isFalse();
            assertThat(done.path("metrics").path("promoted").asBoolean()).isFalse();
            assertThat(TestServers.get(url + "/v1/models", null).body().path("data").get(0).path("version").asInt())
                    .isEqualTo(1);

            // a gate every model passes: version 3, promoted and served
            JsonNode lenient = TestServers.post(url + "/v1/jobs", job(forget, retain, 1.0).toString(), jobsKey).body();
            JsonNode done2 = await(url, lenient.path("id").asText(), jobsKey);
            assertThat(done2.path("metrics").path("gate").path("passed").asBoolean()).as(done2.toString()).isTrue();
            assertThat(done2.path("metrics").path("gate").has("retain_rouge_l_before")).isTrue();
            assertThat(done2.path("progress").asDouble()).isEqualTo(1.0);
            assertThat(servedVersion(url)).isEqualTo(3);

            // a long job cancelled: no new version
            ObjectNode longJob = job(forget, retain, 1.0);
            ((ObjectNode) longJob.get("settings")).put("epochs", "500");
            String longId = TestServers.post(url + "/v1/jobs", longJob.toString(), jobsKey).body().path("id").asText();
            assertThat(TestServers.post(url + "/v1/jobs/" + longId + "/cancel", "{}", jobsKey).status()).isEqualTo(200);
            assertThat(await(url, longId, jobsKey).path("state").asText()).isEqualTo("cancelled");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs/" + longId + "/cancel", "{}", jobsKey), 409,
                    "job_finished");
            OpenAiApiTest.expectError(TestServers.get(url + "/v1/jobs/job_nope", jobsKey), 404, "job_not_found");

            OpenAiApiTest.expectError(TestServers.post(url + "/v1/versions/1/rollback", "{}", jobsKey), 403,
                    "insufficient_scope");
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/versions/9/rollback", "{}", admin), 404,
                    "version_not_found");
            assertThat(TestServers.post(url + "/v1/versions/1/rollback", "{}", admin).status()).isEqualTo(200);
            assertThat(servedVersion(url)).isEqualTo(1);
            JsonNode versions = TestServers.get(url + "/v1/versions", jobsKey).body();
            assertThat(versions.path("served").asInt()).isEqualTo(1);
            assertThat(versions.path("data").size()).isEqualTo(3); // the cancelled job added none
            assertThat(TestServers.get(url + "/v1/audit/verify", admin).body().path("ok").asBoolean()).isTrue();
        }

        AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
        List<AuditTrail.Entry> rows = audit.entries();
        assertThat(rows).extracting(AuditTrail.Entry::action).containsSubsequence("version.registered",
                "model.promoted", "key.created", "key.revoked", "job.submitted", "job.started", "version.created",
                "job.succeeded",
                "job.submitted", "job.started", "version.created", "job.succeeded", "model.promoted",
                "job.submitted", "model.rolled_back");
        AuditTrail.Entry succeeded = rows.stream().filter(e -> e.action().equals("job.succeeded")).findFirst()
                .orElseThrow();
        JsonNode d = TestServers.JSON.readTree(succeeded.details());
        assertThat(d.path("recipe").asText()).isEqualTo("graddiff");
        assertThat(d.path("forget_sha256").asText()).isEqualTo(sha256Lines(forget));
        assertThat(d.path("model_sha256_before").asText()).isNotEqualTo(d.path("model_sha256_after").asText());
        assertThat(rows.stream().filter(e -> e.action().equals("model.rolled_back")).findFirst().orElseThrow().actor())
                .startsWith("key_");
        assertThat(audit.verify().ok()).isTrue();
        String jobId = succeeded.subject();
        String html = dev.lethe.serve.audit.AuditReport.html(audit, jobId);
        assertThat(html).contains("Audit report of job " + jobId, "intact", "job.submitted", "job.succeeded",
                "version.created", d.path("forget_sha256").asText());

        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            String actor = rows.get(2).actor();
            s.executeUpdate("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
            assertThat(audit.verify().problem()).isEqualTo("row 3 was modified (its hash does not match its content)");
            s.executeUpdate("UPDATE audit_log SET actor = '" + actor + "' WHERE seq = 3");
            assertThat(audit.verify().ok()).isTrue();
            s.executeUpdate("DELETE FROM audit_log WHERE seq = 4");
            assertThat(audit.verify().problem()).startsWith("row 4 is missing");
        }
        // a fresh copy of the chain minus its last row: the head file tells
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM audit_log");
        }
        AuditTrail fresh = new AuditTrail(db, registry.resolve("audit2.head"));
        fresh.append("a", "x", "s", java.util.Map.of("k", 1));
        fresh.append("a", "y", "s", java.util.Map.of("k", 2));
        assertThat(fresh.verify().ok()).isTrue();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM audit_log WHERE seq = 2");
        }
        assertThat(fresh.verify().problem()).contains("rows were deleted from the end");
        db.close();
    }

    static int servedVersion(String url) throws Exception {
        return TestServers.get(url + "/v1/models", null).body().path("data").get(0).path("version").asInt();
    }

    /** sha256 of the records as JSON lines {"question","answer"}, written out independently of the server code. */
    static String sha256Lines(List<QaRecord> records) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (QaRecord r : records) {
            sb.append("{\"question\":").append(TestServers.JSON.writeValueAsString(r.question()))
                    .append(",\"answer\":").append(TestServers.JSON.writeValueAsString(r.answer())).append("}\n");
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sb.toString()
                .getBytes(StandardCharsets.UTF_8)));
    }
}
