package dev.lethe.serve.audit;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * API keys: 32 random bytes shown once at creation ({@code lethe-} + hex), stored as their sha256 only (a key has 256
 * bits of entropy, so a plain hash cannot be reversed by search), each with a scope. Scopes nest: {@code admin}
 * covers {@code jobs}, which covers {@code infer}.
 */
public final class ApiKeys {
    /** What a key may do. */
    public enum Scope {
        INFER, JOBS, ADMIN;

        public boolean covers(Scope other) {
            return ordinal() >= other.ordinal();
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Scope parse(String s) {
            for (Scope v : values()) {
                if (v.label().equals(s)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("scope must be infer, jobs or admin, got '" + s + "'");
        }
    }

    /** An authenticated caller. */
    public record Principal(String id, Scope scope, String label) {
    }

    /** A new key: its id and the secret, shown once. */
    public record Created(String id, String secret, Scope scope) {
    }

    private final Database db;
    private final SecureRandom random = new SecureRandom();

    public ApiKeys(Database db) {
        this.db = db;
    }

    public Created create(Scope scope, String label) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        String secret = "lethe-" + HexFormat.of().formatHex(b);
        byte[] idBytes = new byte[6];
        random.nextBytes(idBytes); // independent of the secret
        String id = "key_" + HexFormat.of().formatHex(idBytes);
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO api_keys (id, key_hash, scope, label, created) VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, id);
            p.setString(2, hash(secret));
            p.setString(3, scope.label());
            p.setString(4, label == null ? "" : label);
            p.setString(5, Instant.now().toString());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("api keys: " + e.getMessage(), e);
        }
        return new Created(id, secret, scope);
    }

    /** The caller a key belongs to, if it is a known, unrevoked key. */
    public Optional<Principal> check(String secret) {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "SELECT id, scope, label FROM api_keys WHERE key_hash = ? AND revoked = FALSE")) {
            p.setString(1, hash(secret));
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(new Principal(r.getString(1), Scope.parse(r.getString(2)),
                        r.getString(3))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("api keys: " + e.getMessage(), e);
        }
    }

    /** Revokes a key by id; false when there is no such key. */
    public boolean revoke(String id) {
        try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement(
                "UPDATE api_keys SET revoked = TRUE WHERE id = ?")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("api keys: " + e.getMessage(), e);
        }
    }

    static String hash(String secret) {
        return AuditTrail.sha256(secret.getBytes(StandardCharsets.UTF_8));
    }
}
