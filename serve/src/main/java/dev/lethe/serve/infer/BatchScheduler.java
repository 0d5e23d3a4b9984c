package dev.lethe.serve.infer;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.transformer.generate.DecodingStep;
import dev.lethe.transformer.generate.LogitsProcessor;
import dev.lethe.transformer.generate.Sampling;
import dev.lethe.transformer.model.KvCache;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.IncrementalDetokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Continuous batching: one thread runs the model for every sequence in flight. Between two decode steps, sequences
 * that finished (EOS, stop string, max tokens, deadline, cancellation) leave the running batch and waiting ones join:
 * the joiners' prompts are prefilled together (left-padded, in a cache of their own, at most {@code prefillTokens}
 * positions over all their rows per step, each step also decoding the running batch), then {@link KvCache#regroup}
 * builds the next running cache from the rows still running and the new rows, each with its own slots, right-aligned.
 * A decode step feeds every running row its last token at its own position. Waiting requests sit in a bounded queue;
 * {@link #submit} refuses when it is full (HTTP 429). A new model ({@link #swap}) is taken between requests: no new
 * sequence is admitted while one is pending, and it becomes current once the running batch has drained.
 */
public final class BatchScheduler implements AutoCloseable {
    private final int maxBatch;
    private final BlockingQueue<Completion> waiting;
    private final ServeMetrics metrics;
    private final AtomicReference<ServedModel> pending = new AtomicReference<>();
    private final Thread thread;
    private final BufferPool pool = new BufferPool();
    private final StepProfile profile;
    private volatile ServedModel current;
    private volatile boolean closed;
    private volatile int running;
    private List<Sequence> active = new ArrayList<>();
    private List<Sequence> joining = new ArrayList<>();
    private KvCache cache;
    private final int prefillTokens;
    private Prefill prefilling;

    /** Prompt tokens a step prefills by default (all joiners' rows together; see {@link #BatchScheduler(ServedModel,
     * int, int, ServeMetrics, int)}). */
    public static final int DEFAULT_PREFILL_TOKENS = 512;

    /** The queue refused a request. */
    public static final class QueueFullException extends Exception {
        QueueFullException(int capacity) {
            super("the server is busy: " + capacity + " requests are already waiting; retry later");
        }
    }

    public BatchScheduler(ServedModel model, int maxBatch, int queueCapacity, ServeMetrics metrics) {
        this(model, maxBatch, queueCapacity, metrics, DEFAULT_PREFILL_TOKENS);
    }

    /**
     * A scheduler whose steps prefill at most {@code prefillTokens} prompt tokens (over all joining rows; at least one
     * position per row): longer prompts are prefilled in chunks, each step also decoding the running batch, so a long
     * prompt does not stall the sequences already streaming.
     */
    public BatchScheduler(ServedModel model, int maxBatch, int queueCapacity, ServeMetrics metrics,
            int prefillTokens) {
        if (maxBatch < 1 || queueCapacity < 1 || prefillTokens < 1) {
            throw new IllegalArgumentException("max batch, queue capacity and prefill tokens per step must be >= 1");
        }
        this.prefillTokens = prefillTokens;
        this.current = model;
        this.maxBatch = maxBatch;
        this.waiting = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        this.profile = metrics.steps();
        metrics.gauges(() -> running, waiting::size);
        this.thread = new Thread(this::loop, "lethe-batch-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /** The model new requests are answered with (the pending one once a swap was asked for). */
    public ServedModel model() {
        ServedModel p = pending.get();
        return p != null ? p : current;
    }

    /** Queues a sequence; throws when the waiting queue is full. */
    public void submit(Completion c) throws QueueFullException {
        if (closed) {
            throw new IllegalStateException("the scheduler is closed");
        }
        if (!waiting.offer(c)) {
            throw new QueueFullException(waiting.remainingCapacity() + waiting.size());
        }
    }

    /** Serves {@code next} once the sequences running now have finished. */
    public void swap(ServedModel next) {
        pending.set(next);
    }

    /** Sequences in the running batch. */
    public int running() {
        return running;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Sequence s : active) {
            s.c.listener().finished(Completion.Finish.CANCELLED, s.text, s.c.promptLength(), s.generated());
        }
        if (prefilling != null) {
            for (Sequence s : prefilling.rows) {
                s.c.listener().finished(Completion.Finish.CANCELLED, "", s.c.promptLength(), 0);
            }
        }
        Completion c;
        while ((c = waiting.poll()) != null) {
            c.listener().finished(Completion.Finish.CANCELLED, "", c.promptLength(), 0);
        }
    }

    private void loop() {
        while (!closed) {
            try {
                step();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                // a failed model step (e.g. off-heap memory exhausted): every sequence in it, running or joining,
                // fails with the cause, and the scheduler keeps serving the next requests
                RuntimeException err = e instanceof RuntimeException r ? r
                        : new IllegalStateException("the model step failed: " + e, e);
                for (Sequence s : active) {
                    s.c.listener().failed(err);
                }
                for (Sequence s : joining) {
                    s.c.listener().failed(err);
                }
                active = new ArrayList<>();
                joining = new ArrayList<>();
                if (cache != null) {
                    cache.release();
                }
                cache = null;
                if (prefilling != null) {
                    prefilling.cache.release();
                }
                prefilling = null;
                running = 0;
            }
        }
    }

    private void step() throws InterruptedException {
        ServedModel next = pending.get();
        if (next != null && active.isEmpty() && prefilling == null) {
            current = next;
            pending.compareAndSet(next, null);
        }
        List<Sequence> joiners = new ArrayList<>();
        joining = joiners;
        if (pending.get() == null && prefilling == null) {
            if (active.isEmpty()) {
                Completion c = waiting.poll(50, TimeUnit.MILLISECONDS);
                if (c != null) {
                    admit(c, joiners);
                }
            }
            Completion c;
            while (active.size() + joiners.size() < maxBatch && (c = waiting.poll()) != null) {
                admit(c, joiners);
            }
        }
        if (!joiners.isEmpty()) {
            prefilling = new Prefill(joiners);
        }
        if (prefilling != null) {
            joining = prefilling.rows;
            prefillChunk();
        }
        if (!active.isEmpty()) {
            decode();
        }
        joining = new ArrayList<>();
        running = active.size();
    }

    private void admit(Completion c, List<Sequence> joiners) {
        Completion.Finish early = c.cancelled() ? Completion.Finish.CANCELLED
                : System.nanoTime() > c.deadlineNanos() ? Completion.Finish.TIMEOUT : null;
        if (early != null) {
            metrics.ended(early);
            c.listener().finished(early, "", c.promptLength(), 0);
        } else {
            joiners.add(new Sequence(c, current));
        }
    }

    /** Prompts being prefilled, a chunk of positions per step, left-padded in a cache of their own. */
    private final class Prefill {
        final List<Sequence> rows;
        final int length;
        final int[] ids;
        final int[] mask;
        final int[] positions;
        final KvCache cache;
        int done;

        Prefill(List<Sequence> rows) {
            this.rows = rows;
            int b = rows.size();
            int maxLen = 0;
            for (Sequence s : rows) {
                maxLen = Math.max(maxLen, s.c.promptLength());
            }
            length = maxLen;
            ids = new int[b * maxLen];
            mask = new int[b * maxLen];
            for (int i = 0; i < b; i++) {
                Completion c = rows.get(i).c;
                int off = maxLen - c.promptLength();
                for (int t = 0; t < c.promptLength(); t++) {
                    ids[i * maxLen + off + t] = c.promptToken(t);
                    mask[i * maxLen + off + t] = 1;
                }
            }
            positions = TokenBatch.positionsFromMask(mask, b, maxLen);
            cache = KvCache.forModel(current.model(), b, maxLen);
        }

        /** Positions [from, from + n) of every row. */
        TokenBatch chunk(int from, int n) {
            int b = rows.size();
            int[] ci = new int[b * n];
            int[] cm = new int[b * n];
            int[] cp = new int[b * n];
            for (int i = 0; i < b; i++) {
                System.arraycopy(ids, i * length + from, ci, i * n, n);
                System.arraycopy(mask, i * length + from, cm, i * n, n);
                System.arraycopy(positions, i * length + from, cp, i * n, n);
            }
            return new TokenBatch(ci, b, n, cm, cp);
        }
    }

    /**
     * Runs the next chunk of the prompts being prefilled; after the last one, samples their first tokens and merges
     * them into the running batch.
     */
    private void prefillChunk() {
        Prefill p = prefilling;
        int b = p.rows.size();
        int n = Math.min(p.length - p.done, Math.max(1, prefillTokens / b));
        double[][] logits = forward(p.chunk(p.done, n), p.cache, StepProfile.Part.PREFILL_FORWARD);
        p.done += n;
        if (p.done < p.length) {
            return;
        }
        prefilling = null;
        List<Sequence> joiners = p.rows;
        KvCache fresh = p.cache;
        List<KvCache.Row> rows = new ArrayList<>();
        List<Sequence> next = new ArrayList<>();
        for (int i = 0; i < active.size(); i++) {
            rows.add(new KvCache.Row(cache, i));
            next.add(active.get(i));
        }
        long now = System.nanoTime();
        for (int i = 0; i < b; i++) {
            Sequence s = joiners.get(i);
            metrics.firstToken(now - s.c.submittedNanos);
            s.firstTokenNanos = now;
            if (s.advance(logits[i])) {
                rows.add(new KvCache.Row(fresh, i));
                next.add(s);
            }
        }
        regroup(next, rows);
        fresh.release();
    }

    /** One decode step of the running batch; finished sequences leave it. */
    private void decode() {
        int b = active.size();
        int[] ids = new int[b];
        int[] mask = new int[b];
        int[] positions = new int[b];
        for (int i = 0; i < b; i++) {
            Sequence s = active.get(i);
            ids[i] = s.tokens[s.used - 1];
            mask[i] = 1;
            positions[i] = s.used - 1;
        }
        double[][] logits = forward(new TokenBatch(ids, b, 1, mask, positions), cache,
                StepProfile.Part.DECODE_FORWARD);
        List<KvCache.Row> rows = new ArrayList<>();
        List<Sequence> next = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            Sequence s = active.get(i);
            if (s.advance(logits[i])) {
                rows.add(new KvCache.Row(cache, i));
                next.add(s);
            }
        }
        if (next.size() != b || cache.length() == cache.capacity()) {
            regroup(next, rows);
        }
    }

    /** The running batch becomes {@code next}, its cache rebuilt from {@code rows}; the old cache is freed. */
    private void regroup(List<Sequence> next, List<KvCache.Row> rows) {
        profile.start();
        KvCache old = cache;
        active = next;
        if (next.isEmpty()) {
            cache = null;
        } else {
            int headroom = 1;
            for (Sequence s : next) {
                headroom = Math.max(headroom, s.remaining());
            }
            cache = KvCache.regroup(rows, headroom);
        }
        if (old != null) {
            old.release();
        }
        profile.stop(StepProfile.Part.REGROUP, next.size());
    }

    /** The next-token logits [B][V] of the last position of {@code input}. */
    private double[][] forward(TokenBatch input, KvCache kv, StepProfile.Part part) {
        int b = input.batch();
        int v = current.model().config().vocabSize();
        double[][] rows = new double[b][v];
        try (Tape tape = Tape.inference(pool)) {
            profile.start();
            INDArray out = current.model().forwardLast(tape, input, kv).logits().value();
            profile.stop(part, b);
            profile.start();
            long[] stride = out.stride();
            long t = out.size(1) - 1;
            Buf buf = Buf.of(out);
            for (int i = 0; i < b; i++) {
                long base = i * stride[0] + t * stride[1];
                for (int j = 0; j < v; j++) {
                    rows[i][j] = buf.get((int) (base + j * stride[2]));
                }
            }
            profile.stop(StepProfile.Part.LOGITS_COPY, b);
        }
        return rows;
    }

    /** A sequence in the running batch: its tokens so far, sampler, emitted text. */
    private final class Sequence {
        final Completion c;
        final ServedModel model;
        final int[] tokens;
        final SplittableRandom random;
        final List<LogitsProcessor> chain;
        final Set<Integer> eos;
        final IncrementalDetokenizer detokenizer;
        final int longestStop;
        int used;
        String text = "";
        String emitted = "";
        long firstTokenNanos;

        Sequence(Completion c, ServedModel model) {
            this.c = c;
            this.model = model;
            this.tokens = Arrays.copyOf(c.prompt(), c.promptLength() + c.config().maxNewTokens());
            this.used = c.promptLength();
            this.random = new SplittableRandom(c.config().seed());
            this.chain = c.config().chain();
            this.eos = c.config().eosIds() != null ? Set.copyOf(c.config().eosIds()) : model.eosIds();
            this.detokenizer = new IncrementalDetokenizer(model.tokenizer(), c.prompt());
            this.longestStop = c.config().stopStrings().stream().mapToInt(String::length).max().orElse(0);
        }

        int generated() {
            return used - c.promptLength();
        }

        int remaining() {
            return c.config().maxNewTokens() - generated();
        }

        /** Chooses the next token from {@code raw} logits, tells the listener; false once the sequence ended. */
        boolean advance(double[] raw) {
            if (c.cancelled()) {
                return end(Completion.Finish.CANCELLED);
            }
            if (System.nanoTime() > c.deadlineNanos()) {
                return end(Completion.Finish.TIMEOUT);
            }
            profile.start();
            double[][] scores = {c.logprobs() ? raw.clone() : raw};
            if (!chain.isEmpty()) {
                DecodingStep ctx = new DecodingStep(generated(), new int[][] {Arrays.copyOf(tokens, used)}, ownInput(),
                        new boolean[1], tokens.length);
                for (LogitsProcessor p : chain) {
                    p.process(ctx, scores);
                }
            }
            int tok = c.config().sample() ? Sampling.sample(scores[0], random) : Sampling.argmax(scores[0]);
            TokenLogprobs logprob = c.logprobs() ? TokenLogprobs.of(raw, tok, c.topLogprobs()) : null;
            tokens[used++] = tok;
            profile.stop(StepProfile.Part.SAMPLE, 1);
            profile.start();
            detokenizer.add(tok);
            text = detokenizer.text();
            profile.stop(StepProfile.Part.DETOKENIZE, 1);
            profile.start();
            Completion.Finish finish = null;
            List<String> stops = c.config().stopStrings();
            // earlier texts held no stop string, so only ones reaching into the changed end can be new
            int cut = firstStop(text, stops, Math.max(0, detokenizer.changedFrom() - longestStop + 1));
            if (cut >= 0) {
                text = text.substring(0, cut);
                finish = Completion.Finish.STOP;
            } else if (eos.contains(tok)) {
                finish = Completion.Finish.STOP;
            } else if (remaining() == 0) {
                finish = Completion.Finish.LENGTH;
            }
            String safe = finish != null ? text : heldBack(text, stops);
            String delta = safe.startsWith(emitted) ? safe.substring(emitted.length()) : "";
            if (safe.startsWith(emitted)) {
                emitted = safe;
            }
            c.listener().token(tok, delta, logprob);
            profile.stop(StepProfile.Part.STOP_AND_STREAM, 1);
            return finish == null || end(finish);
        }

        /**
         * This sequence's model input of the step as {@code Generator} feeds a batch of one (the prompt at step 0, then
         * the last token at its position), for processors that run a second model on it (CD's amateur, APD's ALM').
         */
        private TokenBatch ownInput() {
            if (generated() == 0) {
                int n = c.promptLength();
                int[] ones = new int[n];
                Arrays.fill(ones, 1);
                return new TokenBatch(c.prompt(), 1, n, ones, TokenBatch.positionsFromMask(ones, 1, n));
            }
            return new TokenBatch(new int[] {tokens[used - 1]}, 1, 1, new int[] {1}, new int[] {used - 1});
        }

        private boolean end(Completion.Finish finish) {
            long now = System.nanoTime();
            if (generated() > 0) {
                metrics.finished(firstTokenNanos - c.submittedNanos, now - c.submittedNanos, generated());
            }
            metrics.ended(finish);
            c.listener().finished(finish, text, c.promptLength(), generated());
            return false;
        }
    }

    /** Start of the earliest stop string in {@code text} that starts at or after {@code from}, or -1. */
    static int firstStop(String text, List<String> stops, int from) {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /**
     * The part of a running continuation that is safe to stream: without a trailing replacement character (an
     * incomplete multi-byte character) and without a trailing piece that may be the start of a stop string.
     */
    static String heldBack(String text, List<String> stops) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        int keep = end;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, end); k > 0; k--) {
                if (text.startsWith(s.substring(0, k), end - k)) {
                    keep = Math.min(keep, end - k);
                    break;
                }
            }
        }
        return text.substring(0, keep);
    }
}
