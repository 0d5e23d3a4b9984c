package dev.lethe.serve.infer;

import dev.lethe.transformer.generate.GenerationConfig;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One sequence submitted to the {@link BatchScheduler}: its prompt ids, how to decode it (a {@link GenerationConfig}
 * of the generation chain: max tokens, greedy or temperature/top-k/top-p with a seed, stop strings), whether to
 * compute log-probabilities (and how many top alternatives), the deadline (System.nanoTime) after which it is ended with {@link Finish#TIMEOUT}, and
 * the listener that receives its tokens. {@link #cancel()} (e.g. when the client disconnects) ends it at the next
 * decode step.
 */
public final class Completion {
    /** Why a sequence ended. */
    public enum Finish {
        /** an EOS id or a stop string */
        STOP,
        /** max_tokens reached */
        LENGTH,
        /** the request's deadline passed */
        TIMEOUT,
        /** cancelled, e.g. the client went away */
        CANCELLED
    }

    /** Receives a sequence's output on the scheduler's thread; implementations must not block for long. */
    public interface Listener {
        /**
         * A new token: its id, the text it adds to the continuation (may be empty while a multi-byte character or a
         * possible stop string is held back) and its log-probabilities under the model (null unless asked for).
         */
        void token(int id, String textDelta, TokenLogprobs logprobs);

        /** The end; {@code text} is the whole continuation (cut before a stop string). */
        void finished(Finish finish, String text, int promptTokens, int completionTokens);

        /** The sequence could not run (e.g. an invalid token id); nothing more follows. */
        void failed(RuntimeException error);
    }

    private final int[] prompt;
    private final GenerationConfig config;
    private final boolean logprobs;
    private final int topLogprobs;
    private final long deadlineNanos;
    private final Listener listener;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    final long submittedNanos = System.nanoTime();

    /** {@code topLogprobs}: how many most likely alternatives each token's logprobs list (0 = none). */
    public Completion(int[] prompt, GenerationConfig config, boolean logprobs, int topLogprobs, long deadlineNanos,
            Listener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (config.maxNewTokens() < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1");
        }
        this.prompt = prompt.clone();
        this.config = config;
        this.logprobs = logprobs;
        this.topLogprobs = topLogprobs;
        this.deadlineNanos = deadlineNanos;
        this.listener = listener;
    }

    public int[] prompt() {
        return prompt.clone();
    }

    int promptLength() {
        return prompt.length;
    }

    int promptToken(int i) {
        return prompt[i];
    }

    public GenerationConfig config() {
        return config;
    }

    boolean logprobs() {
        return logprobs;
    }

    int topLogprobs() {
        return topLogprobs;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    Listener listener() {
        return listener;
    }

    public void cancel() {
        cancelled.set(true);
    }

    public boolean cancelled() {
        return cancelled.get();
    }
}
