package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe keys create|revoke} and {@code lethe audit verify|export} on a registry folder. */
class KeysAuditCommandTest {

    @Test
    void keysAreCreatedAuditedAndATamperedTrailFailsVerify(@TempDir Path registry) throws Exception {
        String reg = registry.toString();
        CliRun created = CliRun.of("keys", "create", "--registry", reg, "--scope", "jobs", "--label", "compliance");
        assertThat(created.code()).as(created.err()).isZero();
        assertThat(created.out()).containsPattern("secret: lethe-[0-9a-f]{64}");
        String id = created.out().lines().filter(l -> l.startsWith("id:")).findFirst().orElseThrow().substring(3)
                .strip();
        assertThat(CliRun.of("keys", "create", "--registry", reg, "--scope", "root").err())
                .contains("scope must be infer, jobs or admin");
        assertThat(CliRun.of("keys", "revoke", "--registry", reg, id).code()).isZero();
        assertThat(CliRun.of("keys", "revoke", "--registry", reg, "key_nope").err()).contains("no key with id");

        CliRun ok = CliRun.of("audit", "verify", "--registry", reg);
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).contains("audit trail intact: 2 records");
        assertThat(CliRun.of("audit", "export", "--registry", reg, "--job", "job_x", "--out",
                registry.resolve("r.html").toString()).err()).contains("no record of job 'job_x'");

        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + registry.resolve("lethe"));
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE audit_log SET details = '{\"scope\":\"admin\"}' WHERE seq = 1");
        }
        CliRun bad = CliRun.of("audit", "verify", "--registry", reg);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out()).contains("BROKEN", "row 1 was modified");
        assertThat(Files.exists(registry.resolve("r.html"))).isFalse();
    }
}
