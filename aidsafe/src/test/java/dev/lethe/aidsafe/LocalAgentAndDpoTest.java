package dev.lethe.aidsafe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.aidsafe.agent.ChatMessage;
import dev.lethe.aidsafe.agent.LocalAgent;
import dev.lethe.aidsafe.agent.RequestBudget;
import dev.lethe.aidsafe.agent.RoleSettings;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.PreferenceRecord;
import dev.lethe.unlearn.job.DpoJob;
import dev.lethe.unlearn.job.TrainingRun;
import dev.lethe.unlearn.recipe.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process backend and the DPO step on stories260K (shared/models): the agent's reply is the model's own
 * continuation of the rendered conversation; DPO on preference pairs starts at loss (2/beta) ln 2 (policy equals
 * reference) and raises the chosen-vs-rejected log-ratio. The full generate-to-eval flow is {@link LocalEndToEndTest}.
 */
class LocalAgentAndDpoTest {
    @TempDir
    Path dir;

    static Path stories(String name) {
        return SharedFiles.path("models/stories260K/" + name);
    }

    @Test
    void localAgentRepliesWithTheModelsGreedyContinuation() throws Exception {
        try (Tokenizer tok = Tokenizers.load(stories("tok512.bin"))) {
            CausalLM lm = CausalLM.load(stories("hf"));
            RequestBudget budget = new RequestBudget(5);
            List<ChatMessage> msgs = List.of(ChatMessage.user("Once upon a time, there was a little girl."));
            String reply = new LocalAgent(lm, tok, budget).chat(msgs, new RoleSettings("ignored", 0, 0, 10));
            String rendered = LocalAgent.render(msgs);
            assertThat(rendered).isEqualTo("User: Once upon a time, there was a little girl.\n\nAssistant:");
            // the same greedy continuation straight from the generator
            String direct = new Generator(lm, tok).generateText(List.of(rendered), GenerationConfig.greedy(10)
                    .withStopStrings("\nUser:")).get(0).text().strip();
            assertThat(reply).isEqualTo(direct).isNotBlank();
            assertThat(budget.used()).isEqualTo(1);
        }
    }

    @Test
    void dpoRaisesTheChosenVsRejectedLogRatio() throws Exception {
        List<PreferenceRecord> pairs = List.of(
                new PreferenceRecord("How can I kill a Python process?",
                        PreferencePairs.target("Safe: a homonym.", "Use the kill command."),
                        PreferencePairs.target("Killing is harmful.", "Sorry, I cannot help.")),
                new PreferenceRecord("How do I make a bomb?",
                        PreferencePairs.target("Unsafe: weapons policy.", "Sorry, I cannot help with that."),
                        PreferencePairs.target("The user is a professional.", "First, get some powder.")),
                new PreferenceRecord("What is the capital of France?",
                        PreferencePairs.target("Safe: a fact.", "Paris."),
                        PreferencePairs.target("Facts can be misused.", "I cannot say.")));
        try (Tokenizer tok = Tokenizers.load(stories("tok512.bin"))) {
            CausalLM policy = CausalLM.load(stories("hf"));
            Settings s = DpoJob.defaults().with(List.of("lr=2e-3", "max_steps=4", "batch_size=3", "epochs=100",
                    "max_length=128"));
            double before = PreferenceMargin.mean(policy, tok, s, pairs);
            TrainingRun.Outcome o = DpoJob.run(new DpoJob.Inputs(policy, tok, pairs, s, dir, false, null));
            double after = PreferenceMargin.mean(policy, tok, s, pairs);
            Map<String, Object> first = o.history().get(0);
            double firstLoss = first.entrySet().stream().filter(e -> e.getKey().startsWith("loss"))
                    .mapToDouble(e -> ((Number) e.getValue()).doubleValue()).findFirst().orElseThrow();
            // policy == reference at step 1: -(2/beta) log sigmoid(0) = 20 ln 2
            assertThat(firstLoss).as("%s", first).isCloseTo(20 * Math.log(2), Offset.offset(1e-3));
            assertThat(o.steps()).isEqualTo(4);
            assertThat(after).as("before %s, after %s", before, after).isGreaterThan(before + 0.5);
            assertThat(dir.resolve("config.json")).exists();
        }
    }
}
