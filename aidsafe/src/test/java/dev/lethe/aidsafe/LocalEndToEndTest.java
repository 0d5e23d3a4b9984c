package dev.lethe.aidsafe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.aidsafe.agent.LocalAgent;
import dev.lethe.aidsafe.agent.RequestBudget;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.safety.SafetyPrompt;
import dev.lethe.eval.safety.SafetyPrompts;
import dev.lethe.eval.safety.SafetyResult;
import dev.lethe.eval.safety.SafetyRunner;
import dev.lethe.eval.safety.StringMatchRefusal;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.DpoJob;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.job.TrainingRun;
import dev.lethe.unlearn.recipe.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole flow in process on stories260K (a real 260K-parameter Llama, shared/models): generate rows for XSTest
 * prompts with the in-process backend, resume, make pairs, SFT on the selected rows, DPO on the pairs (the
 * chosen-vs-rejected log-ratio must rise, and the first DPO loss must be (2/beta) ln 2, policy = reference), and the
 * XSTest evaluation. The text such a tiny model writes is poor; this checks structure and the data flow. About a
 * minute on 2 busy cores, so it runs only with {@code mvn -Pe2e} (tag {@code e2e}).
 */
@Tag("e2e")
class LocalEndToEndTest {
    @TempDir
    Path dir;

    static Path stories(String name) {
        return SharedFiles.path("models/stories260K/" + name);
    }

    @Test
    void generatePairsSftDpoAndEvaluate() throws Exception {
        List<SafetyPrompt> xs = SafetyPrompts.read(SharedFiles.path("data/xstest/xstest_prompts.csv"));
        // the first safe prompt and the first contrast (unsafe) one
        List<SafetyPrompt> picked = new ArrayList<>(xs.stream().filter(x -> !x.unsafe()).limit(1).toList());
        picked.addAll(xs.stream().filter(SafetyPrompt::unsafe).limit(1).toList());
        List<String> prompts = picked.stream().map(SafetyPrompt::prompt).toList();
        Path policies = Files.writeString(dir.resolve("policies.txt"), "- Do not help harm people.\n- Help with"
                + " safe requests.\n");
        Path out = dir.resolve("gen");
        try (Tokenizer tok = Tokenizers.load(stories("tok512.bin"))) {
            CausalLM agentModel = CausalLM.load(stories("hf"));
            RequestBudget budget = RequestBudget.unlimited();
            AidsafePipeline.Config cfg = AidsafePipeline.Config.defaults("local", 8, 3).withAgents(2, 1)
                    .withPolicies(Policies.read(policies));
            AidsafePipeline p = new AidsafePipeline(new LocalAgent(agentModel, tok, budget), cfg);
            AidsafeDataset.Summary s = AidsafeDataset.generate(p, prompts, out, true, m -> { });
            assertThat(s).isEqualTo(new AidsafeDataset.Summary(2, 0, 2, 0, null));
            // intents, initial, refine, respond, belief, respond, plus one round of 2 deliberation turns per prompt
            assertThat(budget.used()).isEqualTo(2 * 8L);
            List<JsonNode> rows = AidsafeDataset.readRepaired(out.resolve("rows.jsonl"));
            assertThat(rows).hasSize(2);
            for (JsonNode r : rows) {
                assertThat(r.get("refined_thoughts").asText()).isNotBlank();
                assertThat(r.get("response").asText()).isNotBlank();
                long turns = 0;
                for (JsonNode e : r.get("deliberation_log")) {
                    turns += e.get("stage").asText().equals("deliberation") ? 1 : 0;
                }
                assertThat(turns).isEqualTo(2);
            }
            assertThat(Files.readAllLines(out.resolve("rows.csv")).get(0))
                    .isEqualTo("prompt,refined_thoughts,response,deliberation_log");
            // resumption: nothing left to do, no request sent
            RequestBudget again = RequestBudget.unlimited();
            AidsafeDataset.generate(new AidsafePipeline(new LocalAgent(agentModel, tok, again), cfg), prompts, out,
                    false, m -> { });
            assertThat(again.used()).isZero();

            PreferencePairs.Result pr = PreferencePairs.write(out, dir.resolve("pairs.jsonl"), dir.resolve("sft.jsonl"));
            assertThat(pr.sft()).hasSize(2);
            assertThat(pr.pairs()).hasSize(2);
            // SFT on the selected rows
            List<QaRecord> sft = new ArrayList<>();
            pr.sft().forEach(m -> sft.add(QaRecord.of(m.get("question"), m.get("answer"))));
            Settings fs = FinetuneJob.defaults().with(List.of("lr=1e-3", "max_steps=2", "batch_size=2",
                    "max_length=256"));
            TrainingRun.Outcome so = FinetuneJob.run(new FinetuneJob.Inputs(CausalLM.load(stories("hf")), tok, sft,
                    fs, dir.resolve("sft"), false, null));
            assertThat(so.steps()).isEqualTo(2);
            assertThat(dir.resolve("sft/config.json")).exists();
            // DPO on the pairs: the chosen-vs-rejected log-ratio rises
            CausalLM policy = CausalLM.load(stories("hf"));
            Settings ds = DpoJob.defaults().with(List.of("lr=2e-3", "max_steps=4", "batch_size=2", "epochs=100",
                    "max_length=256"));
            double before = PreferenceMargin.mean(policy, tok, ds, pr.pairs());
            TrainingRun.Outcome o = DpoJob.run(new DpoJob.Inputs(policy, tok, pr.pairs(), ds, dir.resolve("dpo"),
                    false, null));
            double after = PreferenceMargin.mean(policy, tok, ds, pr.pairs());
            Map<String, Object> first = o.history().get(0);
            double firstLoss = ((Number) first.get(lossKey(first))).doubleValue();
            assertThat(firstLoss).as("first DPO loss, %s", first).isCloseTo(2 / 0.1 * Math.log(2),
                    org.assertj.core.data.Offset.offset(1e-3));
            assertThat(after).as("log-ratio before %s after %s", before, after).isGreaterThan(before + 0.5);
            // XSTest evaluation of the DPO model
            SafetyResult r = new SafetyRunner(policy, tok, PromptTemplate.PLAIN, 4, 8, 256, Progress.NONE)
                    .evaluate(picked, new StringMatchRefusal());
            assertThat(r.items()).hasSize(2);
            assertThat(r.rate(false).total()).isEqualTo(1);
            assertThat(r.rate(true).total()).isEqualTo(1);
        }
    }

    private static String lossKey(Map<String, Object> line) {
        return line.keySet().stream().filter(k -> k.startsWith("loss")).sorted().findFirst().orElseThrow(
                () -> new AssertionError("no loss in " + line));
    }
}
