package dev.lethe.aidsafe.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * An OpenAI-compatible chat endpoint ({@code POST BASE/chat/completions}, as served by {@code lethe serve}, vLLM,
 * Ollama and hosted APIs) over {@code java.net.http}. Each call sends {@code model}, {@code messages},
 * {@code temperature}, {@code seed} and {@code max_tokens} and reads {@code choices[0].message.content}. Connection
 * failures, timeouts, 429 and 5xx replies are retried up to {@code maxRetries} times with exponential backoff
 * ({@code backoff}, doubled after each failure). 401, 403 and 404 mean the endpoint, model or key is wrong: an
 * {@link AgentUnavailableException} at once, which stops the run. Other 4xx replies and malformed bodies are not
 * retried either and fail only the prompt in flight (an {@link AgentException} naming the endpoint and the problem). Every attempt takes one request from the run's
 * {@link RequestBudget}. An optional API key goes in an {@code Authorization: Bearer} header.
 */
public final class HttpAgent implements Agent {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final HttpClient client;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration backoff;
    private final RequestBudget budget;
    private final String apiKey;

    /**
     * @param baseUrl    the API base, e.g. {@code http://127.0.0.1:8000/v1}
     * @param timeout    connect and per-request timeout
     * @param maxRetries retries after the first attempt (&gt;= 0)
     * @param backoff    wait before the first retry (doubled each time)
     * @param apiKey     bearer token, or null
     */
    public HttpAgent(String baseUrl, Duration timeout, int maxRetries, Duration backoff, RequestBudget budget,
            String apiKey) {
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("agent endpoint must start with http:// or https://, got '" + baseUrl
                    + "'");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + maxRetries);
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.endpoint = URI.create(base + "/chat/completions");
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.budget = budget;
        this.apiKey = apiKey;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String chat(List<ChatMessage> messages, RoleSettings role) {
        byte[] body = requestBody(messages, role);
        String last = null;
        Exception lastCause = null;
        long wait = backoff.toMillis();
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                sleep(wait);
                wait *= 2;
            }
            budget.take();
            HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (apiKey != null && !apiKey.isBlank()) {
                rb.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<String> resp;
            try {
                resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                lastCause = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentUnavailableException(endpoint + ": interrupted", e);
            }
            int code = resp.statusCode();
            if (code == 429 || code >= 500) {
                last = "HTTP " + code + " " + snippet(resp.body());
                lastCause = null;
                continue;
            }
            if (code == 401 || code == 403 || code == 404) {
                throw new AgentUnavailableException(endpoint + ": HTTP " + code + " " + snippet(resp.body())
                        + " (not retried; check the URL, the model name and the API key)", null);
            }
            if (code != 200) {
                throw new AgentException(endpoint + ": HTTP " + code + " " + snippet(resp.body())
                        + " (not retried; check the model name and the request)");
            }
            return content(resp.body());
        }
        throw new AgentUnavailableException(endpoint + ": no reply after " + (maxRetries + 1) + " attempts (last: "
                + last + "); check that the server is running and reachable", lastCause);
    }

    private byte[] requestBody(List<ChatMessage> messages, RoleSettings role) {
        ObjectNode req = JSON.createObjectNode();
        req.put("model", role.model());
        ArrayNode msgs = req.putArray("messages");
        for (ChatMessage m : messages) {
            msgs.addObject().put("role", m.role()).put("content", m.content());
        }
        req.put("temperature", role.temperature());
        req.put("seed", role.seed());
        req.put("max_tokens", role.maxTokens());
        try {
            return JSON.writeValueAsBytes(req);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String content(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new AgentException(endpoint + ": malformed reply, not JSON: " + snippet(body));
        }
        JsonNode c = root == null ? null : root.path("choices").path(0).path("message").get("content");
        if (c == null || !c.isTextual()) {
            throw new AgentException(endpoint + ": malformed reply, no string at choices[0].message.content: "
                    + snippet(body));
        }
        return c.asText();
    }

    private static String snippet(String s) {
        String t = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentUnavailableException("interrupted while waiting to retry", e);
        }
    }
}
