package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.examples.lume.LumeEvaluation;
import dev.lethe.examples.lume.LumeModels;
import dev.lethe.examples.lume.LumeStudy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lethe study}: option parsing ({@code --benchmark tofu|lume|all}, the command written under the LUME table)
 * and the LUME study end to end on a tiny model (two recipes, two documents per set, a few steps).
 */
class StudyCommandTest {
    /** A Llama with the demo tokenizer's vocabulary and almost nothing else, so the whole study takes seconds. */
    static final String TINY = "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
            + " \"vocab_size\": 512, \"hidden_size\": 16, \"intermediate_size\": 32, \"num_hidden_layers\": 1,"
            + " \"num_attention_heads\": 2, \"num_key_value_heads\": 2, \"max_position_embeddings\": 256,"
            + " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"tie_word_embeddings\": true,"
            + " \"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0, \"initializer_range\": 0.02}";

    @TempDir
    Path tmp;

    static StudyCommand parse(String... args) {
        StudyCommand c = new StudyCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void benchmarkDefaultsToTofuAndTheLumeCommandKeepsEveryOptionThatChangesTheNumbers() {
        StudyCommand plain = parse();
        assertThat(plain.benchmark).isEqualTo("tofu");
        assertThat(plain.out).isEqualTo(Path.of("lethe-study"));
        assertThat(plain.relearnSamples).isEqualTo(10);
        assertThat(plain.relearnSteps).isEqualTo(10);
        assertThat(plain.relearnLr).isEqualTo(1e-3);
        assertThat(plain.lumeCommand()).isEqualTo("./lethe study --benchmark lume");
        assertThat(plain.recipeNames()).as("every registered recipe, in registry order").containsExactlyElementsOf(
                dev.lethe.unlearn.recipe.Recipes.all().stream().map(dev.lethe.unlearn.recipe.Recipe::name).toList())
                .hasSize(26).contains("ga", "npo", "pdu", "gru", "sibl", "lmcleaner");

        StudyCommand c = parse("--benchmark", "lume", "--recipes", "ga,npo", "--set", "lr=1e-4", "--set", "epochs=2",
                "--relearn-steps", "5", "--relearn-lr", "2e-3", "--out", "/tmp/x");
        assertThat(c.benchmark).isEqualTo("lume");
        assertThat(c.recipeNames()).containsExactly("ga", "npo");
        assertThat(c.lumeCommand()).isEqualTo("./lethe study --benchmark lume --recipes ga,npo --set lr=1e-4"
                + " --set epochs=2 --relearn-steps 5 --relearn-lr 0.002");
        assertThat(parse("--benchmark", "all").benchmark).isEqualTo("all");
    }

    @Test
    void unknownBenchmarkOrRecipeFailsBeforeAnythingRuns() {
        CliRun r = CliRun.of("study", "--benchmark", "muse", "--out", tmp.resolve("o").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("unknown --benchmark 'muse'; choose one of tofu, lume, all");
        CliRun q = CliRun.of("study", "--benchmark", "lume", "--recipes", "ga,nope", "--out",
                tmp.resolve("o").toString(), "--cache", tmp.resolve("c").toString());
        assertThat(q.code()).isNotZero();
        assertThat(q.err()).contains("unknown recipe 'nope'");
        assertThat(tmp.resolve("o")).doesNotExist();
        assertThat(tmp.resolve("c")).doesNotExist();
        assertThat(CliRun.of("study", "--help").out()).contains("--benchmark").contains("lume");
    }

    @Test
    void lumeStudyOnATinyModelWritesItsTableJsonAndReportsAndReusesTheCachedModels() throws Exception {
        Path out = tmp.resolve("study");
        Path cache = tmp.resolve("cache");
        StudyCommand c = parse("--benchmark", "lume", "--recipes", "ga,npo", "--out", out.toString(), "--set",
                "max_steps=2", "--relearn-samples", "2", "--relearn-steps", "1");
        LumeStudy.Setup tiny = new LumeStudy.Setup(new LumeModels.Spec(TINY, List.of("lr=1e-2", "epochs=1",
                "max_steps=2", "batch_size=8", "max_length=128", "seed=1", "template=raw")),
                new LumeEvaluation.Settings(16, 4, 256), 2, 2, 2);
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        c.lume(cache, c.recipeNames(), log, tiny);

        Path dir = out.resolve("lume");
        String md = Files.readString(dir.resolve("results.md"));
        assertThat(md).contains("| recipe | forget regurgitation | forget knowledge |", "| (target, before) |",
                "| (retain model) |", "| ga |", "| npo |", "MIA AUC", "forget regurgitation after relearning",
                "Made by `./lethe study --benchmark lume --recipes ga,npo --set max_steps=2 --relearn-samples 2"
                        + " --relearn-steps 1`");
        JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(json.get("rows")).hasSize(4);
        for (JsonNode row : json.get("rows")) {
            for (String k : List.of("forget_regurgitation", "retain_regurgitation", "task_aggregate", "mia_auc",
                    "mia_score", "forget_score", "utility", "final_score_without_mmlu")) {
                assertThat(row.get("after").get(k).asDouble()).as(row.get("recipe") + " " + k).isBetween(0.0, 1.0);
            }
        }
        assertThat(json.get("rows").get(0).get("relearned").isNull()).isTrue();
        assertThat(json.get("rows").get(1).get("relearned").get("forget_regurgitation").isNumber()).isTrue();
        assertThat(json.get("rows").get(2).get("seconds").asDouble()).isPositive();
        for (String r : List.of("ga", "npo")) {
            assertThat(dir.resolve("runs").resolve(r).resolve("report/report.json")).exists();
            assertThat(dir.resolve("runs").resolve(r).resolve("relearned/report/report.json")).exists();
            assertThat(dir.resolve("runs").resolve(r).resolve("recipe.json")).exists();
        }
        assertThat(dir.resolve("target/report.json")).exists();
        assertThat(dir.resolve("retain-model/report.json")).exists();
        JsonNode gaReport = new ObjectMapper().readTree(dir.resolve("runs/ga/report/report.json").toFile());
        assertThat(gaReport.get("results").get("items")).hasSize(2 * 6 + 2 * 6);
        assertThat(gaReport.get("results").get("mia").get("member_nll")).hasSize(2);
        assertThat(gaReport.get("results").get("mia").get("non_member_nll")).hasSize(2);
        // the ga row's MIA numbers, recomputed here from the NLLs its report.json lists: AUC by counting pairs
        // (a member ranks above a non-member when its NLL is lower; ties count half), mia_score = 1 - 2|AUC - 0.5|
        JsonNode gaRow = null;
        for (JsonNode row : json.get("rows")) {
            if (row.get("recipe").asText().equals("ga")) {
                gaRow = row.get("after");
            }
        }
        assertThat(gaRow).as("a row for recipe ga").isNotNull();
        JsonNode mia = gaReport.get("results").get("mia");
        double wins = 0;
        for (JsonNode m : mia.get("member_nll")) {
            for (JsonNode n : mia.get("non_member_nll")) {
                wins += m.asDouble() < n.asDouble() ? 1 : m.asDouble() == n.asDouble() ? 0.5 : 0;
            }
        }
        double auc = wins / 4;
        assertThat(gaRow.get("mia_auc").asDouble()).isIn(auc, 1 - auc);
        double miaScore = 1 - 2 * Math.abs(auc - 0.5);
        assertThat(gaRow.get("mia_score").asDouble()).isCloseTo(miaScore, within(1e-12));
        assertThat(gaRow.get("final_score_without_mmlu").asDouble())
                .isCloseTo((gaRow.get("task_aggregate").asDouble() + miaScore) / 2, within(1e-12));
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("training the LUME target model on 24 records",
                "training the LUME retain model on 12 records");

        // a second run reuses the trained models (stamped with what made them)
        logBytes.reset();
        c.lume(cache, List.of(), log, tiny);
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("using the cached LUME target model",
                "using the cached LUME retain model").doesNotContain("training the LUME");
    }
}
