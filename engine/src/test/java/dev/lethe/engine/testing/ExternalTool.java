package dev.lethe.engine.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need a program outside the JVM (python3, headless Chromium, node/npm, PostgreSQL):
 * under CI ({@code CI} or {@code LETHE_CI} set; {@code .ci/run} installs every one of them) a missing program fails
 * the test; on a developer machine the test is skipped with the reason printed and reported, never silently.
 */
public final class ExternalTool {
    private ExternalTool() {
    }

    /** Whether this run is CI's ({@code .ci/run} exports LETHE_CI=1). */
    public static boolean underCi() {
        return System.getenv("CI") != null || System.getenv("LETHE_CI") != null;
    }

    /** Fails (CI) or skips with {@code why} printed (elsewhere) unless {@code present}. */
    public static void require(boolean present, String why) {
        if (present) {
            return;
        }
        if (underCi()) {
            Assertions.fail(why + " (required under CI)");
        }
        System.out.println("skipped: " + why);
        Assumptions.abort(why);
    }
}
