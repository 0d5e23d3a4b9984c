package dev.lethe.optim.train;

import java.nio.file.Path;

/** Child JVM for {@link RunFolderLockTest}: takes the run folder's lock, says so on stdout, and waits to be killed. */
public final class RunFolderLockHolder {
    private RunFolderLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        RunFolderLock lock = RunFolderLock.acquire(Path.of(args[0]), "holder-test-command");
        System.out.println("locked " + lock.file());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
