package dev.lethe.eval;

/**
 * Progress of a long evaluation: {@code stage} names what runs (e.g. "forget: probabilities"), {@code done} of
 * {@code total} units are finished. Callbacks come from the evaluating thread; {@link #NONE} ignores them.
 */
@FunctionalInterface
public interface Progress {

    /** A callback that does nothing. */
    Progress NONE = (stage, done, total) -> { };

    void update(String stage, int done, int total);
}
