package dev.lethe.serve;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link LetheServer#start} needs. Build one with {@link #of(Path)} and refine it with the {@code with...}
 * methods; instances are immutable.
 *
 * @param model             Hugging Face folder of the model to serve (version 1 of a new registry)
 * @param modelId           the id clients put in the {@code model} field
 * @param host              address to bind (127.0.0.1 by default; TLS belongs to a reverse proxy)
 * @param port              port to bind (0 = any free port)
 * @param registry          folder of model versions, job work folders and, by default, the database; null = no
 *                          job service, audit trail or API keys (inference only)
 * @param jdbcUrl           JDBC URL of the audit/registry database; null = an H2 file inside {@code registry}
 * @param maxBatch          most sequences decoded together
 * @param queueCapacity     most requests waiting for a batch slot; beyond it requests get HTTP 429
 * @param requestTimeout    a request still running after this is ended with HTTP 504
 * @param defaultMaxTokens  max_tokens when a request gives none (capped by the context)
 * @param maxBodyBytes      largest accepted request body
 * @param inferenceNeedsKey whether inference endpoints need an API key too (job and admin endpoints always do)
 * @param amateur           folder of the amateur model of contrastive decoding (requests with "decoding": "cd"); null
 *                          = none loaded
 * @param alm               folder of APD's ALM' (requests with "decoding": "apd"); null = none loaded
 */
public record ServerConfig(Path model, String modelId, String host, int port, Path registry, String jdbcUrl,
                           int maxBatch, int queueCapacity, Duration requestTimeout, int defaultMaxTokens,
                           long maxBodyBytes, boolean inferenceNeedsKey, Path amateur, Path alm) {

    public ServerConfig {
        if (maxBatch < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("maxBatch and queueCapacity must be >= 1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
    }

    /** Serves {@code model} on 127.0.0.1:8080, id = the folder name, batches of 16, 64 waiting, 120 s timeout. */
    public static ServerConfig of(Path model) {
        return new ServerConfig(model, model.toAbsolutePath().normalize().getFileName().toString(), "127.0.0.1", 8080,
                null, null, 16, 64, Duration.ofSeconds(120), 256, 4L << 20, false, null, null);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(model, modelId, host, p, registry, jdbcUrl, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateur, alm);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(model, modelId, h, port, registry, jdbcUrl, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateur, alm);
    }

    public ServerConfig withModelId(String id) {
        return new ServerConfig(model, id, host, port, registry, jdbcUrl, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateur, alm);
    }

    public ServerConfig withRegistry(Path dir, String jdbc) {
        return new ServerConfig(model, modelId, host, port, dir, jdbc, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateur, alm);
    }

    public ServerConfig withBatching(int batch, int queue, Duration timeout) {
        return new ServerConfig(model, modelId, host, port, registry, jdbcUrl, batch, queue, timeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateur, alm);
    }

    public ServerConfig withInferenceNeedsKey(boolean needs) {
        return new ServerConfig(model, modelId, host, port, registry, jdbcUrl, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, needs, amateur, alm);
    }

    /** Also loads these second models for per-request contrastive decoding (amateur) and APD (ALM'); null = none. */
    public ServerConfig withSecondModels(Path amateurDir, Path almDir) {
        return new ServerConfig(model, modelId, host, port, registry, jdbcUrl, maxBatch, queueCapacity, requestTimeout,
                defaultMaxTokens, maxBodyBytes, inferenceNeedsKey, amateurDir, almDir);
    }
}
