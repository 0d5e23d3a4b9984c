package dev.lethe.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lethe.serve.audit.ApiKeys;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import dev.lethe.serve.http.ApiError;
import dev.lethe.serve.http.Exchange;
import dev.lethe.serve.infer.BatchScheduler;
import dev.lethe.serve.infer.ChatTemplate;
import dev.lethe.serve.infer.OpenAiApi;
import dev.lethe.serve.infer.SecondModels;
import dev.lethe.serve.infer.ServeMetrics;
import dev.lethe.serve.infer.ServedModel;
import dev.lethe.serve.jobs.JobApi;
import dev.lethe.serve.jobs.JobService;
import dev.lethe.serve.jobs.ModelRegistry;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code lethe serve} server, embeddable: {@link #start(ServerConfig)} loads the model, binds the JDK's HTTP
 * server and returns this handle; {@link #close()} stops it. Routes: the OpenAI inference API ({@link OpenAiApi}),
 * {@code GET /metrics} ({@link ServeMetrics}), {@code GET /health}, and, with a registry, the job and model-version
 * API ({@link JobApi}) behind API keys ({@link ApiKeys}) with every change in the {@link AuditTrail}. Every request is
 * answered: an {@link ApiError} becomes its OpenAI-style JSON error, any other failure a 500 of the same shape.
 */
public final class LetheServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LetheServer.class);

    private final ServerConfig config;
    private final HttpServer http;
    private final ExecutorService pool;
    private final BatchScheduler scheduler;
    private final ServeMetrics metrics;
    private final OpenAiApi openAi;
    private final ObjectMapper json = new ObjectMapper();
    private final Database db;
    private final ApiKeys keys;
    private final JobService jobs;
    private final JobApi jobApi;

    private LetheServer(ServerConfig config) throws IOException {
        this.config = config;
        this.metrics = new ServeMetrics();
        if (config.registry() != null) {
            db = Database.open(config.registry(), config.jdbcUrl());
            keys = new ApiKeys(db);
            AuditTrail audit = new AuditTrail(db, config.registry().resolve("audit.head"));
            ModelRegistry registry = new ModelRegistry(db, audit, config.registry(), config.model());
            ServedModel first = load(config.modelId(), registry.served(), registry.path(registry.served()));
            scheduler = new BatchScheduler(first, config.maxBatch(), config.queueCapacity(), metrics);
            registry.onPromote((version, dir) -> scheduler.swap(load(config.modelId(), version, dir)));
            jobs = new JobService(db, audit, registry, config.registry());
            jobApi = new JobApi(jobs, registry, audit, keys, json);
        } else {
            db = null;
            keys = null;
            jobs = null;
            jobApi = null;
            scheduler = new BatchScheduler(load(config.modelId(), 1, config.model()), config.maxBatch(),
                    config.queueCapacity(), metrics);
        }
        this.openAi = new OpenAiApi(scheduler, json, config.requestTimeout().toNanos(), config.defaultMaxTokens(),
                SecondModels.load(config.amateur(), config.alm(), scheduler.model().model()));
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 256);
        this.pool = Executors.newFixedThreadPool(config.maxBatch() + config.queueCapacity() + 16, r -> {
            Thread t = new Thread(r, "lethe-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
        if (jobs != null) {
            jobs.start();
        }
    }

    /** Loads the model and starts serving; the returned handle stops it. */
    public static LetheServer start(ServerConfig config) throws IOException {
        return new LetheServer(config);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Base URL, e.g. http://127.0.0.1:8080. */
    public String url() {
        return "http://" + config.host() + ":" + port();
    }

    /** The job service, when the server has a registry. */
    public Optional<JobService> jobs() {
        return Optional.ofNullable(jobs);
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    static ServedModel load(String id, int version, Path dir) {
        try {
            return new ServedModel(id, version, CausalLM.load(dir, DataType.FLOAT), Tokenizers.load(dir),
                    ChatTemplate.forModel(dir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(dir + ": cannot load the model: " + e.getMessage(), e);
        }
    }

    private void handle(HttpExchange h) {
        Exchange ex = new Exchange(h, json, config.maxBodyBytes());
        String endpoint = ex.path();
        try {
            route(ex);
        } catch (ApiError e) {
            answer(ex, e);
        } catch (IOException e) {
            LOG.debug("client connection failed on {}: {}", endpoint, e.toString());
        } catch (RuntimeException e) {
            LOG.warn("request to {} failed", endpoint, e);
            answer(ex, new ApiError(500, "server_error", "internal_error", null, "internal error: " + e));
        } finally {
            metrics.request(endpoint.startsWith("/v1/jobs/") ? "/v1/jobs/{id}" : endpoint, ex.status());
            ex.close();
        }
    }

    private void answer(Exchange ex, ApiError e) {
        try {
            if (!ex.streaming()) {
                ex.send(e.status(), e.body(json));
            }
        } catch (IOException io) {
            LOG.debug("could not send the error: {}", io.toString());
        }
    }

    private void route(Exchange ex) throws IOException {
        String path = ex.path();
        String method = ex.method();
        switch (path) {
            case "/health" -> ex.sendText(200, "text/plain", "ok\n");
            case "/metrics" -> ex.sendText(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            case "/v1/models" -> {
                expect(method, "GET");
                authorize(ex, ApiKeys.Scope.INFER, config.inferenceNeedsKey());
                openAi.models(ex);
            }
            case "/v1/chat/completions" -> {
                expect(method, "POST");
                authorize(ex, ApiKeys.Scope.INFER, config.inferenceNeedsKey());
                openAi.chat(ex);
            }
            case "/v1/completions" -> {
                expect(method, "POST");
                authorize(ex, ApiKeys.Scope.INFER, config.inferenceNeedsKey());
                openAi.completions(ex);
            }
            default -> {
                if (jobApi != null && JobApi.handles(path)) {
                    ApiKeys.Principal who = authorize(ex, JobApi.scope(method, path), true);
                    jobApi.route(ex, who == null ? "anonymous" : who.id());
                } else {
                    throw new ApiError(404, "invalid_request_error", "not_found", null, "no endpoint " + method + " "
                            + path);
                }
            }
        }
    }

    private static void expect(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new ApiError(405, "invalid_request_error", "method_not_allowed", null, "use " + wanted);
        }
    }

    /** Checks the bearer key: required when {@code needed}, and always checked when given. */
    private ApiKeys.Principal authorize(Exchange ex, ApiKeys.Scope scope, boolean needed) {
        String key = ex.bearer();
        if (key == null && !needed) {
            return null;
        }
        if (keys == null) {
            if (needed) {
                throw new ApiError(401, "invalid_request_error", "invalid_api_key", null,
                        "this endpoint needs an API key, and this server has no registry to hold keys");
            }
            return null;
        }
        if (key == null) {
            throw new ApiError(401, "invalid_request_error", "missing_api_key", null,
                    "this endpoint needs an API key: send 'Authorization: Bearer <key>' (lethe keys create)");
        }
        ApiKeys.Principal p = keys.check(key).orElseThrow(() -> new ApiError(401, "invalid_request_error",
                "invalid_api_key", null, "the API key is not valid"));
        if (!p.scope().covers(scope)) {
            throw new ApiError(403, "invalid_request_error", "insufficient_scope", null, "this key has scope "
                    + p.scope().label() + "; this endpoint needs " + scope.label());
        }
        return p;
    }

    @Override
    public void close() {
        http.stop(0);
        if (jobs != null) {
            jobs.close();
        }
        scheduler.close();
        pool.shutdownNow();
        if (db != null) {
            db.close();
        }
    }
}
