package dev.lethe.aidsafe.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lethe.aidsafe.AidsafeDataset;
import dev.lethe.aidsafe.AidsafePipeline;
import dev.lethe.aidsafe.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI-compatible HTTP backend against a small OpenAI-style server on 127.0.0.1 (JDK httpserver) started and
 * stopped here: request layout, retries with backoff, unreachable endpoints, timeouts, malformed replies, budgets.
 */
class HttpAgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RoleSettings ROLE = new RoleSettings("tiny-model", 0.7, 42, 32);

    /** What a reply handler returns: HTTP status, body, and a delay in ms before answering. */
    record Reply(int status, String body, long delayMs) {
        static Reply ok(String content) {
            return new Reply(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":" + quote(content) + "},"
                    + "\"finish_reason\":\"stop\"}]}", 0);
        }
    }

    private HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    @TempDir
    Path dir;

    private String start(IntFunction<Reply> replies) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/v1/chat/completions", (HttpExchange ex) -> {
            requests.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
            Reply r = replies.apply(count.incrementAndGet());
            try {
                Thread.sleep(r.delayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(r.status(), b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpAgent agent(String url, int retries, Duration timeout, RequestBudget budget) {
        return new HttpAgent(url, timeout, retries, Duration.ofMillis(20), budget, "secret-key");
    }

    @Test
    void sendsAnOpenAiChatRequestAndReadsTheContent() throws Exception {
        String url = start(n -> Reply.ok("hello there"));
        String reply = agent(url, 0, Duration.ofSeconds(5), RequestBudget.unlimited())
                .chat(List.of(ChatMessage.system("be safe"), ChatMessage.user("hi")), ROLE);
        assertThat(reply).isEqualTo("hello there");
        JsonNode req = requests.get(0);
        assertThat(req.get("model").asText()).isEqualTo("tiny-model");
        assertThat(req.get("temperature").asDouble()).isEqualTo(0.7);
        assertThat(req.get("seed").asLong()).isEqualTo(42);
        assertThat(req.get("max_tokens").asInt()).isEqualTo(32);
        assertThat(req.get("messages").get(0).get("role").asText()).isEqualTo("system");
        assertThat(req.get("messages").get(1).get("content").asText()).isEqualTo("hi");
    }

    @Test
    void serverErrorsAreRetriedWithBackoffAndCountAgainstTheBudget() throws Exception {
        String url = start(n -> n <= 2 ? new Reply(n == 1 ? 503 : 429, "busy", 0) : Reply.ok("finally"));
        RequestBudget budget = new RequestBudget(10);
        long t0 = System.nanoTime();
        assertThat(agent(url, 3, Duration.ofSeconds(5), budget).chat(List.of(ChatMessage.user("x")), ROLE))
                .isEqualTo("finally");
        assertThat(count.get()).isEqualTo(3);
        assertThat(budget.used()).isEqualTo(3);
        // backoff 20 ms then 40 ms before the second and third attempts
        assertThat((System.nanoTime() - t0) / 1e6).isGreaterThanOrEqualTo(60);
    }

    @Test
    void clientErrorsAreNotRetried() throws Exception {
        String url = start(n -> n == 1 ? new Reply(400, "{\"error\":\"prompt too long\"}", 0)
                : new Reply(404, "{\"error\":\"model not found\"}", 0));
        HttpAgent a = agent(url, 3, Duration.ofSeconds(5), RequestBudget.unlimited());
        // 400: this prompt fails
        assertThatThrownBy(() -> a.chat(List.of(ChatMessage.user("x")), ROLE))
                .isInstanceOf(AgentException.class).isNotInstanceOf(AgentUnavailableException.class)
                .hasMessageContaining("HTTP 400").hasMessageContaining("prompt too long");
        // 404: the endpoint or model is wrong, the run stops
        assertThatThrownBy(() -> a.chat(List.of(ChatMessage.user("x")), ROLE))
                .isInstanceOf(AgentUnavailableException.class).hasMessageContaining("HTTP 404")
                .hasMessageContaining("check the URL, the model name and the API key");
        assertThat(count.get()).isEqualTo(2);
    }

    @Test
    void malformedRepliesAreClearErrors() throws Exception {
        String url = start(n -> n == 1 ? new Reply(200, "<html>oops</html>", 0)
                : new Reply(200, "{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}", 0));
        HttpAgent a = agent(url, 2, Duration.ofSeconds(5), RequestBudget.unlimited());
        assertThatThrownBy(() -> a.chat(List.of(ChatMessage.user("x")), ROLE)).isInstanceOf(AgentException.class)
                .hasMessageContaining("malformed reply, not JSON").hasMessageContaining("<html>oops</html>");
        assertThatThrownBy(() -> a.chat(List.of(ChatMessage.user("x")), ROLE)).isInstanceOf(AgentException.class)
                .hasMessageContaining("no string at choices[0].message.content");
    }

    @Test
    void anUnreachableEndpointFailsAfterTheRetriesAndKeepsFinishedRows() throws Exception {
        // a working server for the first two prompts
        String url = start(n -> Reply.ok(n % 3 == 0 ? AidsafePipeline.COMPLETE : "thought " + n));
        AidsafePipeline.Config cfg = AidsafePipeline.Config.defaults("m", 8, 0).withAgents(1, 1);
        AidsafeDataset.generate(new AidsafePipeline(agent(url, 1, Duration.ofSeconds(5), RequestBudget.unlimited()),
                cfg), List.of("a", "b"), dir, false, m -> { });
        assertThat(AidsafeDataset.readRepaired(dir.resolve("rows.jsonl"))).hasSize(2);
        stop();
        server = null;
        RequestBudget budget = RequestBudget.unlimited();
        HttpAgent dead = agent(url, 2, Duration.ofSeconds(2), budget);
        assertThatThrownBy(() -> AidsafeDataset.generate(new AidsafePipeline(dead, cfg), List.of("a", "b", "c"), dir,
                false, m -> { }))
                .isInstanceOf(AgentUnavailableException.class).hasMessageContaining(url + "/chat/completions")
                .hasMessageContaining("no reply after 3 attempts").hasMessageContaining("check that the server");
        assertThat(budget.used()).isEqualTo(3);
        assertThat(AidsafeDataset.readRepaired(dir.resolve("rows.jsonl"))).hasSize(2);
    }

    @Test
    void aSlowServerTimesOut() throws Exception {
        String url = start(n -> new Reply(200, Reply.ok("late").body(), 3000));
        assertThatThrownBy(() -> agent(url, 1, Duration.ofMillis(300), RequestBudget.unlimited())
                .chat(List.of(ChatMessage.user("x")), ROLE))
                .isInstanceOf(AgentUnavailableException.class).hasMessageContaining("no reply after 2 attempts")
                .hasMessageContaining("HttpTimeoutException");
    }

    @Test
    void theRequestBudgetCapsRetries() throws Exception {
        String url = start(n -> new Reply(500, "down", 0));
        RequestBudget budget = new RequestBudget(2);
        assertThatThrownBy(() -> agent(url, 5, Duration.ofSeconds(5), budget).chat(List.of(ChatMessage.user("x")),
                ROLE)).isInstanceOf(RequestBudget.ExhaustedException.class)
                .hasMessageContaining("request budget of 2 requests spent");
        assertThat(count.get()).isEqualTo(2);
    }

    @Test
    void everyRoleOfAPipelineGoesThroughTheEndpoint() throws Exception {
        String url = start(n -> Reply.ok(n == 3 ? AidsafePipeline.COMPLETE : "reply " + n));
        AidsafePipeline.Config cfg = AidsafePipeline.Config.defaults("served-model", 8, 0).withAgents(1, 2)
                .withRole(Role.REFINER, new RoleSettings("refiner-model", 0, 5, 8));
        var row = new AidsafePipeline(agent(url, 0, Duration.ofSeconds(5), RequestBudget.unlimited()), cfg).run("q");
        assertThat(row.stopReason()).isEqualTo("agreement");
        assertThat(requests).hasSize(7);
        assertThat(requests.stream().map(r -> r.get("model").asText())).containsOnly("served-model", "refiner-model");
        assertThat(row.refinedThoughts()).isEqualTo("reply 4");
    }
}
