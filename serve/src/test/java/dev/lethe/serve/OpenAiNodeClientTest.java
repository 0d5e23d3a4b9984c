package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.testing.ExternalTool;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The official {@code openai} npm client (installed from the npm registry into target/node on first use) against a
 * loopback server: model list, a greedy chat completion, the same streamed, and the errors it raises for an unknown
 * model and a negative max_tokens. Skipped, with the reason printed, only when node/npm are not installed.
 */
class OpenAiNodeClientTest {

    @Test
    void officialOpenAiClientChatsStreamsAndSeesTypedErrors() throws Exception {
        ExternalTool.require(onPath("node") && onPath("npm"),
                "node and npm are not installed (apt-get install -y nodejs npm; .ci/run does)");
        Path dir = Paths.get("target/node").toAbsolutePath();
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
            Files.writeString(dir.resolve("package.json"), "{\"name\":\"lethe-serve-test\",\"private\":true,"
                    + "\"type\":\"module\"}");
            run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "openai@4");
        }
        Files.copy(Paths.get("src/test/node/openai-client.mjs"), dir.resolve("openai-client.mjs"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path model = TestServers.demoModel();
        try (LetheServer server = LetheServer.start(ServerConfig.of(model).withModelId("demo").withPort(0)
                .withBatching(4, 8, Duration.ofSeconds(60)))) {
            String out = run(dir, 120, "node", "openai-client.mjs", server.url(), "demo", "unused-key");
            JsonNode r = TestServers.JSON.readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no JSON from node: " + out)));
            Generation g = new Generator(CausalLM.load(model, DataType.FLOAT), Tokenizers.load(model)).generateText(
                    List.of("user: Who is Basil Mahfouz Al-Kuwaiti?\nassistant:"), GenerationConfig.greedy(20)).get(0);
            assertThat(r.path("models").get(0).asText()).isEqualTo("demo");
            assertThat(r.path("chat").path("content").asText()).isEqualTo(g.text()).isNotBlank();
            assertThat(r.path("chat").path("usage").path("completion_tokens").asInt()).isEqualTo(g.ids().length);
            assertThat(r.path("stream").path("content").asText()).isEqualTo(g.text());
            assertThat(r.path("stream").path("chunks").asInt()).isGreaterThan(2);
            assertThat(r.path("stream").path("finish").asText()).isEqualTo(r.path("chat").path("finish").asText());
            assertThat(r.path("stream").path("usage").path("total_tokens").asInt())
                    .isEqualTo(g.ids().length + g.promptIds().length);
            assertThat(r.path("unknownModel").path("status").asInt()).isEqualTo(404);
            assertThat(r.path("unknownModel").path("name").asText()).isEqualTo("NotFoundError");
            assertThat(r.path("unknownModel").path("code").asText()).isEqualTo("model_not_found");
            assertThat(r.path("negativeMaxTokens").path("status").asInt()).isEqualTo(400);
            assertThat(r.path("negativeMaxTokens").path("name").asText()).isEqualTo("BadRequestError");
            assertThat(r.path("negativeMaxTokens").path("param").asText()).isEqualTo("max_tokens");
        }
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Paths.get(d, exe))) {
                return true;
            }
        }
        return false;
    }

    private static String run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + text).isZero();
        return text;
    }
}
