package dev.lethe.optim.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive use of a run folder (the {@code --out} of {@code lethe unlearn}, {@code finetune}, {@code relearn},
 * {@code edit}, ...) so that two runs never write over each other's checkpoint, metrics and model:
 *
 * <pre>{@code
 * try (RunFolderLock lock = RunFolderLock.acquire(out, "lethe unlearn --recipe npo")) {
 *     ... write into out ...
 * }
 * }</pre>
 *
 * <p>The lock is an operating-system lock ({@link FileChannel#tryLock()}) on the file {@value #FILE_NAME} in the
 * folder, so it ends with the process that holds it: a crashed or killed run leaves no stuck lock, only the file,
 * which the next run takes over. The file names the holder (pid, host, what it runs, when it started), and a refused
 * run reports that in a {@link InUseException}. Within one JVM the lock is re-entrant for the thread that holds it (a
 * command may take it before calling a job that takes it again) and refused to other threads.
 */
public final class RunFolderLock implements AutoCloseable {

    /** Name of the lock file inside the run folder; it stays after a run, empty once released. */
    public static final String FILE_NAME = ".lethe-run.lock";

    /** Locks this JVM holds, by lock file: the operating system's lock is per process, so threads are told apart here. */
    private static final Map<Path, Held> HELD = new ConcurrentHashMap<>();

    private final Held held;
    private boolean closed;

    /** Thrown when another process, or another thread of this one, is using the folder. */
    public static final class InUseException extends IllegalStateException {
        private final Path folder;
        private final String holder;

        InUseException(Path folder, String holder) {
            super(folder + " is in use by another run: " + holder + "; wait for it to finish or choose another"
                    + " output folder");
            this.folder = folder;
            this.holder = holder;
        }

        /** The folder that is in use. */
        public Path folder() {
            return folder;
        }

        /** The holder as the lock file describes it ({@code command (pid N on host H, started T)}). */
        public String holder() {
            return holder;
        }
    }

    private static final class Held {
        final Path file;
        final FileChannel channel;
        final FileLock lock;
        final Thread owner;
        final String description;
        int count = 1;

        Held(Path file, FileChannel channel, FileLock lock, String description) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
            this.owner = Thread.currentThread();
            this.description = description;
        }
    }

    private RunFolderLock(Held held) {
        this.held = held;
    }

    /**
     * Takes the run folder {@code dir} (created if missing) for {@code command}, a short description of the run
     * written into the lock file, e.g. {@code "lethe unlearn --recipe npo"}.
     *
     * @throws InUseException when another process or another thread of this one holds it
     */
    public static RunFolderLock acquire(Path dir, String command) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME).toAbsolutePath().normalize();
        synchronized (HELD) {
            Held mine = HELD.get(file);
            if (mine != null) {
                if (mine.owner != Thread.currentThread()) {
                    throw new InUseException(dir, mine.description + " in thread '" + mine.owner.getName()
                            + "' of this process");
                }
                mine.count++;
                return new RunFolderLock(mine);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                ch.close();
                throw new InUseException(dir, "another channel of this process (pid " + ProcessHandle.current().pid()
                        + ") that did not go through RunFolderLock");
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                String holder = readHolder(ch);
                ch.close();
                throw new InUseException(dir, holder);
            }
            String description = describeSelf(command);
            try {
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((description + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(false);
            } catch (IOException e) {
                lock.release();
                ch.close();
                throw e;
            }
            Held h = new Held(file, ch, lock, description);
            HELD.put(file, h);
            return new RunFolderLock(h);
        }
    }

    /** The lock file this lock holds. */
    public Path file() {
        return held.file;
    }

    /** Releases this hold; the last release of the thread empties the lock file and unlocks it. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            if (--held.count > 0) {
                return;
            }
            HELD.remove(held.file);
            try {
                held.channel.truncate(0);
            } finally {
                held.lock.release();
                held.channel.close();
            }
        }
    }

    /** {@code command (pid N on host H, started T)} for this process. */
    private static String describeSelf(String command) {
        return command + " (pid " + ProcessHandle.current().pid() + " on host " + hostName() + ", started "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ")";
    }

    /** What the holder wrote into the lock file, read through the channel (closing another one would drop locks). */
    private static String readHolder(FileChannel ch) {
        try {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
            ch.read(buf, 0);
            String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "a process that has not yet written its name" : s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "unknown" : env;
        }
    }
}
