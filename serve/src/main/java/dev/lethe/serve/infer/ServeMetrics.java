package dev.lethe.serve.infer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The runtime metrics of the Amazon Nova report (arXiv 2506.12103, sec. "Runtime performance": time to first token,
 * output tokens per second, total response time), plus request outcomes and the batch and queue sizes, in a
 * Micrometer Prometheus registry; {@link #scrape()} is the text of {@code GET /metrics}. One instance per server.
 */
public final class ServeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer ttft;
    private final Timer total;
    private final DistributionSummary tokensPerSecond;
    private final Counter outputTokens;
    private final StepProfile steps = new StepProfile();

    public ServeMetrics() {
        ttft = Timer.builder("lethe_time_to_first_token").description("from arrival to the first generated token")
                .publishPercentiles(0.5, 0.95).publishPercentileHistogram().register(registry);
        total = Timer.builder("lethe_total_response_time").description("from arrival to the last token")
                .publishPercentiles(0.5, 0.95).publishPercentileHistogram().register(registry);
        tokensPerSecond = DistributionSummary.builder("lethe_output_tokens_per_second")
                .description("generated tokens after the first, per second after the first token, per request")
                .publishPercentiles(0.5, 0.95).register(registry);
        outputTokens = Counter.builder("lethe_output_tokens").description("generated tokens").register(registry);
    }

    /** Where the scheduler thread's time went, by part of a step (see {@link StepProfile}). */
    public StepProfile steps() {
        return steps;
    }

    /** Registers gauges of the running batch and the waiting queue. */
    public void gauges(Supplier<Number> running, Supplier<Number> waiting) {
        Gauge.builder("lethe_batch_sequences", running).description("sequences in the running batch")
                .register(registry);
        Gauge.builder("lethe_queue_waiting", waiting).description("requests waiting for a batch slot")
                .register(registry);
    }

    void firstToken(long nanos) {
        ttft.record(Duration.ofNanos(nanos));
    }

    void finished(long ttftNanos, long totalNanos, int tokens) {
        total.record(Duration.ofNanos(totalNanos));
        outputTokens.increment(tokens);
        long decode = totalNanos - ttftNanos;
        if (tokens > 1 && decode > 0) {
            tokensPerSecond.record((tokens - 1) / (decode / 1e9));
        }
    }

    /** Counts a sequence that ended, by reason (stop, length, timeout, cancelled). */
    void ended(Completion.Finish finish) {
        registry.counter("lethe_sequences_ended", "reason", finish.name().toLowerCase(java.util.Locale.ROOT))
                .increment();
    }

    /** Sequences that ended for this reason so far. */
    public double ended(String reason) {
        var c = registry.find("lethe_sequences_ended").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** Counts one answered or refused HTTP request by endpoint and status code. */
    public void request(String endpoint, int status) {
        registry.counter("lethe_requests", "endpoint", endpoint, "status", Integer.toString(status)).increment();
    }

    /** Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }
}
