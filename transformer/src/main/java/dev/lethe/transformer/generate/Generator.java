package dev.lethe.transformer.generate;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.KvCache;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Autoregressive decoding with a {@link CausalLM} and a {@link KvCache}: the prompts of a batch are left-padded to a
 * common length (positions cumsum(mask) - 1, as Hugging Face's generate() does), run once through the model, then
 * one token per row is fed per step. Each step's next-token logits [B, V] go through the {@link LogitsProcessor}
 * chain of the {@link GenerationConfig} and are then reduced by argmax or a seeded draw. A row stops on an EOS id, on
 * a stop string found in its decoded continuation, or after {@code maxNewTokens}; a finished row is fed the padding
 * id with mask 0 until every row is done. Each step runs on an inference tape over one {@link BufferPool} per call,
 * so memory stays flat over long generations. A generator holds no state between calls; the tokenizer (may be null)
 * is needed for stop strings, for text prompts and for the decoded text of the results, which is the continuation
 * of the prompt's text (leading space kept).
 */
public final class Generator {
    private final CausalLM model;
    private final Tokenizer tokenizer;

    public Generator(CausalLM model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public CausalLM model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Encodes each prompt with the tokenizer (its special tokens added, e.g. BOS) and generates from it. */
    public List<Generation> generateText(List<String> prompts, GenerationConfig config) {
        if (tokenizer == null) {
            throw new IllegalStateException("text prompts need a tokenizer; construct the Generator with one");
        }
        List<int[]> ids = new ArrayList<>();
        for (String p : prompts) {
            ids.add(tokenizer.encode(p, true));
        }
        return generate(ids, config);
    }

    /** Generates from one prompt. */
    public Generation generate(int[] prompt, GenerationConfig config) {
        return generate(List.of(prompt), config).get(0);
    }

    /** Generates from each prompt (a batch, left-padded); the results are in prompt order. */
    public List<Generation> generate(List<int[]> prompts, GenerationConfig config) {
        int b = prompts.size();
        if (b == 0) {
            return List.of();
        }
        int vocab = model.config().vocabSize();
        int maxLen = 0;
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            if (p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; start it with at least one token"
                        + " (e.g. the BOS id)");
            }
            for (int id : p) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("prompt " + i + " has token id " + id + ", outside the model's"
                            + " vocabulary [0, " + vocab + ")");
                }
            }
            maxLen = Math.max(maxLen, p.length);
        }
        if (!config.stopStrings().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the continuation; construct"
                    + " the Generator with one");
        }
        Set<Integer> eos = eosIds(config);
        int pad = padId(config, eos);
        if (pad < 0 || pad >= vocab) {
            throw new IllegalArgumentException("padding id " + pad + " is outside the vocabulary [0, " + vocab + ")");
        }
        List<LogitsProcessor> chain = config.chain();
        SplittableRandom random = new SplittableRandom(config.seed());

        int[][] tokens = new int[b][];
        int[] used = new int[b];
        int[] nextPos = new int[b];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            tokens[i] = Arrays.copyOf(p, p.length + config.maxNewTokens());
            used[i] = p.length;
            nextPos[i] = p.length;
        }
        Generation.FinishReason[] reason = new Generation.FinishReason[b];
        String[] stopText = new String[b];
        List<List<float[]>> kept = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            kept.add(new ArrayList<>());
        }

        // left-padded prefill
        int[] ids = new int[b * maxLen];
        int[] mask = new int[b * maxLen];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int off = maxLen - p.length;
            Arrays.fill(ids, i * maxLen, i * maxLen + off, pad);
            System.arraycopy(p, 0, ids, i * maxLen + off, p.length);
            Arrays.fill(mask, i * maxLen + off, (i + 1) * maxLen, 1);
        }
        TokenBatch input = new TokenBatch(ids, b, maxLen, mask, TokenBatch.positionsFromMask(mask, b, maxLen));

        if (config.maxNewTokens() > 0) {
            KvCache cache = KvCache.forModel(model, b, maxLen + config.maxNewTokens());
            BufferPool pool = new BufferPool();
            double[][] logits = new double[b][vocab];
            boolean[] finished = new boolean[b];
            for (int step = 0; step < config.maxNewTokens(); step++) {
                try (Tape tape = Tape.inference(pool)) {
                    INDArray out = model.forward(tape, input, cache, false).logits().value();
                    lastPosition(out, logits);
                }
                if (config.keepLogits()) {
                    for (int i = 0; i < b; i++) {
                        if (!finished[i]) {
                            float[] f = new float[vocab];
                            for (int j = 0; j < vocab; j++) {
                                f[j] = (float) logits[i][j];
                            }
                            kept.get(i).add(f);
                        }
                    }
                }
                int[][] sofar = new int[b][];
                for (int i = 0; i < b; i++) {
                    sofar[i] = Arrays.copyOf(tokens[i], used[i]);
                }
                DecodingStep ctx = new DecodingStep(step, sofar, input, finished.clone(), cache.capacity());
                for (LogitsProcessor p : chain) {
                    p.process(ctx, logits);
                }
                int[] next = new int[b];
                int[] nextMask = new int[b];
                int[] positions = new int[b];
                boolean allDone = true;
                for (int i = 0; i < b; i++) {
                    if (finished[i]) {
                        next[i] = pad;
                        continue;
                    }
                    int tok = config.sample() ? Sampling.sample(logits[i], random) : Sampling.argmax(logits[i]);
                    tokens[i][used[i]++] = tok;
                    next[i] = tok;
                    if (eos.contains(tok)) {
                        finished[i] = true;
                        reason[i] = Generation.FinishReason.EOS;
                    } else if (!config.stopStrings().isEmpty()) {
                        String text = continuation(tokens[i], prompts.get(i).length, used[i]);
                        int cut = firstStop(text, config.stopStrings());
                        if (cut >= 0) {
                            finished[i] = true;
                            reason[i] = Generation.FinishReason.STOP_STRING;
                            stopText[i] = text.substring(0, cut);
                        }
                    }
                    if (!finished[i]) {
                        allDone = false;
                        nextMask[i] = 1;
                        positions[i] = nextPos[i]++;
                    }
                }
                if (allDone || step == config.maxNewTokens() - 1) {
                    break;
                }
                input = new TokenBatch(next, b, 1, nextMask, positions);
            }
        }

        List<Generation> results = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            int plen = prompts.get(i).length;
            int[] gen = Arrays.copyOfRange(tokens[i], plen, used[i]);
            String text = stopText[i];
            if (text == null && tokenizer != null) {
                text = continuation(tokens[i], plen, used[i]);
            }
            Generation.FinishReason r = reason[i] == null ? Generation.FinishReason.LENGTH : reason[i];
            results.add(new Generation(prompts.get(i).clone(), gen, text, r, List.copyOf(kept.get(i))));
        }
        return results;
    }

    /** Copies logits[:, T-1, :] of a [B, T, V] array into {@code rows}. */
    static void lastPosition(INDArray out, double[][] rows) {
        long[] stride = out.stride();
        long t = out.size(1) - 1;
        int v = (int) out.size(2);
        Buf buf = Buf.of(out);
        for (int i = 0; i < rows.length; i++) {
            long base = i * stride[0] + t * stride[1];
            for (int j = 0; j < v; j++) {
                rows[i][j] = buf.get((int) (base + j * stride[2]));
            }
        }
    }

    /**
     * Text of tokens [from, to) as a continuation of row[0, from): the decoded whole row minus the decoded prompt, as
     * Hugging Face's text-generation pipeline does, so a leading space is kept (SentencePiece decoders strip one from
     * the first token of a text); the ids alone are decoded when the prompt's text is not a prefix of the whole.
     */
    private String continuation(int[] row, int from, int to) {
        String whole = tokenizer.decode(Arrays.copyOf(row, to), true);
        String prompt = tokenizer.decode(Arrays.copyOf(row, from), true);
        return whole.startsWith(prompt) ? whole.substring(prompt.length())
                : tokenizer.decode(Arrays.copyOfRange(row, from, to), true);
    }

    /** Start of the earliest stop string in {@code text}, or -1. */
    static int firstStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    private Set<Integer> eosIds(GenerationConfig config) {
        if (config.eosIds() != null) {
            return new LinkedHashSet<>(config.eosIds());
        }
        Set<Integer> s = new LinkedHashSet<>(model.config().eosTokenIds());
        if (tokenizer != null) {
            tokenizer.eosId().ifPresent(s::add);
        }
        return s;
    }

    private int padId(GenerationConfig config, Set<Integer> eos) {
        if (config.padId() != null) {
            return config.padId();
        }
        if (model.config().padTokenId() != null) {
            return model.config().padTokenId();
        }
        if (tokenizer != null && tokenizer.padId().isPresent()) {
            return tokenizer.padId().getAsInt();
        }
        return eos.isEmpty() ? 0 : eos.iterator().next();
    }
}
