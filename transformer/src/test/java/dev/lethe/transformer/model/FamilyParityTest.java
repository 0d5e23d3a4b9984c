package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.check.ReferenceCheck;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every decoder family against PyTorch + transformers: the gpt2, llama and olmo fixtures of ../shared/fixtures/hf and
 * the mistral, qwen2, olmo2, phi, gemma, llama3 (llama3 RoPE scaling, GQA, tied head) and olmo_clip (clip_qkv)
 * fixtures in src/test/resources/fixtures made by transformer/scripts/make_family_fixtures.py. Logits, hidden states,
 * token log-probabilities and the loss within 1e-5 relative, gradients within 1e-4, greedy ids exact, left-padded
 * logits within 1e-5 on real tokens.
 */
class FamilyParityTest {
    static Stream<String> fixtures() {
        return Stream.of("shared:gpt2", "shared:llama", "shared:olmo", "mistral", "qwen2", "olmo2", "phi", "gemma",
                "llama3", "olmo_clip");
    }

    static Path dir(String name) throws URISyntaxException {
        if (name.startsWith("shared:")) {
            return SharedFiles.path("fixtures/hf/" + name.substring(7));
        }
        return Path.of(FamilyParityTest.class.getResource("/fixtures/" + name + "/config.json").toURI()).getParent();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void matchesPyTorch(String name) throws Exception {
        Path d = dir(name);
        CausalLM model = CausalLM.load(d);
        try (CheckpointReader ref = CheckpointReader.open(d.resolve("reference.safetensors"))) {
            Map<String, INDArray> computed = ReferenceCheck.compute(model, ref);
            Map<String, Double> err = ReferenceCheck.compare(computed, ref);
            assertThat(err).containsKeys("logits", "loss", "token_logprobs", "greedy_ids", "hidden.0");
            assertThat(err.keySet().stream().filter(k -> k.startsWith("grad.")).count())
                    .isEqualTo(model.parameters().size());
            System.out.printf("%s: logits %.2e hidden.1 %.2e loss %.2e grad max %.2e greedy %.0f left %s%n", name, err.get("logits"), err.get("hidden.1"), err.get("loss"), err.entrySet().stream().filter(x -> x.getKey().startsWith("grad.")).mapToDouble(Map.Entry::getValue).max().orElse(-1), err.get("greedy_ids"), err.get("left.logits"));
            err.forEach((k, e) -> {
                double tol = k.startsWith("grad.") ? 1e-4 : k.equals("greedy_ids") ? 0.0 : 1e-5;
                assertThat(e).as("%s %s relative error", name, k).isLessThanOrEqualTo(tol);
            });
        }
    }
}
