package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.generate.GuidanceHead;
import dev.lethe.transformer.generate.TemperThenTilt;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.GuidanceHeadTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lethe t3 train} then {@code lethe generate --guidance-head} on the llama fixture: the tokens decoded with the
 * saved head equal those decoded in memory with a head trained by the Java API with the same settings, at the
 * saved and at overridden T_b and s (where the tilt changes the greedy tokens); a head for another model and T3 options without a head are refused.
 */
class T3CommandTest {
    @TempDir
    Path tmp;

    static final List<String> SETS = List.of("hidden=8", "steps=20", "max_length=48", "base_temperature=2",
            "guidance_scale=3");

    private static int[] ids(CliRun r) throws Exception {
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        int[] out = new int[j.get("ids").size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = j.get("ids").get(i).asInt();
        }
        return out;
    }

    @Test
    void generationWithTheSavedHeadEqualsTheInMemoryHead() throws Exception {
        Path model = SharedFiles.path("fixtures/hf/llama");
        Path forget = SharedFiles.path("data/tofu/forget01.json");
        List<QaRecord> f = QaRecord.read(forget).subList(0, 4);
        List<QaRecord> r = QaRecord.read(SharedFiles.path("data/tofu/retain99.json")).subList(0, 4);
        Path fFile = tmp.resolve("f.jsonl");
        Path rFile = tmp.resolve("r.jsonl");
        Files.write(fFile, Files.readAllLines(forget).subList(0, 4));
        Files.write(rFile, Files.readAllLines(SharedFiles.path("data/tofu/retain99.json")).subList(0, 4));
        Path head = tmp.resolve("head");
        String[] train = {"t3", "train", "--model", model.toString(), "--forget", fFile.toString(), "--retain",
            rFile.toString(), "--out", head.toString()};
        String[] withSets = java.util.stream.Stream.concat(java.util.Arrays.stream(train),
                SETS.stream().flatMap(s -> java.util.stream.Stream.of("--set", s))).toArray(String[]::new);
        CliRun t = CliRun.of(withSets);
        assertThat(t.code()).as(t.err()).isZero();

        CausalLM lm = CausalLM.load(model);
        GuidanceHead inMemory;
        int[] prompt;
        try (Tokenizer tok = Tokenizers.load(model)) {
            inMemory = GuidanceHeadTraining.train(lm, tok, f, r, GuidanceHeadTraining.defaults().with(SETS));
            prompt = tok.encode("Question: " + f.get(0).question() + "\nAnswer:", true);
        }
        String ids = String.join(",", IntStream.of(prompt).mapToObj(Integer::toString).toList());
        for (double[] ts : new double[][] {{2, 3}, {1, 8}}) {
            int[] expected = new Generator(lm, null).generate(prompt, GenerationConfig.greedy(6).withProcessors(
                    new TemperThenTilt(lm, inMemory, ts[0], ts[1]))).ids();
            CliRun g = ts[0] == 2 ? CliRun.of("generate", "--model", model.toString(), "--prompt-ids", ids,
                    "--max-new-tokens", "6", "--json", "--guidance-head", head.toString())
                    : CliRun.of("generate", "--model", model.toString(), "--prompt-ids", ids, "--max-new-tokens", "6",
                    "--json", "--guidance-head", head.toString(), "--base-temperature", "1", "--guidance-scale", "8");
            assertThat(g.code()).as(g.err()).isZero();
            assertThat(ids(g)).as("T_b %s, s %s", ts[0], ts[1]).containsExactly(expected);
            if (ts[1] == 8) { // the head matters here: a CLI that dropped it would decode plain greedy
                assertThat(expected).isNotEqualTo(new Generator(lm, null).generate(prompt, GenerationConfig.greedy(6))
                        .ids());
            }
        }
    }

    @Test
    void aHeadForAnotherModelAndT3OptionsWithoutAHeadAreRefused() throws Exception {
        Path head = tmp.resolve("head");
        dev.lethe.transformer.generate.GuidanceHeadFiles.save(head, GuidanceHead.init(2, 3, 5, 0), 1, 1);
        CliRun g = CliRun.of("generate", "--model", SharedFiles.path("fixtures/hf/llama").toString(), "--prompt-ids",
                "1,2", "--max-new-tokens", "2", "--guidance-head", head.toString());
        assertThat(g.code()).isNotZero();
        assertThat(g.err()).contains("the head reads hidden size 3").contains("train the head on this model");
        CliRun n = CliRun.of("generate", "--model", SharedFiles.path("fixtures/hf/llama").toString(), "--prompt-ids",
                "1,2", "--max-new-tokens", "2", "--guidance-scale", "2");
        assertThat(n.code()).isNotZero();
        assertThat(n.err()).contains("go with --guidance-head");
    }
}
