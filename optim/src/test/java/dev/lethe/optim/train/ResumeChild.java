package dev.lethe.optim.train;

import java.nio.file.Path;

/** Child JVM for the kill -9 test: trains the fixture with a checkpoint every step, slowly, until killed. */
public final class ResumeChild {
    private ResumeChild() {
    }

    public static void main(String[] args) {
        Trainer<Fixture.QBatch> t = Fixture.trainer(Fixture.theta(Fixture.INIT), Fixture.rule(), new Fixture.Source(-1),
                Path.of(args[0]), 1, line -> {
                    try {
                        Thread.sleep(400);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        t.run();
    }
}
