package dev.lethe.transformer.llama2c;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.HfTokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * llama2.c checkpoints: both formats of stories260K give the same weights as the Hugging Face conversion in
 * shared/ (which permuted q/k independently, in numpy) and reproduce llama2.c's greedy text; broken files fail clearly.
 */
class Llama2cCheckpointTest {

    static Path resource(String name) throws Exception {
        return Path.of(Llama2cCheckpointTest.class.getResource("/stories260K/" + name).toURI());
    }

    @Test
    void headersOfBothFormats() throws Exception {
        for (String f : new String[] {"stories260K.bin", "stories260K_v1.bin"}) {
            Llama2cCheckpoint c = Llama2cCheckpoint.read(SharedFiles.path("models/stories260K/" + f));
            assertThat(new int[] {c.dim(), c.hiddenDim(), c.layers(), c.heads(), c.kvHeads(), c.vocabSize(), c.seqLen()})
                    .containsExactly(64, 172, 5, 8, 4, 512, 512);
            assertThat(c.sharedClassifier()).isTrue();
            assertThat(c.version()).isEqualTo(f.contains("_v1") ? 1 : 0);
            assertThat(c.config().numKvHeads()).isEqualTo(4);
            assertThat(c.config().normEps()).isEqualTo(1e-5);
            assertThat(c.config().tieWordEmbeddings()).isTrue();
        }
    }

    @Test
    void weightsEqualTheHuggingFaceConversion() throws Exception {
        CausalLM hf = CausalLM.load(resource("hf/config.json").getParent());
        Map<String, INDArray> want = hf.weights();
        for (String f : new String[] {"stories260K.bin", "stories260K_v1.bin"}) {
            Map<String, INDArray> got = Llama2cCheckpoint.read(SharedFiles.path("models/stories260K/" + f)).weights();
            assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(want.keySet());
            for (String name : want.keySet()) {
                assertThat(got.get(name).data().asFloat()).as(f + " " + name)
                        .containsExactly(want.get(name).dup().data().asFloat());
            }
        }
    }

    @Test
    void greedyTextFromBothBinFilesWithTheConvertedTokenizer() throws Exception {
        String golden = Files.readString(resource("golden_greedy_255.txt"), StandardCharsets.UTF_8);
        try (HfTokenizer tok = Tokenizers.load(SharedFiles.path("models/stories260K/tok512.bin"))) {
            for (String f : new String[] {"stories260K.bin", "stories260K_v1.bin"}) {
                CausalLM model = Llama2cCheckpoint.load(SharedFiles.path("models/stories260K/" + f));
                Generation g = new Generator(model, tok).generate(new int[] {1}, GenerationConfig.greedy(255));
                assertThat(g.text() + "\n").as(f).isEqualTo(golden);
            }
        }
    }

    @Test
    void truncatedFileNamesTheHeaderAndSizes(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(SharedFiles.path("models/stories260K/stories260K.bin"));
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 4));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(cut)).isInstanceOf(IOException.class)
                .hasMessageContaining("cut.bin").hasMessageContaining("n_kv_heads 4")
                .hasMessageContaining("1056540 bytes, the file has 1056536");
    }

    @Test
    void unsupportedVersionAndGarbageHeaderAreRefused(@TempDir Path dir) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Llama2cCheckpoint.MAGIC).putInt(2);
        Path q8 = dir.resolve("q8.bin");
        Files.write(q8, b.array());
        assertThatThrownBy(() -> Llama2cCheckpoint.read(q8)).hasMessageContaining("version 2 (int8 quantized)")
                .hasMessageContaining("--version 1");
        Path tok = SharedFiles.path("models/stories260K/tok512.bin");
        assertThatThrownBy(() -> Llama2cCheckpoint.read(tok)).isInstanceOf(IOException.class)
                .hasMessageContaining("tok512.bin").hasMessageContaining("header field");
        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);
        assertThatThrownBy(() -> Llama2cCheckpoint.read(tiny)).hasMessageContaining("too short");
    }

    @Test
    void unsharedClassifierIsReadAfterTheWeights(@TempDir Path dir) throws Exception {
        // the legacy file with vocab_size negated and a classifier (the embedding + 1) appended
        byte[] all = Files.readAllBytes(SharedFiles.path("models/stories260K/stories260K.bin"));
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(all.length + 512 * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.put(all);
        out.putInt(20, -512);
        for (int i = 0; i < 512 * 64; i++) {
            out.putFloat(all.length + 4 * i, in.getFloat(28 + 4 * i) + 1f);
        }
        Path f = dir.resolve("unshared.bin");
        Files.write(f, out.array());
        Llama2cCheckpoint c = Llama2cCheckpoint.read(f);
        assertThat(c.sharedClassifier()).isFalse();
        assertThat(c.vocabSize()).isEqualTo(512);
        assertThat(c.config().tieWordEmbeddings()).isFalse();
        float[] emb = c.weights().get("model.embed_tokens.weight").data().asFloat();
        float[] head = c.weights().get("lm_head.weight").data().asFloat();
        assertThat(head[777]).isEqualTo(emb[777] + 1f);
        assertThat(c.toCausalLM().parameters()).containsKey("lm_head.weight");
    }
}
