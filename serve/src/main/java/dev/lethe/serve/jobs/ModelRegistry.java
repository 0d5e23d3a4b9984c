package dev.lethe.serve.jobs;

import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Numbered model versions and which one is served. Version 1 is the model the server was started with (its folder is
 * referenced, not copied); each finished job adds a version under {@code registry/versions/vN}. Promotion and
 * rollback change the served version in one database update, record it in the audit trail and tell the listener
 * (the server swaps the model between requests). A model's identity is the sha256 over its config.json and
 * safetensors files.
 */
public final class ModelRegistry {
    /** One version. */
    public record Version(int version, Path path, String sha256, Integer parent, String jobId, String created) {
    }

    private final Database db;
    private final AuditTrail audit;
    private final Path root;
    private final List<BiConsumer<Integer, Path>> listeners = new ArrayList<>();

    public ModelRegistry(Database db, AuditTrail audit, Path root, Path initialModel) {
        this.db = db;
        this.audit = audit;
        this.root = root;
        if (versions().isEmpty()) {
            Version v = insert(initialModel.toAbsolutePath().normalize(), null, null);
            setServed(v.version());
            audit.append("system", "version.registered", "v" + v.version(), Map.of("path", v.path().toString(),
                    "model_sha256", v.sha256()));
            audit.append("system", "model.promoted", "v" + v.version(), Map.of("from", 0, "to", v.version(),
                    "reason", "initial model"));
        }
    }

    public Path root() {
        return root;
    }

    /** Called with (version, folder) after each promotion or rollback. */
    public synchronized void onPromote(BiConsumer<Integer, Path> listener) {
        listeners.add(listener);
    }

    /** The served version. */
    public synchronized int served() {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT version FROM served_model WHERE id = 1"); ResultSet r = p.executeQuery()) {
            if (!r.next()) {
                throw new IllegalStateException("the registry database has no served version");
            }
            return r.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("registry: " + e.getMessage(), e);
        }
    }

    public Path path(int version) {
        return get(version).path();
    }

    public Version get(int version) {
        for (Version v : versions()) {
            if (v.version() == version) {
                return v;
            }
        }
        throw new IllegalArgumentException("there is no model version " + version + "; see GET /v1/versions");
    }

    public synchronized List<Version> versions() {
        List<Version> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT version, path, sha256, parent, job_id, created FROM model_versions ORDER BY version");
                ResultSet r = p.executeQuery()) {
            while (r.next()) {
                int parent = r.getInt(4);
                out.add(new Version(r.getInt(1), Path.of(r.getString(2)), r.getString(3), r.wasNull() ? null : parent,
                        r.getString(5), r.getString(6)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("registry: " + e.getMessage(), e);
        }
        return out;
    }

    /** The folder a new version's model is written to before {@link #add}. */
    public Path stagingDir(String jobId) {
        return root.resolve("jobs").resolve(jobId).resolve("model");
    }

    /** Adds the model in {@code dir} (moved into the registry) as a new version; audited. */
    public synchronized Version add(Path dir, int parent, String jobId, String actor) throws IOException {
        int next = versions().stream().mapToInt(Version::version).max().orElse(0) + 1;
        Path target = root.resolve("versions").resolve("v" + next);
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            throw new IOException(target + " exists already; the registry folder and database disagree");
        }
        Files.move(dir, target);
        Version v = insert(target, parent, jobId);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", target.toString());
        d.put("model_sha256", v.sha256());
        d.put("parent", parent);
        d.put("job", jobId);
        audit.append(actor, "version.created", "v" + next, d);
        return v;
    }

    /** Serves {@code version} from now on (promotion, or rollback to an earlier version); audited. */
    public void promote(int version, String actor, String action, Map<String, Object> why) {
        List<BiConsumer<Integer, Path>> ls;
        Version v;
        synchronized (this) {
            v = get(version);
            int from = served();
            setServed(version);
            Map<String, Object> d = new LinkedHashMap<>(why);
            d.put("from", from);
            d.put("to", version);
            d.put("model_sha256_before", get(from).sha256());
            d.put("model_sha256_after", v.sha256());
            audit.append(actor, action, "v" + version, d);
            ls = List.copyOf(listeners);
        }
        for (BiConsumer<Integer, Path> l : ls) {
            l.accept(version, v.path());
        }
    }

    private Version insert(Path dir, Integer parent, String jobId) {
        String sha = modelHash(dir);
        String created = Instant.now().toString();
        int next = versions().stream().mapToInt(Version::version).max().orElse(0) + 1;
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement("INSERT INTO model_versions"
                + " (version, path, sha256, parent, job_id, created) VALUES (?, ?, ?, ?, ?, ?)")) {
            p.setInt(1, next);
            p.setString(2, dir.toString());
            p.setString(3, sha);
            if (parent == null) {
                p.setNull(4, java.sql.Types.INTEGER);
            } else {
                p.setInt(4, parent);
            }
            p.setString(5, jobId);
            p.setString(6, created);
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("registry: " + e.getMessage(), e);
        }
        return new Version(next, dir, sha, parent, jobId, created);
    }

    private void setServed(int version) {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement d = c.prepareStatement("DELETE FROM served_model WHERE id = 1");
                    PreparedStatement i = c.prepareStatement("INSERT INTO served_model (id, version) VALUES (1, ?)")) {
                d.executeUpdate();
                i.setInt(1, version);
                i.executeUpdate();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("registry: " + e.getMessage(), e);
        }
    }

    /** sha256 over "name sha256" lines of a model folder's config.json and *.safetensors files, sorted by name. */
    public static String modelHash(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.filter(f -> {
                String n = f.getFileName().toString();
                return n.equals("config.json") || n.endsWith(".safetensors") && !n.startsWith("checkpoint");
            }).sorted().toList()) {
                sb.append(f.getFileName()).append(' ').append(fileHash(f)).append('\n');
            }
            return AuditTrail.sha256(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot hash the model: " + e.getMessage(), e);
        }
    }

    private static String fileHash(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
