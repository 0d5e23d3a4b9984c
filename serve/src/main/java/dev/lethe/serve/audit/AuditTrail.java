package dev.lethe.serve.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The append-only audit trail: one row per job or model-version change (who, what, which subject, details as JSON:
 * recipe, settings, sha256 of the forget data and of the model before and after, metrics, times). Rows are
 * hash-chained: {@code hash = sha256(seq | time | actor | action | subject | details | prev_hash)} with the first
 * row's prev_hash 64 zeros, so editing or deleting a row breaks the chain at that row. The head (last seq and hash)
 * is also written to a file beside the database, so deleting the newest rows is detected too.
 */
public final class AuditTrail {
    private static final String GENESIS = "0".repeat(64);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** One row. */
    public record Entry(long seq, String time, String actor, String action, String subject, String details,
                        String prevHash, String hash) {
    }

    /** Result of {@link #verify()}: ok, rows checked, and the first problem found. */
    public record Verification(boolean ok, long rows, String problem) {
    }

    private final Database db;
    private final Path headFile;

    public AuditTrail(Database db, Path headFile) {
        this.db = db;
        this.headFile = headFile;
    }

    /** Appends a record; returns it. */
    public synchronized Entry append(String actor, String action, String subject, Map<String, ?> details) {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            long seq = 1;
            String prev = GENESIS;
            try (PreparedStatement q = c.prepareStatement("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
                    ResultSet r = q.executeQuery()) {
                if (r.next()) {
                    seq = r.getLong(1) + 1;
                    prev = r.getString(2);
                }
            }
            String time = Instant.now().toString();
            String d = JSON.writeValueAsString(details);
            String hash = hash(seq, time, actor, action, subject, d, prev);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO audit_log (seq, at_time, actor, action,"
                    + " subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ins.setLong(1, seq);
                ins.setString(2, time);
                ins.setString(3, actor);
                ins.setString(4, action);
                ins.setString(5, subject);
                ins.setString(6, d);
                ins.setString(7, prev);
                ins.setString(8, hash);
                ins.executeUpdate();
            }
            c.commit();
            writeHead(seq, hash);
            return new Entry(seq, time, actor, action, subject, d, prev, hash);
        } catch (SQLException e) {
            throw new IllegalStateException("audit trail " + db.url() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every row in order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement q = c.prepareStatement("SELECT seq, at_time, actor,"
                + " action, subject, details, prev_hash, hash FROM audit_log ORDER BY seq");
                ResultSet r = q.executeQuery()) {
            while (r.next()) {
                out.add(new Entry(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
                        r.getString(6), r.getString(7), r.getString(8)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("audit trail " + db.url() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Recomputes the chain; names the first row whose hash, link or number is wrong. */
    public Verification verify() {
        List<Entry> rows = entries();
        String prev = GENESIS;
        long expect = 1;
        for (Entry e : rows) {
            if (e.seq() != expect) {
                return new Verification(false, rows.size(), "row " + expect + " is missing (next row is " + e.seq()
                        + ")");
            }
            if (!e.prevHash().equals(prev)) {
                return new Verification(false, rows.size(), "row " + e.seq() + " does not link to row " + (e.seq() - 1)
                        + " (prev_hash differs)");
            }
            String h = hash(e.seq(), e.time(), e.actor(), e.action(), e.subject(), e.details(), e.prevHash());
            if (!h.equals(e.hash())) {
                return new Verification(false, rows.size(), "row " + e.seq() + " was modified (its hash does not"
                        + " match its content)");
            }
            prev = e.hash();
            expect++;
        }
        try {
            if (Files.exists(headFile)) {
                // the head is written just after each commit: it may lag the table by the row of a crash, never lead
                String[] head = Files.readString(headFile).strip().split(" ");
                long seq = Long.parseLong(head[0]);
                if (seq > rows.size() || seq > 0 && !rows.get((int) seq - 1).hash().equals(head[1])) {
                    return new Verification(false, rows.size(), "the chain ends at row " + rows.size() + " but "
                            + headFile + " records row " + seq + " with another hash: rows were deleted from the end"
                            + " or replaced");
                }
            }
        } catch (IOException e) {
            return new Verification(false, rows.size(), "cannot read " + headFile + ": " + e.getMessage());
        }
        return new Verification(true, rows.size(), null);
    }

    static String hash(long seq, String time, String actor, String action, String subject, String details,
            String prev) {
        return sha256(String.join("|", Long.toString(seq), time, actor, action, subject, details, prev)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Hex sha256 of bytes. */
    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeHead(long seq, String hash) throws IOException {
        Path tmp = headFile.resolveSibling(headFile.getFileName() + ".tmp");
        Files.writeString(tmp, seq + " " + hash + "\n");
        Files.move(tmp, headFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
