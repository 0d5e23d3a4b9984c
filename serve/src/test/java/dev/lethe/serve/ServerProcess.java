package dev.lethe.serve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A server in its own JVM for {@link KillAndResumeTest}: args REGISTRY MODEL PORT_FILE; runs until killed. */
public final class ServerProcess {
    private ServerProcess() {
    }

    public static void main(String[] args) throws Exception {
        LetheServer server = LetheServer.start(ServerConfig.of(Path.of(args[1])).withModelId("demo").withPort(0)
                .withRegistry(Path.of(args[0]), null).withBatching(2, 4, Duration.ofSeconds(60)));
        Path tmp = Path.of(args[2] + ".tmp");
        Files.writeString(tmp, Integer.toString(server.port()));
        Files.move(tmp, Path.of(args[2]), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(Long.MAX_VALUE);
    }
}
