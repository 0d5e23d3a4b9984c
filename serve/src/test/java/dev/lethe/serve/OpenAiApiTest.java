package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The OpenAI-compatible endpoints through Java's HttpClient against a loopback server on the demo model. */
class OpenAiApiTest {
    static final String PROMPT = "Question: What gender is author Basil Mahfouz Al-Kuwaiti?\nAnswer:";
    static LetheServer server;
    static Generator reference;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo").withPort(0)
                .withBatching(4, 4, Duration.ofSeconds(60)));
        base = server.url();
        CausalLM m = CausalLM.load(TestServers.demoModel(), DataType.FLOAT);
        Tokenizer tok = Tokenizers.load(TestServers.demoModel());
        reference = new Generator(m, tok);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String body(String s) {
        return s.replace('\'', '"');
    }

    @Test
    void greedyCompletionEqualsTheGeneratorsOutputWithUsageCounts() throws Exception {
        TestServers.Reply r = TestServers.post(base + "/v1/completions", body("{'model':'demo','prompt':"
                + TestServers.JSON.writeValueAsString(PROMPT).replace('"', '\'') + ",'max_tokens':24,'temperature':0}"),
                null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        Generation g = reference.generateText(List.of(PROMPT), GenerationConfig.greedy(24)).get(0);
        JsonNode ch = r.body().path("choices").get(0);
        assertThat(ch.path("text").asText()).isEqualTo(g.text()).isNotBlank();
        assertThat(ch.path("finish_reason").asText()).isEqualTo(g.finishReason() == Generation.FinishReason.LENGTH
                ? "length" : "stop");
        assertThat(r.body().path("usage").path("prompt_tokens").asInt()).isEqualTo(g.promptIds().length);
        assertThat(r.body().path("usage").path("completion_tokens").asInt()).isEqualTo(g.ids().length);
        assertThat(r.body().path("object").asText()).isEqualTo("text_completion");
    }

    @Test
    void chatUsesThePlainTemplateAndStreamingConcatenatesToTheSameText() throws Exception {
        String req = "{'model':'demo','messages':[{'role':'user','content':'Who is Basil Mahfouz Al-Kuwaiti?'}],"
                + "'max_tokens':20,'temperature':0";
        TestServers.Reply whole = TestServers.post(base + "/v1/chat/completions", body(req + "}"), null);
        assertThat(whole.status()).as(whole.raw()).isEqualTo(200);
        String text = whole.body().path("choices").get(0).path("message").path("content").asText();
        Generation g = reference.generateText(List.of("user: Who is Basil Mahfouz Al-Kuwaiti?\nassistant:"),
                GenerationConfig.greedy(20)).get(0);
        assertThat(text).isEqualTo(g.text());

        HttpRequest sse = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(req + ",'stream':true,"
                        + "'stream_options':{'include_usage':true}}"))).build();
        HttpResponse<java.util.stream.Stream<String>> r = TestServers.CLIENT.send(sse,
                HttpResponse.BodyHandlers.ofLines());
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        StringBuilder streamed = new StringBuilder();
        List<String> events = new ArrayList<>();
        r.body().filter(l -> l.startsWith("data: ")).forEach(l -> events.add(l.substring(6)));
        String finish = null;
        int usage = -1;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode n = TestServers.JSON.readTree(e);
            assertThat(n.path("object").asText()).isEqualTo("chat.completion.chunk");
            if (n.path("choices").isEmpty()) {
                usage = n.path("usage").path("completion_tokens").asInt();
                continue;
            }
            JsonNode c = n.path("choices").get(0);
            streamed.append(c.path("delta").path("content").asText(""));
            if (!c.path("finish_reason").isNull()) {
                finish = c.path("finish_reason").asText();
            }
        }
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        assertThat(streamed.toString()).isEqualTo(text);
        assertThat(finish).isEqualTo(whole.body().path("choices").get(0).path("finish_reason").asText());
        assertThat(usage).isEqualTo(g.ids().length);
    }

    @Test
    void stopStringsCutTheTextAndSeededSamplingRepeats() throws Exception {
        Generation g = reference.generateText(List.of(PROMPT), GenerationConfig.greedy(24)).get(0);
        String stop = g.text().substring(4, 8);
        TestServers.Reply r = TestServers.post(base + "/v1/completions", TestServers.JSON.createObjectNode()
                .put("model", "demo").put("prompt", PROMPT).put("max_tokens", 24).put("temperature", 0)
                .put("stop", stop).toString(), null);
        assertThat(r.body().path("choices").get(0).path("text").asText()).isEqualTo(g.text().substring(0,
                g.text().indexOf(stop)));
        assertThat(r.body().path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");

        String sampled = body("{'model':'demo','prompt':'Question: Who wrote the book?\\nAnswer:','max_tokens':16,"
                + "'temperature':1.3,'top_p':0.95,'seed':7,'logprobs':0}");
        TestServers.Reply a = TestServers.post(base + "/v1/completions", sampled, null);
        TestServers.Reply b = TestServers.post(base + "/v1/completions", sampled, null);
        assertThat(a.body().path("choices").get(0).path("text").asText())
                .isEqualTo(b.body().path("choices").get(0).path("text").asText());
        JsonNode lp = a.body().path("choices").get(0).path("logprobs").path("token_logprobs");
        assertThat(lp.size()).isEqualTo(a.body().path("usage").path("completion_tokens").asInt());
        for (JsonNode x : lp) {
            assertThat(x.asDouble()).isLessThanOrEqualTo(0.0);
        }
    }

    @Test
    void greedyLogprobsAreTheReferenceLogSoftmax() throws Exception {
        Generation g = reference.generateText(List.of(PROMPT), GenerationConfig.greedy(3).withKeepLogits(true)).get(0);
        TestServers.Reply r = TestServers.post(base + "/v1/completions", TestServers.JSON.createObjectNode()
                .put("model", "demo").put("prompt", PROMPT).put("max_tokens", 3).put("temperature", 0)
                .put("logprobs", 0).toString(), null);
        JsonNode lp = r.body().path("choices").get(0).path("logprobs").path("token_logprobs");
        for (int i = 0; i < 3; i++) {
            float[] row = g.logits().get(i);
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : row) {
                sum += Math.exp(v - max);
            }
            double expected = row[g.ids()[i]] - max - Math.log(sum);
            assertThat(lp.get(i).asDouble()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void modelsListsTheServedModelAndMetricsHaveTheNovaRuntimeMeasures() throws Exception {
        TestServers.Reply m = TestServers.get(base + "/v1/models", null);
        assertThat(m.body().path("data").get(0).path("id").asText()).isEqualTo("demo");
        TestServers.post(base + "/v1/completions", body("{'model':'demo','prompt':'Hello','max_tokens':4}"), null);
        TestServers.Reply metrics = TestServers.get(base + "/metrics", null);
        assertThat(metrics.raw()).contains("lethe_time_to_first_token_seconds_count",
                "lethe_total_response_time_seconds", "lethe_output_tokens_per_second", "lethe_queue_waiting");
    }

    @Test
    void badRequestsGetOpenAiStyleErrorsWithTheRightStatus() throws Exception {
        String url = base + "/v1/chat/completions";
        expectError(TestServers.post(url, "{not json", null), 400, "invalid_json");
        expectError(TestServers.post(url, "[1,2]", null), 400, "invalid_json");
        expectError(TestServers.post(url, body("{'model':'gpt-9','messages':[{'role':'user','content':'x'}]}"), null),
                404, "model_not_found");
        expectError(TestServers.post(url, body("{'model':'demo','messages':[{'role':'user','content':'x'}],"
                + "'max_tokens':-3}"), null), 400, "invalid_value");
        expectError(TestServers.post(url, body("{'model':'demo','messages':[]}"), null), 400, "invalid_value");
        expectError(TestServers.post(url, body("{'model':'demo','messages':[{'role':'wizard','content':'x'}]}"), null),
                400, "invalid_value");
        expectError(TestServers.post(url, body("{'model':'demo','messages':[{'role':'user','content':'x'}],'n':17}"),
                null), 400, "invalid_value");
        expectError(TestServers.post(url, body("{'model':'demo','messages':[{'role':'user','content':'x'}],"
                + "'temperature':'hot'}"), null), 400, "invalid_value");
        String longText = "Basil wrote many books. ".repeat(200);
        expectError(TestServers.post(url, TestServers.JSON.createObjectNode().put("model", "demo").set("messages",
                TestServers.JSON.createArrayNode().add(TestServers.JSON.createObjectNode().put("role", "user")
                        .put("content", longText))).toString(), null), 400, "context_length_exceeded");
        expectError(TestServers.post(base + "/v1/completions",
                body("{'model':'demo','prompt':'Hi','max_tokens':100000}"), null), 400, "context_length_exceeded");
        expectError(TestServers.get(url, null), 405, "method_not_allowed");
        expectError(TestServers.get(base + "/v1/nothing", null), 404, "not_found");
        expectError(TestServers.get(base + "/v1/jobs", null), 404, "not_found"); // no registry: no job API
        // the server still answers
        assertThat(TestServers.post(base + "/v1/completions", body("{'model':'demo','prompt':'Hi','max_tokens':2}"),
                null).status()).isEqualTo(200);
    }

    static void expectError(TestServers.Reply r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.body().path("error").path("code").asText()).as(r.raw()).isEqualTo(code);
        assertThat(r.body().path("error").path("message").asText()).isNotBlank();
    }
}
