package dev.lethe.examples.bench;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Tokens/s of greedy decoding against contrastive decoding and APD (argmax on their scores) through {@link Generator}
 * at batch 1: the random-weight llama-34m as the generating model and a 4.6x smaller random Llama (d 256, 4 layers,
 * the same 8192-token vocabulary) as the amateur / ALM'. Each method decodes {@code newTokens} after a random prompt,
 * in interleaved rounds (one warm-up, then {@code repeats} timed), the best kept; the whole generate call is timed
 * (prefill included).
 */
public final class DecodeSpeedBench {

    /** Tokens/s of one method and its ratio to greedy. */
    public record Row(String method, double tokensPerSecond, double ratioToGreedy) {
        public String toJson(long params, long secondParams) {
            return String.format(Locale.ROOT, "{\"bench\":\"decode\",\"method\":\"%s\",\"params\":%d,"
                    + "\"second_params\":%d,\"tokens_per_s\":%.2f,\"ratio_to_greedy\":%.3f}", method, params,
                    secondParams, tokensPerSecond, ratioToGreedy);
        }
    }

    private DecodeSpeedBench() {
    }

    /** The amateur / ALM' of the benchmark: llama-34m's vocabulary at d 256, 4 layers (7.4M parameters). */
    public static CausalLM smallModel() {
        String json = "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8192,"
                + "\"hidden_size\":256,\"intermediate_size\":704,\"num_hidden_layers\":4,"
                + "\"num_attention_heads\":4,\"num_key_value_heads\":4,\"max_position_embeddings\":4096,"
                + "\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,\"hidden_act\":\"silu\",\"tie_word_embeddings\":false}";
        return CausalLM.randomInit(ModelConfig.parse(json, "llama-34m amateur"), 1, 0.02, DataType.FLOAT);
    }

    /** Runs the three methods in turn, one warm-up round then {@code repeats} timed rounds; each keeps its best. */
    public static List<Row> run(CausalLM model, CausalLM second, int prompt, int newTokens, int repeats) {
        int[] ids = TrainBench.randomTokens(3, prompt, model.config().vocabSize());
        Generator gen = new Generator(model, null);
        List<Decoding> methods = List.of(Decoding.of(Decoding.Method.GREEDY), Decoding.of(Decoding.Method.CD),
                Decoding.of(Decoding.Method.APD));
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        for (int round = 0; round < Math.max(1, repeats) + 1; round++) { // interleaved, so load drifts hit all alike
            for (int m = 0; m < methods.size(); m++) {
                GenerationConfig cfg = GenerationConfig.greedy(newTokens).withEosIds()
                        .withProcessors(methods.get(m).processors(model, second));
                long t0 = System.nanoTime();
                int n = gen.generate(ids, cfg).ids().length;
                double s = (System.nanoTime() - t0) / 1e9;
                if (n != newTokens) {
                    throw new IllegalStateException("decoded " + n + " tokens, expected " + newTokens);
                }
                if (round > 0) {
                    best[m] = Math.min(best[m], s);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int m = 0; m < methods.size(); m++) {
            rows.add(new Row(methods.get(m).method().name().toLowerCase(Locale.ROOT), newTokens / best[m],
                    best[0] / best[m]));
        }
        return rows;
    }
}
