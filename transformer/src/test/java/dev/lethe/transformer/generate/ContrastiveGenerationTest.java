package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Contrastive decoding and APD inside the generator, with two different tiny models (llama3 as the expert/LLM, qwen2
 * as the amateur/ALM'): the KV-cache path against a recompute of both models over the whole sequence at every step,
 * a left-padded batch against each prompt alone, CD with tau = 0 against plain decoding under the plausibility mask,
 * and the clear errors (different vocabularies, a missing ALM', a processor shared by two calls).
 */
class ContrastiveGenerationTest {
    static final int[] PROMPT = {5, 17, 3, 99, 42};

    /** Next-token logits of the whole sequence without a cache. */
    static double[] fullLogits(CausalLM model, int[] seq) {
        try (Tape tape = Tape.inference(new BufferPool())) {
            INDArray out = model.forward(tape, TokenBatch.of(seq)).logits().value();
            double[][] row = new double[1][model.config().vocabSize()];
            Generator.lastPosition(out, row);
            return row[0];
        }
    }

    /** Greedy decoding on {@code score(main logits, second log-probs)}, both models recomputed at every step. */
    static int[] recompute(CausalLM main, CausalLM second, int[] prompt, int steps,
                           BiFunction<double[], double[], double[]> score) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        for (int s = 0; s < steps; s++) {
            int[] sofar = Arrays.copyOf(seq, prompt.length + s);
            double[] scores = score.apply(fullLogits(main, sofar), Sampling.logSoftmax(fullLogits(second, sofar)));
            seq[prompt.length + s] = Sampling.argmax(scores);
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void cdAndApdWithTheCacheEqualARecomputeOfBothModels() throws Exception {
        CausalLM expert = GeneratorTest.fixture("llama3");
        CausalLM amateur = GeneratorTest.fixture("qwen2");
        Generator gen = new Generator(expert, null);
        int steps = 10;
        int[] cdIds = gen.generate(PROMPT, GenerationConfig.greedy(steps).withEosIds()
                .withProcessors(ContrastiveDecoding.of(expert, amateur, 0.1, 1.0, 0))).ids();
        assertThat(cdIds).containsExactly(recompute(expert, amateur, PROMPT, steps,
                (e, a) -> ContrastiveDecoding.scores(e, a, 0.1, 1.0, 0)));
        int[] apdIds = gen.generate(PROMPT, GenerationConfig.greedy(steps).withEosIds()
                .withProcessors(new AsymptoticProbabilityDecoding(amateur, 0.9, 20, 1.0))).ids();
        assertThat(apdIds).containsExactly(recompute(expert, amateur, PROMPT, steps,
                (e, a) -> AsymptoticProbabilityDecoding.scores(e, a, 0.9, 20, 1.0)));
        int[] greedy = gen.generate(PROMPT, GenerationConfig.greedy(steps).withEosIds()).ids();
        assertThat(cdIds).as("the amateur changes the choice somewhere").isNotEqualTo(greedy);
    }

    /** A fresh processor per generate call, as a server makes one per request. */
    static LogitsProcessor fresh(boolean cd, CausalLM expert, CausalLM second) {
        return cd ? ContrastiveDecoding.of(expert, second, 0.05, 0.5, 0)
                : new AsymptoticProbabilityDecoding(second, 0.8, 20, 1.0);
    }

    @Test
    void leftPaddedBatchesEqualEachPromptAlone() throws Exception {
        CausalLM expert = GeneratorTest.fixture("llama3");
        CausalLM amateur = GeneratorTest.fixture("qwen2");
        Generator gen = new Generator(expert, null);
        List<int[]> prompts = List.of(new int[] {7, 8}, new int[] {1, 60, 61, 62, 63, 64, 9}, new int[] {1, 30, 31});
        GenerationConfig greedy = GenerationConfig.greedy(8).withEosIds();
        for (boolean cd : new boolean[] {true, false}) {
            List<Generation> batch = gen.generate(prompts, greedy.withProcessors(fresh(cd, expert, amateur)));
            for (int i = 0; i < prompts.size(); i++) {
                Generation alone = gen.generate(prompts.get(i), greedy.withProcessors(fresh(cd, expert, amateur)));
                assertThat(batch.get(i).ids()).as((cd ? "cd" : "apd") + " row " + i).containsExactly(alone.ids());
            }
        }
    }

    @Test
    void cdWithTauZeroIsPlainDecodingUnderThePlausibilityMask() throws Exception {
        CausalLM expert = GeneratorTest.fixture("llama3");
        CausalLM amateur = GeneratorTest.fixture("qwen2");
        Generator gen = new Generator(expert, null);
        double alpha = 0.02;
        LogitsProcessor plausibilityOnly = (step, logits) -> {
            for (double[] row : logits) {
                double[] p = Sampling.softmax(row);
                double max = Arrays.stream(p).max().orElseThrow();
                for (int w = 0; w < row.length; w++) {
                    if (p[w] < alpha * max) {
                        row[w] = Double.NEGATIVE_INFINITY;
                    }
                }
            }
        };
        for (long seed = 1; seed <= 3; seed++) {
            GenerationConfig base = GenerationConfig.sampling(12, 1.0, 0, 1.0, seed).withEosIds();
            int[] plain = gen.generate(PROMPT, base.withProcessors(plausibilityOnly)).ids();
            int[] cd = gen.generate(PROMPT, base.withProcessors(ContrastiveDecoding.of(expert, amateur, alpha, 0, 0)))
                    .ids();
            assertThat(cd).as("seed " + seed).containsExactly(plain);
        }
        GenerationConfig greedy = GenerationConfig.greedy(12).withEosIds();
        assertThat(gen.generate(PROMPT, greedy.withProcessors(ContrastiveDecoding.of(expert, amateur, alpha, 0, 0)))
                .ids()).containsExactly(gen.generate(PROMPT, greedy).ids());
    }

    @Test
    void clearErrors() throws Exception {
        CausalLM expert = GeneratorTest.fixture("llama3");
        Path cfgFile = expert.sourceDir().resolve("config.json");
        String json = Files.readString(cfgFile).replace("\"vocab_size\": 128", "\"vocab_size\": 96");
        CausalLM other = CausalLM.randomInit(ModelConfig.parse(json, "vocab96"), 1, 0.02, DataType.FLOAT);
        assertThatThrownBy(() -> ContrastiveDecoding.of(expert, other, 0.1, 1, 0))
                .hasMessageContaining("vocab_size 96").hasMessageContaining("128");
        assertThatThrownBy(() -> AsymptoticProbabilityDecoding.of(expert, other)).hasMessageContaining("vocab_size 96");
        Generator gen = new Generator(expert, null);
        assertThatThrownBy(() -> gen.generate(PROMPT, GenerationConfig.greedy(3)
                .withProcessors(new ContrastiveDecoding(other, 0.1, 1, 0)))).hasMessageContaining("vocab_size 96");
        assertThatThrownBy(() -> AsymptoticProbabilityDecoding.of(expert, null)).hasMessageContaining("ALM'");
        assertThatThrownBy(() -> new ContrastiveDecoding(expert, 1.2, 1, 0)).hasMessageContaining("(0, 1]");

        CausalLM amateur = GeneratorTest.fixture("qwen2");
        ContrastiveDecoding shared = ContrastiveDecoding.of(expert, amateur, 0.1, 1, 0);
        DecodingStep first = new DecodingStep(0, new int[][] {PROMPT}, TokenBatch.of(PROMPT), new boolean[1], 10);
        DecodingStep third = new DecodingStep(2, new int[][] {PROMPT}, TokenBatch.of(7), new boolean[1], 10);
        shared.process(first, new double[1][128]);
        assertThatThrownBy(() -> shared.process(third, new double[1][128]))
                .hasMessageContaining("new processor per request");
    }
}
