package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditReport;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An editing job end to end through the HTTP job API on the llama fixture (where EditorTest shows a ROME edit takes):
 * bad specs refused with the field named; an edit whose value optimisation is switched off (0 steps) fails the
 * efficacy gate and stays unpromoted; a real ROME edit passes it, is promoted, and the served model's greedy
 * completion of the edited prompt becomes the new object (it was not before); rollback restores the old completion;
 * the audit rows carry the edits file's sha256 (checked against an independent hash of the file) and the model
 * hashes before/after; a tampered row is detected.
 */
class EditJobFlowTest {
    /**
     * The neighbourhood bound of the test's gate: the fixture is a random 2-layer model that barely separates keys
     * (see EditorTest), so a ROME edit keeps only one of the three neighbourhood prompts' answers once prompts carry
     * the BOS that training puts in front; the bound checks the gate reads the score, not that the fixture edits well.
     */
    static final double MIN_NEIGHBOURHOOD = 0.3;

    static final String PROMPT = "The default encoding of open";

    static ObjectNode job(String method, int valueSteps, double minEfficacy) {
        ObjectNode spec = TestServers.JSON.createObjectNode();
        spec.put("kind", "edit").put("method", method).put("edits_file", "edits.jsonl")
                .put("stats_corpus_file", "corpus.txt");
        spec.putObject("settings").put("clampNormFactor", "4").put("valueSteps", Integer.toString(valueSteps));
        spec.putObject("gate").put("min_efficacy", minEfficacy).put("min_neighbourhood", MIN_NEIGHBOURHOOD);
        return spec;
    }

    static String completion(String url) throws Exception {
        TestServers.Reply r = TestServers.post(url + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"" + PROMPT
                + "\",\"max_tokens\":3,\"temperature\":0}", null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body().path("choices").get(0).path("text").asText();
    }

    @Test
    void editJobGatePromoteRollbackAndAudit(@TempDir Path registry) throws Exception {
        Path data = Files.createDirectories(registry.resolve("data"));
        String edits = "{\"prompt\": \"The default encoding of {}\", \"subject\": \"open\", \"target_new\": \"file\","
                + " \"target_true\": \"bytes\", \"neighborhood_prompts\": [\"The weather today is\","
                + " \"She opened the door and\", \"Numbers like 42 are\"]}\n";
        Files.writeString(data.resolve("edits.jsonl"), edits);
        List<String> corpus = new ArrayList<>();
        for (JsonNode r : TestServers.JSON.readTree(SharedFiles.path("data/mquake/MQuAKE-hard.json").toFile())) {
            for (JsonNode hop : r.get("single_hops")) {
                corpus.add(hop.get("cloze").asText() + " " + hop.get("answer").asText() + ".");
            }
            if (corpus.size() >= 40) {
                break;
            }
        }
        Files.write(data.resolve("corpus.txt"), corpus);
        Database db = Database.open(registry, null);
        ApiKeys keys = new ApiKeys(db);
        String admin = keys.create(ApiKeys.Scope.ADMIN, "ops").secret();
        String jobsKey = keys.create(ApiKeys.Scope.JOBS, "editor").secret();
        Path model = SharedFiles.path("fixtures/hf/llama");
        try (LetheServer server = LetheServer.start(ServerConfig.of(model).withModelId("tiny").withPort(0)
                .withRegistry(registry, null).withBatching(2, 4, Duration.ofSeconds(60)))) {
            String url = server.url();
            ObjectNode badMethod = job("rome", 25, 1).put("method", "fine-tune");
            TestServers.Reply bad = TestServers.post(url + "/v1/jobs", badMethod.toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText()).contains("unknown edit method 'fine-tune'");
            ObjectNode noTrue = job("rome", 25, 1);
            noTrue.remove("edits_file");
            noTrue.putArray("edits").addObject().put("prompt", "{} is in").put("subject", "Oslo")
                    .put("target_new", "Rome");
            bad = TestServers.post(url + "/v1/jobs", noTrue.toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText()).contains("has no target_true");
            ObjectNode noSubject = job("rome", 25, 1);
            noSubject.remove("edits_file");
            noSubject.putArray("edits").addObject().put("prompt", "{} is in").put("target_new", "Rome");
            bad = TestServers.post(url + "/v1/jobs", noSubject.toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText())
                    .startsWith("edits, record 1: field \"subject\" is missing");
            ObjectNode outside = job("rome", 25, 1).put("edits_file", "../../etc/passwd");
            bad = TestServers.post(url + "/v1/jobs", outside.toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText()).contains("must name a file inside");
            bad = TestServers.post(url + "/v1/jobs", job("kedit", 25, 1).toString(), jobsKey);
            OpenAiApiTest.expectError(bad, 400, "invalid_job");
            assertThat(bad.body().path("error").path("message").asText()).startsWith("kg_file must be a file name");
            ObjectNode unlearnBound = job("rome", 25, 1);
            ((ObjectNode) unlearnBound.get("gate")).put("max_forget_rouge_l", 0.1);
            OpenAiApiTest.expectError(TestServers.post(url + "/v1/jobs", unlearnBound.toString(), jobsKey), 400,
                    "invalid_job");

            String before = completion(url);
            assertThat(before).doesNotStartWith(" file");

            // no value optimisation: the edit does not take, the efficacy gate keeps it unserved
            JsonNode noop = TestServers.post(url + "/v1/jobs", job("rome", 0, 1.0).toString(), jobsKey).body();
            JsonNode noopDone = JobFlowTest.await(url, noop.path("id").asText(), jobsKey);
            assertThat(noopDone.path("state").asText()).as(noopDone.toString()).isEqualTo("succeeded");
            assertThat(noopDone.path("result_version").asInt()).isEqualTo(2);
            JsonNode noopGate = noopDone.path("metrics").path("gate");
            assertThat(noopGate.path("efficacy").asDouble()).isEqualTo(noopGate.path("efficacy_before").asDouble());
            assertThat(noopGate.path("passed").asBoolean()).isFalse();
            assertThat(noopDone.path("metrics").path("promoted").asBoolean()).isFalse();
            assertThat(JobFlowTest.servedVersion(url)).isEqualTo(1);
            assertThat(completion(url)).isEqualTo(before);

            // ROME: the edit takes, the gate passes, version 3 is served
            JsonNode rome = TestServers.post(url + "/v1/jobs", job("rome", 25, 1.0).toString(), jobsKey).body();
            assertThat(rome.path("kind").asText()).isEqualTo("edit");
            JsonNode done = JobFlowTest.await(url, rome.path("id").asText(), jobsKey);
            assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
            assertThat(done.path("progress").asDouble()).isEqualTo(1.0);
            JsonNode gate = done.path("metrics").path("gate");
            assertThat(gate.path("efficacy").asDouble()).isEqualTo(1.0);
            assertThat(gate.path("rewrite_greedy_accuracy").asDouble()).isEqualTo(1.0);
            assertThat(gate.path("rewrite_greedy_accuracy_before").asDouble()).isEqualTo(0.0);
            assertThat(gate.path("min_neighbourhood").asDouble()).isEqualTo(MIN_NEIGHBOURHOOD);
            assertThat(gate.path("neighbourhood").asDouble()).isGreaterThanOrEqualTo(MIN_NEIGHBOURHOOD);
            assertThat(gate.path("passed").asBoolean()).isTrue();
            assertThat(done.path("metrics").path("promoted").asBoolean()).isTrue();
            assertThat(JobFlowTest.servedVersion(url)).isEqualTo(3);
            assertThat(completion(url)).startsWith(" file");

            assertThat(TestServers.post(url + "/v1/versions/1/rollback", "{}", admin).status()).isEqualTo(200);
            assertThat(completion(url)).isEqualTo(before);
            assertThat(TestServers.get(url + "/v1/audit/verify", admin).body().path("ok").asBoolean()).isTrue();
        }

        AuditTrail audit = new AuditTrail(db, registry.resolve("audit.head"));
        List<AuditTrail.Entry> rows = audit.entries();
        assertThat(rows).extracting(AuditTrail.Entry::action).containsSubsequence("job.submitted", "job.started",
                "version.created", "job.succeeded", "job.submitted", "job.started", "version.created",
                "job.succeeded", "model.promoted", "model.rolled_back");
        List<AuditTrail.Entry> succeeded = rows.stream().filter(e -> e.action().equals("job.succeeded")).toList();
        JsonNode d = TestServers.JSON.readTree(succeeded.get(1).details());
        String fileSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                Files.readAllBytes(registry.resolve("data/edits.jsonl"))));
        assertThat(d.path("method").asText()).isEqualTo("rome");
        assertThat(d.path("edits_sha256").asText()).isEqualTo(fileSha);
        assertThat(d.path("edits_source").asText()).isEqualTo("data/edits.jsonl");
        assertThat(d.path("edits_requested").asInt()).isEqualTo(1);
        assertThat(d.path("model_sha256_before").asText()).hasSize(64)
                .isNotEqualTo(d.path("model_sha256_after").asText());
        assertThat(d.path("gate").path("efficacy").asDouble()).isEqualTo(1.0);
        assertThat(audit.verify().ok()).isTrue();
        String html = AuditReport.html(audit, succeeded.get(1).subject());
        assertThat(html).contains(succeeded.get(1).subject(), fileSha, "job.succeeded", "model.promoted",
                "<div class=\"v\">v3</div>", "<div class=\"v\">passed</div>", "<div>efficacy</div><div class=\"v\">1.0000");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE audit_log SET details = REPLACE(details, '" + fileSha + "', '" + "0".repeat(64)
                    + "') WHERE seq = " + succeeded.get(1).seq());
        }
        assertThat(audit.verify().problem()).isEqualTo("row " + succeeded.get(1).seq()
                + " was modified (its hash does not match its content)");
        db.close();
    }
}
