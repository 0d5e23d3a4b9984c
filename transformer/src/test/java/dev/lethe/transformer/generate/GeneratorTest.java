package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.HfTokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The generator against independent computations: the KV-cache path against a full recompute of the whole sequence
 * at every step (ids exact, logits within float32 rounding), a left-padded batch against each prompt alone, seeded
 * sampling, EOS and stop strings (on stories260K, whose text is readable).
 */
class GeneratorTest {

    static CausalLM fixture(String name) throws Exception {
        return CausalLM.load(Path.of(GeneratorTest.class.getResource("/fixtures/" + name + "/config.json").toURI())
                .getParent());
    }

    /** Greedy decoding without a cache: the whole sequence is run again for every new token. */
    static List<float[]> recompute(CausalLM model, int[] prompt, int steps, int[] idsOut) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        List<float[]> logits = new ArrayList<>();
        BufferPool pool = new BufferPool();
        for (int s = 0; s < steps; s++) {
            int len = prompt.length + s;
            try (Tape tape = Tape.inference(pool)) {
                INDArray out = model.forward(tape, TokenBatch.of(Arrays.copyOf(seq, len))).logits().value();
                int v = (int) out.size(2);
                float[] row = new float[v];
                int best = 0;
                for (int j = 0; j < v; j++) {
                    row[j] = out.getFloat(0, len - 1, j);
                    if (row[j] > row[best]) {
                        best = j;
                    }
                }
                logits.add(row);
                seq[len] = best;
                idsOut[s] = best;
            }
        }
        return logits;
    }

    static double relErr(float[] a, float[] b) {
        double diff = 0;
        double ref = 0;
        for (int j = 0; j < a.length; j++) {
            diff = Math.max(diff, Math.abs(a[j] - b[j]));
            ref = Math.max(ref, Math.abs(b[j]));
        }
        return diff / ref;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "phi", "gemma", "olmo2", "mistral"})
    void cachePathEqualsFullRecompute(String name) throws Exception {
        CausalLM model = fixture(name);
        int[] prompt = {5, 17, 3, 99, 42};
        int steps = 12;
        int[] want = new int[steps];
        List<float[]> wantLogits = recompute(model, prompt, steps, want);
        Generation g = new Generator(model, null).generate(prompt,
                GenerationConfig.greedy(steps).withEosIds().withKeepLogits(true));
        assertThat(g.ids()).containsExactly(want);
        assertThat(g.logits()).hasSize(steps);
        for (int s = 0; s < steps; s++) {
            assertThat(relErr(g.logits().get(s), wantLogits.get(s))).as("step " + s).isLessThan(1e-5);
        }
        assertThat(g.text()).isNull();
        assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "phi", "gemma", "olmo2"})
    void leftPaddedBatchMatchesEachPromptAlone(String name) throws Exception {
        CausalLM model = fixture(name);
        List<int[]> prompts = List.of(new int[] {7, 8}, new int[] {1, 60, 61, 62, 63, 64, 9}, new int[] {1, 30, 31, 32});
        GenerationConfig cfg = GenerationConfig.greedy(10).withEosIds().withKeepLogits(true);
        Generator gen = new Generator(model, null);
        List<Generation> batch = gen.generate(prompts, cfg);
        for (int i = 0; i < prompts.size(); i++) {
            Generation alone = gen.generate(prompts.get(i), cfg);
            assertThat(batch.get(i).promptIds()).containsExactly(prompts.get(i));
            assertThat(batch.get(i).ids()).as("row " + i).containsExactly(alone.ids());
            for (int s = 0; s < 10; s++) {
                assertThat(relErr(batch.get(i).logits().get(s), alone.logits().get(s))).isLessThan(1e-5);
            }
        }
    }

    @Test
    void eosStopsARowAndTheOthersGoOnAsIfAlone() throws Exception {
        CausalLM model = fixture("llama3");
        Generator gen = new Generator(model, null);
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 60, 61, 62, 63}, new int[] {40});
        int[] free = gen.generate(prompts.get(0), GenerationConfig.greedy(8).withEosIds()).ids();
        int eos = free[2];
        int firstEos = 0;
        while (free[firstEos] != eos) {
            firstEos++;
        }
        GenerationConfig cfg = GenerationConfig.greedy(8).withEosIds(eos).withPadId(0);
        List<Generation> batch = gen.generate(prompts, cfg);
        assertThat(batch.get(0).ids()).containsExactly(Arrays.copyOf(free, firstEos + 1));
        assertThat(batch.get(0).finishReason()).isEqualTo(Generation.FinishReason.EOS);
        for (int i = 1; i < 3; i++) {
            assertThat(batch.get(i).ids()).containsExactly(gen.generate(prompts.get(i), cfg).ids());
        }
        // the config's EOS (id 2) is the default stop token
        Generation dflt = gen.generate(new int[] {1, 2, 3}, GenerationConfig.greedy(0));
        assertThat(dflt.ids()).isEmpty();
        assertThat(dflt.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    }

    @Test
    void seededSamplingIsReproducibleAndTopOneIsGreedy() throws Exception {
        CausalLM model = fixture("llama3");
        Generator gen = new Generator(model, null);
        int[] prompt = {1, 10, 11};
        GenerationConfig s1 = GenerationConfig.sampling(20, 1.5, 0, 1.0, 42).withEosIds();
        int[] a = gen.generate(prompt, s1).ids();
        int[] b = gen.generate(prompt, s1).ids();
        assertThat(a).containsExactly(b);
        List<int[]> others = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            others.add(gen.generate(prompt, GenerationConfig.sampling(20, 1.5, 0, 1.0, seed).withEosIds()).ids());
        }
        assertThat(others).anySatisfy(o -> assertThat(o).isNotEqualTo(a));
        int[] greedy = gen.generate(prompt, GenerationConfig.greedy(20).withEosIds()).ids();
        assertThat(gen.generate(prompt, GenerationConfig.sampling(20, 0.7, 1, 1.0, 9).withEosIds()).ids())
                .containsExactly(greedy);
        assertThat(gen.generate(prompt, GenerationConfig.sampling(20, 2.0, 0, 1e-9, 9).withEosIds()).ids())
                .containsExactly(greedy);
    }

    @Test
    void stopStringsCutTheTextOnStories260K() throws Exception {
        CausalLM model = CausalLM.load(Stories260KGoldenTest.resource("hf/config.json").getParent());
        try (HfTokenizer tok = Tokenizers.load(Stories260KGoldenTest.resource("tok512.bin"))) {
            Generator gen = new Generator(model, tok);
            String golden = Stories260KGoldenTest.golden();
            int[] full = gen.generate(new int[] {1}, GenerationConfig.greedy(255)).ids();
            for (String[] stops : new String[][] {{"."}, {"girl named"}, {"park", "Lily"}, {"\n"}}) {
                Generation g = gen.generate(new int[] {1}, GenerationConfig.greedy(255).withStopStrings(stops));
                int cut = Integer.MAX_VALUE;
                for (String s : stops) {
                    cut = Math.min(cut, golden.indexOf(s));
                }
                assertThat(g.text()).as(Arrays.toString(stops)).isEqualTo(golden.substring(0, cut));
                assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_STRING);
                // ids: the shortest prefix of the greedy ids whose text contains a stop string
                int n = g.ids().length;
                assertThat(g.ids()).containsExactly(Arrays.copyOf(full, n));
                String shorter = tok.decode(Arrays.copyOf(full, n - 1), true);
                assertThat(Arrays.stream(stops).noneMatch(shorter::contains)).isTrue();
            }
            assertThat(golden.substring(0, golden.indexOf("girl named"))).isEqualTo(
                    "Once upon a time, there was a little ");
            // a stop string that never appears: the row runs to the length limit
            Generation none = gen.generate(new int[] {1}, GenerationConfig.greedy(30).withStopStrings("zebra"));
            assertThat(none.ids()).containsExactly(Arrays.copyOf(full, 30));
            assertThat(none.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
            // text prompts are encoded with BOS
            Generation t = gen.generateText(List.of("Once upon a time,"), GenerationConfig.greedy(8)).get(0);
            assertThat(t.promptIds()[0]).isEqualTo(1);
            assertThat(golden).startsWith("Once upon a time," + t.text());
        }
    }

    @Test
    void clearErrors() throws Exception {
        CausalLM model = fixture("llama3");
        Generator gen = new Generator(model, null);
        assertThatThrownBy(() -> gen.generate(new int[0], GenerationConfig.greedy(3)))
                .hasMessageContaining("prompt 0 is empty");
        assertThatThrownBy(() -> gen.generate(new int[] {1, 500}, GenerationConfig.greedy(3)))
                .hasMessageContaining("token id 500").hasMessageContaining("[0, 128)");
        assertThatThrownBy(() -> gen.generate(new int[] {1}, GenerationConfig.greedy(3).withStopStrings("x")))
                .hasMessageContaining("stop strings need a tokenizer");
        assertThatThrownBy(() -> GenerationConfig.sampling(3, 0, 0, 1, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> GenerationConfig.sampling(3, 1, 0, 1.5, 0)).hasMessageContaining("top-p");
    }
}
