package dev.lethe.serve.audit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

/**
 * The JDBC database of a registry: by default an embedded H2 file {@code lethe.mv.db} inside the registry folder,
 * else the given JDBC URL. The schema is created and upgraded by Flyway from {@code db/migration} on open. Each
 * call of {@link #connect()} opens a connection; callers close it.
 */
public final class Database implements AutoCloseable {
    private final String url;

    private Database(String url) {
        this.url = url;
    }

    /** Opens (and migrates) the database of {@code registry}, or {@code jdbcUrl} when not null. */
    public static Database open(Path registry, String jdbcUrl) {
        String url = jdbcUrl != null ? jdbcUrl
                : "jdbc:h2:file:" + registry.toAbsolutePath().resolve("lethe") + ";AUTO_SERVER=FALSE";
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").load().migrate();
        return new Database(url);
    }

    public String url() {
        return url;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public void close() {
        // connections are per call; H2 closes the file when the last one closes
    }
}
