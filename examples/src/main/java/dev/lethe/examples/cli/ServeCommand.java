package dev.lethe.examples.cli;

import dev.lethe.serve.LetheServer;
import dev.lethe.serve.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lethe serve}: runs {@link LetheServer} until the process is stopped (Ctrl-C / SIGTERM). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over an OpenAI-compatible HTTP API, with unlearning jobs, model versions and an"
                + " audit trail when --registry is given. TLS belongs to a reverse proxy.")
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder to serve (version 1).")
    Path model;

    @Option(names = "--model-id", description = "Model id clients use (default: the folder name).")
    String modelId;

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port = 8080;

    @Option(names = "--registry", description = "Folder of model versions, job work and the audit database;"
            + " without it only inference is served.")
    Path registry;

    @Option(names = "--db", description = "JDBC URL of the audit/registry database (default: an H2 file in the"
            + " registry).")
    String db;

    @Option(names = "--max-batch", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int maxBatch = 16;

    @Option(names = "--queue", description = "Requests that may wait for a batch slot; more get HTTP 429"
            + " (default: ${DEFAULT-VALUE}).")
    int queue = 64;

    @Option(names = "--timeout", description = "Request timeout in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 120;

    @Option(names = "--require-key", description = "Require an API key for inference too.")
    boolean requireKey;

    @Option(names = "--amateur", paramLabel = "DIR", description = "Also load this small model (same vocabulary) as"
            + " the amateur of contrastive decoding, for requests with \"decoding\": \"cd\".")
    Path amateur;

    @Option(names = "--alm", paramLabel = "DIR", description = "Also load APD's ALM' (./lethe apd fit trains one), for"
            + " requests with \"decoding\": \"apd\".")
    Path alm;

    @Override
    public Integer call() throws Exception {
        ServerConfig c = ServerConfig.of(model).withHost(host).withPort(port)
                .withBatching(maxBatch, queue, Duration.ofSeconds(timeoutSeconds)).withInferenceNeedsKey(requireKey)
                .withSecondModels(amateur, alm);
        if (modelId != null) {
            c = c.withModelId(modelId);
        }
        if (registry != null) {
            c = c.withRegistry(registry, db);
        } else if (db != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--db needs --registry (the folder that"
                    + " holds the model versions)");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        LetheServer server = LetheServer.start(c);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "lethe-serve-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("lethe serve: model '" + c.modelId() + "' on " + server.url() + "/v1 (Ctrl-C stops)");
        out.flush();
        stopped.await();
        return 0;
    }
}
