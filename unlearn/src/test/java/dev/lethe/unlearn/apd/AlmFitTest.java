package dev.lethe.unlearn.apd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** ALM' training on a tiny random family: the loss goes down, ALM' changes, and bad families are clear errors. */
class AlmFitTest {

    static CausalLM llama(int vocab, int hidden, int layers, long seed) {
        String cfg = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": " + vocab
                + ", \"hidden_size\": " + hidden + ", \"intermediate_size\": " + (2 * hidden)
                + ", \"num_hidden_layers\": " + layers + ", \"num_attention_heads\": 2, \"num_key_value_heads\": 2,"
                + " \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0,"
                + " \"tie_word_embeddings\": true, \"bos_token_id\": 1, \"eos_token_id\": 2}";
        return CausalLM.randomInit(ModelConfig.parse(cfg, "test family"), seed, 0.5, DataType.FLOAT);
    }

    @Test
    void fitLowersTheLossOfATinyFamily() {
        List<CausalLM> fam = List.of(llama(24, 16, 1, 1), llama(24, 24, 1, 2), llama(24, 32, 2, 3));
        int[] corpus = new Random(0).ints(400, 3, 24).toArray();
        AlmFit.Result r = AlmFit.fit(fam, corpus, new AlmFit.Settings(5, 60, 2, 12, 3e-3, 16, 0), null);
        List<Double> l = r.losses();
        double first = l.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = l.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(last).isLessThan(0.8 * first);
        assertThat(r.alm().parameterCount()).isEqualTo(fam.get(0).parameterCount());
        assertThat(r.alm().weights().get("model.embed_tokens.weight").sub(
                fam.get(0).weights().get("model.embed_tokens.weight")).amaxNumber().doubleValue()).isPositive();
    }

    @Test
    void windowsStartAtDocumentStartsWhereAWholeWindowFits() {
        List<int[]> docs = List.of(new int[5], new int[3], new int[7]);
        assertThat(AlmFit.windowStarts(docs, 6)).containsExactly(0, 5, 8);
        assertThat(AlmFit.windowStarts(docs, 8)).containsExactly(0, 5);
        assertThat(AlmFit.windowStarts(docs, 16)).isEmpty();
        List<CausalLM> fam = List.of(llama(24, 16, 1, 1), llama(24, 24, 1, 2), llama(24, 32, 2, 3));
        assertThatThrownBy(() -> AlmFit.fit(fam, docs, new AlmFit.Settings(5, 1, 2, 16, 3e-3, 16, 0), null))
                .hasMessageContaining("15 tokens in 3 documents").hasMessageContaining("windows of 16");
    }

    @Test
    void badFamiliesAreClearErrors() {
        assertThatThrownBy(() -> AlmFit.family(List.of(llama(24, 16, 1, 1), llama(24, 24, 1, 2))))
                .hasMessageContaining("at least 3 models");
        assertThatThrownBy(() -> AlmFit.family(List.of(llama(24, 16, 1, 1), llama(24, 24, 1, 2), llama(30, 32, 1, 3))))
                .hasMessageContaining("vocab_size 30");
    }
}
