package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.generate.ContrastiveDecoding;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code generate --decoding cd|apd} and {@code apd fit} in-process on tiny random Llamas with stories260K's 512-token
 * tokenizer: the CLI's CD ids equal the Java API's, apd fit saves a loadable ALM' that generate --decoding apd uses,
 * and the bad inputs (missing ALM', alpha 0, another vocabulary) end with a clear message; apd fit's corpus lines are
 * encoded as raw fine-tuning text (BOS + line + EOS).
 */
class DecodingCommandsTest {

    static Path tinyLlama(Path dir, int vocab, int hidden, long seed) throws Exception {
        String cfg = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": " + vocab
                + ", \"hidden_size\": " + hidden + ", \"intermediate_size\": " + (2 * hidden)
                + ", \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"num_key_value_heads\": 2,"
                + " \"max_position_embeddings\": 128, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0,"
                + " \"tie_word_embeddings\": true, \"bos_token_id\": 1, \"eos_token_id\": 2}";
        CausalLM.randomInit(ModelConfig.parse(cfg, "tiny"), seed, 0.3, DataType.FLOAT).save(dir);
        Files.copy(SharedFiles.path("models/stories260K/tok512.bin"), dir.resolve("tokenizer.bin"));
        return dir;
    }

    @Test
    void contrastiveDecodingFromTheCliEqualsTheJavaApi(@TempDir Path tmp) throws Exception {
        Path expert = tinyLlama(tmp.resolve("expert"), 512, 32, 1);
        Path amateur = tinyLlama(tmp.resolve("amateur"), 512, 16, 2);
        CliRun r = CliRun.of("generate", "--model", expert.toString(), "--prompt-ids", "1,50,60", "--max-new-tokens",
                "6", "--decoding", "cd", "--amateur", amateur.toString(), "--alpha", "0.05",
                "--amateur-temperature", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        int[] cliIds = IntStream.range(0, 6).map(i -> {
            try {
                return new ObjectMapper().readTree(r.out().strip()).get("ids").get(i).asInt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toArray();
        CausalLM e = CausalLM.load(expert);
        int[] api = new Generator(e, null).generate(new int[] {1, 50, 60}, GenerationConfig.greedy(6)
                .withProcessors(ContrastiveDecoding.of(e, CausalLM.load(amateur), 0.05, 1, 0))).ids();
        assertThat(cliIds).containsExactly(api);
    }

    @Test
    void apdFitSavesAnAlmThatGenerateUses(@TempDir Path tmp) throws Exception {
        Path a = tinyLlama(tmp.resolve("a"), 512, 16, 1);
        Path b = tinyLlama(tmp.resolve("b"), 512, 24, 2);
        Path c = tinyLlama(tmp.resolve("c"), 512, 32, 3);
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, "Once upon a time there was a cat.\n\nThe cat liked the sun and the big tree.\n");
        Path alm = tmp.resolve("alm");
        CliRun fit = CliRun.of("apd", "fit", "--family", c + "," + a + "," + b, "--corpus", corpus.toString(), "--out",
                alm.toString(), "--steps", "3", "--length", "8", "--batch", "2");
        assertThat(fit.code()).as(fit.err()).isZero();
        assertThat(fit.out()).contains("apd fit step 3/3").contains("ALM' saved to");
        assertThat(CausalLM.load(alm).parameterCount()).isEqualTo(CausalLM.load(a).parameterCount());
        CliRun gen = CliRun.of("generate", "--model", c.toString(), "--prompt-ids", "1,5", "--max-new-tokens", "4",
                "--decoding", "apd", "--alm", alm.toString(), "--seed", "1", "--json");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(new ObjectMapper().readTree(gen.out().strip()).get("ids").size()).isBetween(1, 4);
    }

    @Test
    void badInputsAreClearErrors(@TempDir Path tmp) throws Exception {
        Path expert = tinyLlama(tmp.resolve("expert"), 512, 16, 1);
        Path other = tinyLlama(tmp.resolve("other"), 300, 16, 2);
        CliRun noAlm = CliRun.of("generate", "--model", expert.toString(), "--prompt-ids", "1", "--max-new-tokens",
                "2", "--decoding", "apd");
        assertThat(noAlm.code()).isNotZero();
        assertThat(noAlm.err()).contains("--alm DIR");
        CliRun missingAlm = CliRun.of("generate", "--model", expert.toString(), "--prompt-ids", "1",
                "--max-new-tokens", "2", "--decoding", "apd", "--alm", tmp.resolve("nothing").toString());
        assertThat(missingAlm.err()).contains("no such model folder");
        CliRun alpha = CliRun.of("generate", "--model", expert.toString(), "--prompt-ids", "1", "--max-new-tokens",
                "2", "--decoding", "cd", "--amateur", expert.toString(), "--alpha", "0");
        assertThat(alpha.err()).contains("alpha must be in (0, 1]");
        CliRun vocab = CliRun.of("generate", "--model", expert.toString(), "--prompt-ids", "1", "--max-new-tokens",
                "2", "--decoding", "cd", "--amateur", other.toString());
        assertThat(vocab.err()).contains("vocab_size 300").contains("512");
    }

    @Test
    void apdCorpusLinesAreEncodedAsRawTrainingText(@TempDir Path tmp) throws Exception {
        Path model = tinyLlama(tmp.resolve("m"), 512, 16, 1);
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, "Once upon a time there was a cat.\n\n  The cat liked the sun.  \n");
        List<int[]> docs = ApdCommand.encodeCorpus(corpus, model);
        try (Tokenizer tok = Tokenizers.load(model)) {
            int bos = tok.bosId().orElseThrow();
            int eos = tok.eosId().orElseThrow();
            assertThat(docs).hasSize(2);
            assertThat(docs.get(0)).containsExactly(IntStream.concat(IntStream.concat(IntStream.of(bos),
                    IntStream.of(tok.encode("Once upon a time there was a cat.", false))), IntStream.of(eos)).toArray());
            assertThat(docs.get(1)).containsExactly(IntStream.concat(IntStream.concat(IntStream.of(bos),
                    IntStream.of(tok.encode("The cat liked the sun.", false))), IntStream.of(eos)).toArray());
        }
    }
}
