package dev.lethe.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP request and its response on the JDK's built-in server: the body read with a size limit and parsed as a
 * JSON object, JSON answers, and Server-Sent Events (a chunked {@code text/event-stream} of {@code data:} lines).
 */
public final class Exchange {
    private final HttpExchange http;
    private final ObjectMapper json;
    private final long maxBody;
    private OutputStream stream;
    private int status;

    public Exchange(HttpExchange http, ObjectMapper json, long maxBody) {
        this.http = http;
        this.json = json;
        this.maxBody = maxBody;
    }

    public String method() {
        return http.getRequestMethod();
    }

    public String path() {
        return http.getRequestURI().getPath();
    }

    /** The query parameter {@code name}, or null. */
    public String query(String name) {
        String q = http.getRequestURI().getQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The bearer token of the Authorization header, or null. */
    public String bearer() {
        String h = http.getRequestHeaders().getFirst("Authorization");
        if (h == null) {
            return null;
        }
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
    }

    /** The body as a JSON object; 413 over the limit, 400 when it is not a JSON object. */
    public JsonNode jsonBody() throws IOException {
        byte[] body;
        try (InputStream in = http.getRequestBody()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
        }
        if (body.length > maxBody) {
            throw new ApiError(413, "invalid_request_error", "request_too_large", null,
                    "the request body exceeds " + maxBody + " bytes");
        }
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_request_error", "invalid_json", null,
                    "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new ApiError(400, "invalid_request_error", "invalid_json", null,
                    "the request body must be a JSON object");
        }
        return n;
    }

    public void send(int code, JsonNode body) throws IOException {
        sendText(code, "application/json", json.writeValueAsString(body));
    }

    public void sendText(int code, String contentType, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        status = code;
        http.getResponseHeaders().set("Content-Type", contentType);
        http.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = http.getResponseBody()) {
                out.write(b);
            }
        }
    }

    /** Starts a 200 text/event-stream response. */
    public void startEvents() throws IOException {
        status = 200;
        http.getResponseHeaders().set("Content-Type", "text/event-stream");
        http.getResponseHeaders().set("Cache-Control", "no-cache");
        http.sendResponseHeaders(200, 0);
        stream = http.getResponseBody();
    }

    /** Writes one event {@code data: <payload>} and flushes; throws when the client has gone. */
    public void event(String payload) throws IOException {
        stream.write(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
        stream.flush();
    }

    public boolean streaming() {
        return stream != null;
    }

    public int status() {
        return status;
    }

    public void close() {
        http.close();
    }
}
