package dev.lethe.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.Tape;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Request-scoped decoding on a server holding a second model (the demo retain model as CD's amateur): a CD request's
 * output equals {@link Generator} with the same contrastive processor in process (and differs from plain greedy);
 * APD without a loaded ALM', a misspelt option and a greedy/temperature contradiction are 400s; n > 1 choices each
 * equal the Generator's output with seed + index, streamed too (chunks joined per index); top_logprobs equal the top of an independent log-softmax of the
 * model's raw logits.
 */
class ServedDecodingTest {
    static final String PROMPT = "Question: What is the profession of Basil Mahfouz Al-Kuwaiti's father?\nAnswer:";
    static LetheServer server;
    static CausalLM target;
    static CausalLM amateur;
    static Tokenizer tok;

    @BeforeAll
    static void start() throws Exception {
        Path retain = TestServers.demoModel().resolveSibling("retain");
        server = LetheServer.start(ServerConfig.of(TestServers.demoModel()).withModelId("demo").withPort(0)
                .withBatching(4, 8, Duration.ofSeconds(60)).withSecondModels(retain, null));
        target = CausalLM.load(TestServers.demoModel(), DataType.FLOAT);
        amateur = CausalLM.load(retain, DataType.FLOAT);
        tok = Tokenizers.load(TestServers.demoModel());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static ObjectNode request(int maxTokens) {
        return TestServers.JSON.createObjectNode().put("model", "demo").put("prompt", PROMPT)
                .put("max_tokens", maxTokens);
    }

    static JsonNode complete(ObjectNode req) throws Exception {
        TestServers.Reply r = TestServers.post(server.url() + "/v1/completions", req.toString(), null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.body();
    }

    @Test
    void contrastiveDecodingEqualsTheGeneratorWithTheSameProcessor() throws Exception {
        JsonNode served = complete(request(24).put("temperature", 0).put("decoding", "cd").put("alpha", 0.1)
                .put("amateur_temperature", 1.0));
        Decoding d = Decoding.fromOptions(Map.of("decoding", "cd", "alpha", 0.1, "amateur_temperature", 1.0));
        Generator gen = new Generator(target, tok);
        Generation cd = gen.generateText(List.of(PROMPT), GenerationConfig.greedy(24)
                .withProcessors(d.processors(target, amateur))).get(0);
        Generation plain = gen.generateText(List.of(PROMPT), GenerationConfig.greedy(24)).get(0);
        String text = served.path("choices").get(0).path("text").asText();
        assertThat(text).isEqualTo(cd.text()).isNotEqualTo(plain.text());
        assertThat(served.path("usage").path("completion_tokens").asInt()).isEqualTo(cd.ids().length);
    }

    @Test
    void unavailableOrMisspeltDecodingIsA400() throws Exception {
        String url = server.url() + "/v1/completions";
        TestServers.Reply apd = TestServers.post(url, request(4).put("decoding", "apd").toString(), null);
        OpenAiApiTest.expectError(apd, 400, "decoding_unavailable");
        assertThat(apd.body().path("error").path("message").asText()).contains("--alm DIR");
        OpenAiApiTest.expectError(TestServers.post(url, request(4).put("decoding", "cd").put("cd_topk", 5).toString(),
                null), 400, "invalid_value");
        OpenAiApiTest.expectError(TestServers.post(url, request(4).put("decoding", "beam").toString(), null), 400,
                "invalid_value");
        OpenAiApiTest.expectError(TestServers.post(url, request(4).put("decoding", "greedy").put("temperature", 0.7)
                .toString(), null), 400, "invalid_value");
        OpenAiApiTest.expectError(TestServers.post(url, request(4).put("decoding", "cd").put("alpha", 2).toString(),
                null), 400, "invalid_value");
    }

    @Test
    void eachOfNChoicesIsSeededWithSeedPlusItsIndex() throws Exception {
        JsonNode served = complete(request(12).put("temperature", 1.5).put("seed", 41).put("n", 3));
        Generator gen = new Generator(target, tok);
        JsonNode choices = served.path("choices");
        assertThat(choices.size()).isEqualTo(3);
        int tokens = 0;
        for (int i = 0; i < 3; i++) {
            Generation g = gen.generateText(List.of(PROMPT), GenerationConfig.sampling(12, 1.5, 0, 1.0, 41 + i))
                    .get(0);
            assertThat(choices.get(i).path("index").asInt()).isEqualTo(i);
            assertThat(choices.get(i).path("text").asText()).as("choice " + i).isEqualTo(g.text());
            tokens += g.ids().length;
        }
        java.util.Set<String> distinct = new java.util.HashSet<>();
        choices.forEach(c -> distinct.add(c.path("text").asText()));
        assertThat(distinct).as("the choices are drawn with different seeds").hasSizeGreaterThan(1);
        assertThat(served.path("usage").path("completion_tokens").asInt()).isEqualTo(tokens);
        assertThat(served.path("usage").path("prompt_tokens").asInt()).isEqualTo(tok.encode(PROMPT, true).length);
    }

    @Test
    void streamedChoicesJoinPerIndexToTheGeneratorsOutputs() throws Exception {
        ObjectNode req = request(10).put("temperature", 1.5).put("seed", 5).put("n", 2).put("stream", true);
        HttpRequest sse = HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                .build();
        List<String> events = new ArrayList<>();
        TestServers.CLIENT.send(sse, HttpResponse.BodyHandlers.ofLines()).body().filter(l -> l.startsWith("data: "))
                .forEach(l -> events.add(l.substring(6)));
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int[] finishes = new int[2];
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = TestServers.JSON.readTree(e).path("choices").get(0);
            int i = c.path("index").asInt();
            texts[i].append(c.path("text").asText());
            finishes[i] += c.path("finish_reason").isNull() ? 0 : 1;
        }
        Generator gen = new Generator(target, tok);
        for (int i = 0; i < 2; i++) {
            Generation g = gen.generateText(List.of(PROMPT), GenerationConfig.sampling(10, 1.5, 0, 1.0, 5 + i)).get(0);
            assertThat(texts[i].toString()).as("choice " + i).isEqualTo(g.text());
            assertThat(finishes[i]).isEqualTo(1);
        }
    }

    @Test
    void topLogprobsAreTheTopOfAnIndependentLogSoftmax() throws Exception {
        ObjectNode req = TestServers.JSON.createObjectNode().put("model", "demo").put("max_tokens", 3)
                .put("temperature", 0).put("logprobs", true).put("top_logprobs", 4);
        req.putArray("messages").addObject().put("role", "user").put("content", "Who is Basil Mahfouz Al-Kuwaiti?");
        TestServers.Reply r = TestServers.post(server.url() + "/v1/chat/completions", req.toString(), null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        JsonNode content = r.body().path("choices").get(0).path("logprobs").path("content");
        assertThat(content.size()).isEqualTo(3);
        int[] ids = tok.encode("user: Who is Basil Mahfouz Al-Kuwaiti?\nassistant:", true);
        for (int i = 0; i < 3; i++) {
            double[] logits = lastLogits(ids);
            double max = Arrays.stream(logits).max().orElseThrow();
            double logZ = max + Math.log(Arrays.stream(logits).map(x -> Math.exp(x - max)).sum());
            int[] order = IntStream.range(0, logits.length).boxed()
                    .sorted(Comparator.comparingDouble(j -> -logits[j])).mapToInt(Integer::intValue).toArray();
            JsonNode top = content.get(i).path("top_logprobs");
            assertThat(top.size()).isEqualTo(4);
            for (int k = 0; k < 4; k++) {
                assertThat(top.get(k).path("token").asText()).isEqualTo(tok.idToToken(order[k]).orElseThrow());
                assertThat(top.get(k).path("logprob").asDouble()).isCloseTo(logits[order[k]] - logZ, offset(1e-4));
            }
            // greedy: the chosen token is the most likely one
            assertThat(content.get(i).path("token").asText()).isEqualTo(top.get(0).path("token").asText());
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = order[0];
        }
        TestServers.Reply bad = TestServers.post(server.url() + "/v1/chat/completions", req.put("logprobs", false)
                .toString(), null);
        OpenAiApiTest.expectError(bad, 400, "invalid_value");
    }

    /** The raw next-token logits after {@code ids}, by one full forward pass (no KV cache, no batching). */
    static double[] lastLogits(int[] ids) {
        try (Tape tape = Tape.inference()) {
            INDArray logits = target.forward(tape, TokenBatch.of(ids)).logits().value();
            return logits.get(NDArrayIndex.point(0), NDArrayIndex.point(ids.length - 1), NDArrayIndex.all())
                    .toDoubleVector();
        }
    }
}
