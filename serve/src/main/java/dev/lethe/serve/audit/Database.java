package dev.lethe.serve.audit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The JDBC database of a registry: by default an embedded H2 file {@code lethe.mv.db} inside the registry folder,
 * written through on every commit, else the given JDBC URL. The schema is created and upgraded by Flyway from {@code db/migration} on open. One
 * connection is held open until {@link #close()}, so the embedded file stays open (and locked against other
 * processes) for the owner's lifetime; {@link #connect()} opens a further connection per call, which callers close.
 */
public final class Database implements AutoCloseable {
    private final String url;
    private final Connection keeper;

    private Database(String url, Connection keeper) {
        this.url = url;
        this.keeper = keeper;
    }

    /** Opens (and migrates) the database of {@code registry}, or {@code jdbcUrl} when not null. */
    public static Database open(Path registry, String jdbcUrl) {
        // WRITE_DELAY=0: each commit reaches the file before the call returns, so a killed server loses no record
        String url = jdbcUrl != null ? jdbcUrl
                : "jdbc:h2:file:" + registry.toAbsolutePath().resolve("lethe") + ";WRITE_DELAY=0";
        try {
            Connection keeper = DriverManager.getConnection(url);
            Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
            return new Database(url, keeper);
        } catch (SQLException | FlywayException e) {
            String inUse = String.valueOf(e.getMessage()).contains("already in use") ? " (a running lethe serve holds"
                    + " it: stop the server first, or use its HTTP API)" : "";
            throw new IllegalStateException("cannot open the registry database " + url + inUse + ": "
                    + e.getMessage(), e);
        }
    }

    public String url() {
        return url;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public void close() {
        try {
            keeper.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing " + url + ": " + e.getMessage(), e);
        }
    }
}
