package dev.lethe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code lethe bench serve}: the runtime measures of the Amazon Nova report (arXiv 2506.12103: time to first token,
 * output tokens per second, total response time) of a running server under C concurrent streaming clients. Each client
 * sends {@code requests} completions one after another, each a seeded random prompt of {@code promptTokens} token ids
 * with {@code max_tokens} = {@code maxTokens} and {@code ignore_eos}, so every request generates exactly that many
 * tokens. TTFT is measured at the client, from sending to the first token's chunk.
 */
public final class ServeBench {
    /** One concurrency level's numbers. */
    public record Level(int concurrency, int requests, double ttftP50, double ttftP95, double totalP50,
                        double perRequestTokensPerSecond, double aggregateTokensPerSecond) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"bench\":\"serve\",\"concurrency\":%d,\"requests\":%d,"
                    + "\"ttft_p50_s\":%.4f,\"ttft_p95_s\":%.4f,\"total_p50_s\":%.3f,"
                    + "\"per_request_tokens_per_s\":%.1f,\"aggregate_tokens_per_s\":%.1f}", concurrency, requests,
                    ttftP50, ttftP95, totalP50, perRequestTokensPerSecond, aggregateTokensPerSecond);
        }
    }

    private record Sample(double ttft, double total, int tokens) {
    }

    private ServeBench() {
    }

    /** Runs each concurrency level against {@code baseUrl} serving {@code model} with a vocabulary of {@code vocab}. */
    public static List<Level> run(String baseUrl, String model, int vocab, int[] concurrency, int promptTokens,
            int maxTokens, int requests) throws Exception {
        return run(baseUrl, model, vocab, concurrency, promptTokens, maxTokens, requests, () -> { }, l -> { });
    }

    /** {@link #run} with {@code beforeLevel} called before each level (after the warm-up) and {@code afterLevel}. */
    public static List<Level> run(String baseUrl, String model, int vocab, int[] concurrency, int promptTokens,
            int maxTokens, int requests, Runnable beforeLevel, java.util.function.Consumer<Level> afterLevel)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        List<Level> out = new ArrayList<>();
        request(client, baseUrl, model, vocab, promptTokens, Math.min(8, maxTokens), 999); // warm-up
        for (int c : concurrency) {
            beforeLevel.run();
            ExecutorService pool = Executors.newFixedThreadPool(c);
            long t0 = System.nanoTime();
            List<Future<List<Sample>>> fs = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                int client0 = i;
                fs.add(pool.submit(() -> {
                    List<Sample> s = new ArrayList<>();
                    for (int r = 0; r < requests; r++) {
                        s.add(request(client, baseUrl, model, vocab, promptTokens, maxTokens, client0 * 1000L + r));
                    }
                    return s;
                }));
            }
            List<Sample> all = new ArrayList<>();
            for (Future<List<Sample>> f : fs) {
                all.addAll(f.get());
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            double[] ttft = all.stream().mapToDouble(Sample::ttft).sorted().toArray();
            double[] total = all.stream().mapToDouble(Sample::total).sorted().toArray();
            double perRequest = all.stream().mapToDouble(s -> (s.tokens() - 1) / (s.total() - s.ttft())).average()
                    .orElse(0);
            int tokens = all.stream().mapToInt(Sample::tokens).sum();
            Level level = new Level(c, all.size(), quantile(ttft, 0.5), quantile(ttft, 0.95), quantile(total, 0.5),
                    perRequest, tokens / wall);
            afterLevel.accept(level);
            out.add(level);
        }
        return out;
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static Sample request(HttpClient client, String baseUrl, String model, int vocab, int promptTokens,
            int maxTokens, long seed) throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("model", model).put("max_tokens", maxTokens)
                .put("temperature", 0).put("ignore_eos", true).put("stream", true).put("logprobs", 0);
        ArrayNode prompt = body.putArray("prompt");
        SplittableRandom r = new SplittableRandom(seed);
        Arrays.stream(r.ints(promptTokens, 1, vocab).toArray()).forEach(prompt::add);
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/completions"))
                .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        long t0 = System.nanoTime();
        HttpResponse<java.io.InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() != 200) {
            throw new IOException("the server answered " + resp.statusCode() + ": "
                    + new String(resp.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        double ttft = -1;
        int tokens = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                JsonNode n = json.readTree(line.substring(6));
                if (n.has("error")) {
                    throw new IOException("the server failed a request: " + n);
                }
                JsonNode lp = n.path("choices").path(0).path("logprobs").path("tokens");
                if (lp.size() > 0) {
                    if (ttft < 0) {
                        ttft = (System.nanoTime() - t0) / 1e9;
                    }
                    tokens += lp.size();
                }
            }
        }
        return new Sample(ttft, (System.nanoTime() - t0) / 1e9, tokens);
    }
}
