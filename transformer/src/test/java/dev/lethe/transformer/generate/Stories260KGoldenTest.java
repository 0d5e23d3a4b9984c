package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.HfTokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The acceptance check of generation on a real pretrained model: stories260K (llama2.c) from its Hugging Face folder,
 * greedy from BOS for 255 tokens, decoded with the tokenizer converted from tok512.bin, equals the text llama2.c
 * printed (golden_greedy_255.txt: the continuation without BOS, followed by the newline run.c prints at the end).
 */
class Stories260KGoldenTest {
    static final int[] FIRST_IDS = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338,
        401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370,
        432, 352};

    static Path resource(String name) throws Exception {
        return Path.of(Stories260KGoldenTest.class.getResource("/stories260K/" + name).toURI());
    }

    static String golden() throws Exception {
        return Files.readString(resource("golden_greedy_255.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void greedyFromBosReproducesLlama2cTextFromTheHfFolder() throws Exception {
        CausalLM model = CausalLM.load(resource("hf/config.json").getParent());
        try (HfTokenizer tok = Tokenizers.load(resource("tok512.bin"))) {
            Generation g = new Generator(model, tok).generate(new int[] {1}, GenerationConfig.greedy(255));
            assertThat(g.ids()).hasSize(255);
            assertThat(java.util.Arrays.copyOf(g.ids(), FIRST_IDS.length)).containsExactly(FIRST_IDS);
            assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
            assertThat(g.text() + "\n").isEqualTo(golden());
        }
    }
}
