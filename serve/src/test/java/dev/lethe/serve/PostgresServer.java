package dev.lethe.serve;

import static org.assertj.core.api.Assertions.fail;

import dev.lethe.engine.testing.ExternalTool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} into a folder under target/, {@code pg_ctl start} on a free
 * port of 127.0.0.1 (trust authentication, loopback only, fsync off), stopped by its postmaster pid on
 * {@link #close()}. The binaries come from Debian's {@code postgresql} package (/usr/lib/postgresql/N/bin, the highest
 * N). initdb refuses to run as root, so as root every server command runs as the package's {@code postgres} system
 * user (runuser) on a folder it owns. Without the binaries the test fails in CI (the CI or LETHE_CI variable is set;
 * .ci/run installs the package) and is skipped, with the reason, elsewhere.
 */
final class PostgresServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final long pid;

    private PostgresServer(Path dir, int port, long pid) {
        this.dir = dir;
        this.port = port;
        this.pid = pid;
    }

    /** The bin folder of the newest installed PostgreSQL, if any. */
    static Optional<Path> binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent())));
        }
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Starts a fresh server with its data in {@code dir} (created). */
    static PostgresServer start(Path dir) throws Exception {
        Optional<Path> bin = binaries();
        if (bin.isEmpty()) {
            String why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install the Debian"
                    + " package postgresql (apt-get install -y postgresql; .ci/run does)";
            ExternalTool.require(false, why);
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.createDirectories(dir);
        if (root) {
            UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres");
            Files.setOwner(dir, postgres);
        }
        Path data = dir.resolve("data");
        run(root, dir, bin.get().resolve("initdb").toString(), "-D", data.toString(), "-U", "lethe", "--auth=trust",
                "-E", "UTF8", "--no-sync");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        run(root, dir, bin.get().resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                dir.resolve("server.log").toString(), "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -p "
                        + port + " -k " + dir + " -c fsync=off", "start");
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        return new PostgresServer(dir, port, pid);
    }

    private static void run(boolean root, Path dir, String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        Path log = dir.resolve("commands.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish in 120 s; see " + log);
        }
        if (p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + Files.readString(log));
        }
    }

    /** JDBC URL of the default database, as the trusted superuser. */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=lethe";
    }

    /** Fast shutdown (SIGINT to the postmaster), waits for it to exit, then deletes the data folder. */
    @Override
    public void close() throws Exception {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return;
        }
        new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
        try {
            h.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            h.get().destroyForcibly();
            fail("the PostgreSQL server (pid " + pid + ", " + dir + ") did not stop in 60 s after SIGINT");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
