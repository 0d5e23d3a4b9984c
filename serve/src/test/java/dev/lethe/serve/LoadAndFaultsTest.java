package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Many clients at once, a full queue, a client that goes away, a request that runs out of time. */
class LoadAndFaultsTest {

    record Outcome(int status, String text, int completionTokens) {
    }

    /** A streaming completion; the text is the concatenated deltas. */
    static Outcome stream(String url, String prompt, int maxTokens) throws Exception {
        String body = TestServers.JSON.createObjectNode().put("model", "demo").put("prompt", prompt)
                .put("max_tokens", maxTokens).put("temperature", 0).put("stream", true)
                .set("stream_options", TestServers.JSON.createObjectNode().put("include_usage", true)).toString();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/completions")).timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<java.util.stream.Stream<String>> r = TestServers.CLIENT.send(req,
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            String err = String.join("\n", r.body().toList());
            return new Outcome(r.statusCode(), err, -1);
        }
        StringBuilder text = new StringBuilder();
        int tokens = -1;
        for (String line : r.body().toList()) {
            if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                continue;
            }
            JsonNode n = TestServers.JSON.readTree(line.substring(6));
            if (n.has("error")) {
                return new Outcome(500, line, -1);
            }
            if (n.path("usage").isObject()) {
                tokens = n.path("usage").path("completion_tokens").asInt();
            }
            for (JsonNode c : n.path("choices")) {
                text.append(c.path("text").asText(""));
            }
        }
        return new Outcome(200, text.toString(), tokens);
    }

    static List<String> prompts(int n) throws Exception {
        List<String> out = new ArrayList<>();
        List<QaRecord> recs = QaRecord.read(dev.lethe.engine.testing.SharedFiles.path("data/tofu/forget01.json"));
        for (int i = 0; i < n; i++) {
            out.add("Question: " + recs.get(i % recs.size()).question() + "\nAnswer:" + (i >= recs.size() ? " " : ""));
        }
        return out;
    }

    @Test
    void thirtyTwoConcurrentStreamingClientsEachGetTheirOwnSingleRequestGreedyOutput() throws Exception {
        List<String> prompts = prompts(32);
        Generator ref = new Generator(CausalLM.load(TestServers.demoModel(), DataType.FLOAT),
                Tokenizers.load(TestServers.demoModel()));
        List<Generation> expected = new ArrayList<>();
        for (String p : prompts) {
            expected.add(ref.generateText(List.of(p), GenerationConfig.greedy(12)).get(0));
        }
        try (LetheServer server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo")
                .withPort(0).withBatching(16, 32, Duration.ofSeconds(100)))) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            List<Future<Outcome>> fs = new ArrayList<>();
            for (String p : prompts) {
                fs.add(pool.submit(() -> stream(server.url(), p, 12)));
            }
            for (int i = 0; i < 32; i++) {
                Outcome o = fs.get(i).get(120, TimeUnit.SECONDS);
                assertThat(o.status()).as("client %d: %s", i, o.text()).isEqualTo(200);
                assertThat(o.text()).as("client %d", i).isEqualTo(expected.get(i).text());
                assertThat(o.completionTokens()).as("client %d", i).isEqualTo(expected.get(i).ids().length);
            }
            pool.shutdown();
            assertThat(server.metrics().ended("stop") + server.metrics().ended("length")).isEqualTo(32);
        }
    }

    @Test
    void aFullQueueRefusesWith429AndTheAcceptedRequestsStillComplete() throws Exception {
        try (LetheServer server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo")
                .withPort(0).withBatching(1, 1, Duration.ofSeconds(60)))) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Callable<TestServers.Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(() -> TestServers.post(server.url() + "/v1/completions", "{\"model\":\"demo\",\"prompt\":"
                        + "\"Question: Who?\\nAnswer:\",\"max_tokens\":40,\"temperature\":0,\"ignore_eos\":true}",
                        null));
            }
            int ok = 0;
            int refused = 0;
            for (Future<TestServers.Reply> f : pool.invokeAll(calls, 120, TimeUnit.SECONDS)) {
                TestServers.Reply r = f.get();
                if (r.status() == 200) {
                    ok++;
                    assertThat(r.body().path("usage").path("completion_tokens").asInt()).isEqualTo(40);
                } else {
                    assertThat(r.status()).as(r.raw()).isEqualTo(429);
                    assertThat(r.body().path("error").path("code").asText()).isEqualTo("queue_full");
                    refused++;
                }
            }
            pool.shutdown();
            assertThat(ok + refused).isEqualTo(6);
            assertThat(ok).isGreaterThanOrEqualTo(1);
            assertThat(refused).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamIsCancelledAndASlowRequestTimesOut() throws Exception {
        try (LetheServer server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo")
                .withPort(0).withBatching(4, 4, Duration.ofSeconds(60)))) {
            String body = "{\"model\":\"demo\",\"prompt\":\"Question: Who?\\nAnswer:\",\"max_tokens\":200,"
                    + "\"temperature\":0,\"ignore_eos\":true,\"stream\":true}";
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[256];
                assertThat(in.read(buf)).isPositive(); // the stream has started
            }
            long until = System.nanoTime() + 10_000_000_000L;
            while (server.metrics().ended("cancelled") < 1 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(server.metrics().ended("cancelled")).isEqualTo(1);
            assertThat(server.metrics().ended("length")).isZero();

        }
        try (LetheServer server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo")
                .withPort(0).withBatching(4, 4, Duration.ofMillis(50)))) {
            // 230 tokens cannot be generated within this server's 50 ms request timeout (a decode step takes more
            // than 0.2 ms even for this 0.9M-parameter model)
            TestServers.Reply r = TestServers.post(server.url() + "/v1/completions", "{\"model\":\"demo\",\"prompt\":"
                    + "\"Question: Who?\\nAnswer:\",\"max_tokens\":230,\"temperature\":0.9,\"top_k\":50,\"seed\":3,"
                    + "\"ignore_eos\":true}", null);
            assertThat(r.status()).as(r.raw()).isEqualTo(504);
            assertThat(r.body().path("error").path("code").asText()).isEqualTo("timeout");
            assertThat(server.metrics().ended("timeout")).isEqualTo(1);
            assertThat(TestServers.get(server.url() + "/health", null).status()).isEqualTo(200);
        }
    }
}
