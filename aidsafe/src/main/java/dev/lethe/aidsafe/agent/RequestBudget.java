package dev.lethe.aidsafe.agent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A cap on the requests one run sends (every attempt counts, retries included), shared by all agents of the run.
 * {@link #take()} throws {@link ExhaustedException} once the cap is reached; 0 means no cap.
 */
public final class RequestBudget {
    /** Thrown when the run has sent its last allowed request; the run stops and keeps what it finished. */
    public static final class ExhaustedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ExhaustedException(long limit) {
            super("request budget of " + limit + " requests spent; rerun to continue (finished prompts are skipped)"
                    + " or raise the budget");
        }
    }

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public RequestBudget(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("request budget must be >= 0 (0: none), got " + limit);
        }
        this.limit = limit;
    }

    public static RequestBudget unlimited() {
        return new RequestBudget(0);
    }

    /** Counts one request, or throws when none is left. */
    public void take() {
        if (limit > 0 && used.incrementAndGet() > limit) {
            used.decrementAndGet();
            throw new ExhaustedException(limit);
        }
        if (limit == 0) {
            used.incrementAndGet();
        }
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
