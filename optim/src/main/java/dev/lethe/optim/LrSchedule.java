package dev.lethe.optim;

/**
 * A learning-rate schedule as the multiplier of the base rate at each optimizer step (0-based), with the semantics of
 * Hugging Face's {@code get_constant_schedule_with_warmup}, {@code get_linear_schedule_with_warmup} and
 * {@code get_cosine_schedule_with_warmup}: during warm-up the factor is {@code step / max(1, warmup)} (so the very
 * first step runs at rate 0 when warm-up is on), then constant, linearly decaying to 0 at {@code total}, or following
 * half a cosine to 0 at {@code total}.
 */
@FunctionalInterface
public interface LrSchedule {
    /** Multiplier of the base learning rate for the optimizer step with 0-based index {@code step}. */
    double factor(long step);

    /** The learning rate at {@code step}. */
    default double lr(double base, long step) {
        return base * factor(step);
    }

    static LrSchedule constant() {
        return step -> 1.0;
    }

    static LrSchedule constant(long warmup) {
        return step -> step < warmup ? (double) step / Math.max(1, warmup) : 1.0;
    }

    static LrSchedule linear(long warmup, long total) {
        return step -> step < warmup ? (double) step / Math.max(1, warmup)
                : Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    /** Cosine with {@code cycles} = 0.5 (HF's default): one half-wave from 1 to 0 after warm-up. */
    static LrSchedule cosine(long warmup, long total) {
        return cosine(warmup, total, 0.5);
    }

    static LrSchedule cosine(long warmup, long total, double cycles) {
        return step -> {
            if (step < warmup) {
                return (double) step / Math.max(1, warmup);
            }
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
        };
    }
}
