package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs one at a time on a background thread. A job's state lives in the database (queued, running, succeeded,
 * failed, cancelled), so it survives a restart: on {@link #start()}, a job left "running" by a crash is queued again
 * and resumes from its work folder's checkpoint (audited as job.resumed). A finished job's model becomes a new
 * {@link ModelRegistry} version; its {@link Gate} (if any) decides whether it is promoted (unless the spec says
 * {@code "promote": false}). Every transition is in the audit trail.
 */
public final class JobService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A job as stored. */
    public record Job(String id, String kind, String state, JsonNode spec, String actor, int baseVersion,
                      Integer resultVersion, double progress, JsonNode metrics, String error, String created,
                      String updated) {
    }

    private final Database db;
    private final AuditTrail audit;
    private final ModelRegistry registry;
    private final Path root;
    private final JobKinds kinds;
    private final Map<String, AtomicBoolean> cancels = new ConcurrentHashMap<>();
    private final Object wake = new Object();
    private volatile boolean closed;
    private Thread worker;

    public JobService(Database db, AuditTrail audit, ModelRegistry registry, Path root) {
        this(db, audit, registry, root, JobKinds.standard(root.resolve("data")));
    }

    public JobService(Database db, AuditTrail audit, ModelRegistry registry, Path root, JobKinds kinds) {
        this.db = db;
        this.audit = audit;
        this.registry = registry;
        this.root = root;
        this.kinds = kinds;
    }

    /** Requeues jobs a crash interrupted and starts the worker. */
    public synchronized void start() {
        for (Job j : list()) {
            if (j.state().equals("running")) {
                update(j.id(), "queued", j.progress(), null, null, null);
                audit.append("system", "job.resumed", j.id(), Map.of("reason", "the server stopped while it ran",
                        "progress", j.progress()));
            }
        }
        worker = new Thread(this::loop, "lethe-jobs");
        worker.setDaemon(true);
        worker.start();
    }

    /** Validates and queues a job; returns it. Throws IllegalArgumentException on a bad spec. */
    public Job submit(JsonNode spec, String actor) {
        JobKind kind = kinds.get(spec.path("kind").asText("unlearn"));
        kind.validate(spec);
        String id = "job_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        int base = registry.served();
        String now = Instant.now().toString();
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement("INSERT INTO jobs (id, kind,"
                + " state, spec, actor, base_version, progress, created, updated)"
                + " VALUES (?, ?, 'queued', ?, ?, ?, 0, ?, ?)")) {
            p.setString(1, id);
            p.setString(2, kind.name());
            p.setString(3, JSON.writeValueAsString(spec));
            p.setString(4, actor);
            p.setInt(5, base);
            p.setString(6, now);
            p.setString(7, now);
            p.executeUpdate();
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("jobs: " + e.getMessage(), e);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", kind.name());
        d.put("base_version", base);
        d.put("spec_sha256", AuditTrail.sha256(spec.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        d.put("recipe", spec.path("recipe").asText(null));
        d.put("method", spec.path("method").asText(null));
        audit.append(actor, "job.submitted", id, d);
        synchronized (wake) {
            wake.notifyAll();
        }
        return get(id).orElseThrow();
    }

    /** Cancels a queued or running job; false when it already ended or does not exist. */
    public boolean cancel(String id, String actor) {
        Optional<Job> j = get(id);
        if (j.isEmpty() || !(j.get().state().equals("queued") || j.get().state().equals("running"))) {
            return false;
        }
        cancels.computeIfAbsent(id, k -> new AtomicBoolean()).set(true);
        if (j.get().state().equals("queued")) {
            update(id, "cancelled", j.get().progress(), null, null, "cancelled before it started");
            audit.append(actor, "job.cancelled", id, Map.of("state_before", "queued"));
        } else {
            audit.append(actor, "job.cancel_requested", id, Map.of("state_before", "running"));
        }
        return true;
    }

    public Optional<Job> get(String id) {
        List<Job> l = query("SELECT * FROM jobs WHERE id = ?", id);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    public List<Job> list() {
        return query("SELECT * FROM jobs ORDER BY created, id", null);
    }

    private void loop() {
        while (!closed) {
            try {
                next();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // e.g. the database briefly unavailable: the job stays queued or running and is picked up again
                LOG.warn("job service: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Runs the oldest queued job, or waits a little for one. */
    private void next() throws InterruptedException {
        Optional<Job> next = list().stream().filter(j -> j.state().equals("queued")).findFirst();
        if (next.isEmpty()) {
            synchronized (wake) {
                wake.wait(500);
            }
            return;
        }
        runJob(next.get());
    }

    private void runJob(Job job) {
        AtomicBoolean cancelled = cancels.computeIfAbsent(job.id(), k -> new AtomicBoolean());
        update(job.id(), "running", job.progress(), null, null, null);
        audit.append("system", "job.started", job.id(), Map.of("base_version", job.baseVersion()));
        Path dir = root.resolve("jobs").resolve(job.id());
        Path out = registry.stagingDir(job.id());
        Path base = registry.path(job.baseVersion());
        try {
            JobKind kind = kinds.get(job.kind());
            JobKind.Result r = kind.run(new JobKind.Context(base, job.spec(), dir.resolve("work"), out,
                    p -> update(job.id(), null, p, null, null, null), () -> cancelled.get() || closed));
            ObjectNode metrics = JSON.valueToTree(r.details());
            ModelRegistry.Version v = registry.add(out, job.baseVersion(), job.id(), job.actor());
            Gate gate = r.gate();
            Map<String, Object> gateResult = gate == null ? Map.of("passed", true, "checked", false)
                    : gate.check(base, v.path());
            metrics.set("gate", JSON.valueToTree(gateResult));
            boolean promote = Boolean.TRUE.equals(gateResult.get("passed"))
                    && job.spec().path("promote").asBoolean(true);
            metrics.put("promoted", promote);
            Map<String, Object> d = new LinkedHashMap<>(r.details());
            d.put("version", v.version());
            d.put("model_sha256_before", registry.get(job.baseVersion()).sha256());
            d.put("model_sha256_after", v.sha256());
            d.put("gate", gateResult);
            d.put("started", job.updated());
            d.put("finished", Instant.now().toString());
            audit.append(job.actor(), "job.succeeded", job.id(), d);
            if (promote) {
                registry.promote(v.version(), job.actor(), "model.promoted", Map.of("job", job.id(), "reason",
                        gate == null ? "no gate" : "gate passed"));
            }
            update(job.id(), "succeeded", 1.0, v.version(), metrics, null);
        } catch (CancellationException e) {
            if (closed) {
                return; // stays "running": resumed on the next start
            }
            update(job.id(), "cancelled", job.progress(), null, null, "cancelled");
            audit.append("system", "job.cancelled", job.id(), Map.of("state_before", "running"));
        } catch (Exception e) {
            if (closed) {
                return;
            }
            LOG.warn("job {} failed", job.id(), e);
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            update(job.id(), "failed", job.progress(), null, null, msg);
            audit.append("system", "job.failed", job.id(), Map.of("error", msg));
        }
    }

    private void update(String id, String state, double progress, Integer version, JsonNode metrics, String error) {
        StringBuilder sql = new StringBuilder("UPDATE jobs SET progress = ?, updated = ?");
        if (state != null) {
            sql.append(", state = ?");
        }
        if (version != null) {
            sql.append(", result_version = ?");
        }
        if (metrics != null) {
            sql.append(", metrics = ?");
        }
        if (error != null) {
            sql.append(", error = ?");
        }
        sql.append(" WHERE id = ?");
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(sql.toString())) {
            int i = 1;
            p.setDouble(i++, progress);
            p.setString(i++, Instant.now().toString());
            if (state != null) {
                p.setString(i++, state);
            }
            if (version != null) {
                p.setInt(i++, version);
            }
            if (metrics != null) {
                p.setString(i++, metrics.toString());
            }
            if (error != null) {
                p.setString(i++, error);
            }
            p.setString(i, id);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("jobs: " + e.getMessage(), e);
        }
    }

    private List<Job> query(String sql, String arg) {
        List<Job> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(sql)) {
            if (arg != null) {
                p.setString(1, arg);
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    int rv = r.getInt("result_version");
                    Integer result = r.wasNull() ? null : rv;
                    String m = r.getString("metrics");
                    out.add(new Job(r.getString("id"), r.getString("kind"), r.getString("state"),
                            JSON.readTree(r.getString("spec")), r.getString("actor"), r.getInt("base_version"), result,
                            r.getDouble("progress"), m == null ? null : JSON.readTree(m), r.getString("error"),
                            r.getString("created"), r.getString("updated")));
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("jobs: " + e.getMessage(), e);
        }
        return out;
    }

    /** Waits for the worker to stop; a running job stays "running" in the database and resumes on the next start. */
    @Override
    public void close() {
        closed = true;
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
