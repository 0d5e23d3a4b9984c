package dev.lethe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

/** Shared by the server tests: the demo target model and a tiny JSON-over-HTTP client. */
final class TestServers {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TestServers() {
    }

    /** The repository's demo/models/target (a 0.9M-parameter Llama fine-tuned on TOFU authors). */
    static Path demoModel() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path m = dir.resolve("demo/models/target");
            if (Files.isRegularFile(m.resolve("config.json"))) {
                return m;
            }
        }
        throw new IllegalStateException("demo/models/target not found above " + Paths.get("").toAbsolutePath());
    }

    record Reply(int status, JsonNode body, String raw) {
    }

    static Reply post(String url, String body, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return reply(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    static Reply get(String url, String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return reply(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Reply reply(HttpResponse<String> r) throws IOException {
        JsonNode n = null;
        String ct = r.headers().firstValue("Content-Type").orElse("");
        if (ct.startsWith("application/json")) {
            n = JSON.readTree(r.body());
        }
        return new Reply(r.statusCode(), n, r.body());
    }
}
