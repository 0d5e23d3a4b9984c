package dev.lethe.aidsafe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.lethe.aidsafe.agent.Agent;
import dev.lethe.aidsafe.agent.ChatMessage;
import dev.lethe.aidsafe.agent.RequestBudget;
import dev.lethe.aidsafe.agent.RoleSettings;
import dev.lethe.unlearn.data.PreferenceRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset writer: AIDSAFE columns, resumption after a kill, budgets, failures, CSV, and the DPO/SFT records. */
class AidsafeDatasetTest {
    @TempDir
    Path out;

    static final List<String> PROMPTS = List.of("p1", "p2", "p3", "p4", "p5");

    /** Deliberators agree at once; each stage's reply names the prompt, so rows can be checked. */
    static ScriptedAgent agent() {
        return new ScriptedAgent().on(Role.DELIBERATOR, (n, p) -> AidsafePipeline.COMPLETE)
                .on(Role.REFINER, (n, p) -> "refined for " + query(p))
                .on(Role.RESPONDER, (n, p) -> "response to " + query(p) + (p.contains("belief") ? " (rejected)" : ""));
    }

    static String query(String prompt) {
        int i = prompt.indexOf("User query: ");
        return prompt.substring(i + 12, prompt.indexOf('\n', i)).strip();
    }

    /** Calls per prompt with agreement in round 1 and 2 agents: intents, initial, 2 deliberators, refine, respond x2, belief. */
    static final int CALLS_PER_PROMPT = 8;

    static List<JsonNode> rows(Path dir) throws Exception {
        return AidsafeDataset.readRepaired(dir.resolve("rows.jsonl"));
    }

    @Test
    void rowsHaveTheAidsafeColumns() throws Exception {
        AidsafeDataset.Summary s = AidsafeDataset.generate(new AidsafePipeline(agent(), ScriptedAgent.config(2, 2)),
                PROMPTS, out, true, m -> { });
        assertThat(s).isEqualTo(new AidsafeDataset.Summary(5, 0, 5, 0, null));
        List<JsonNode> rows = rows(out);
        assertThat(rows).hasSize(5);
        JsonNode r = rows.get(2);
        List<String> fields = new ArrayList<>();
        r.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactlyElementsOf(AidsafeDataset.COLUMNS);
        assertThat(r.get("prompt").asText()).isEqualTo("p3");
        assertThat(r.get("refined_thoughts").asText()).isEqualTo("refined for p3");
        assertThat(r.get("response").asText()).isEqualTo("response to p3");
        List<String> stages = new ArrayList<>();
        r.get("deliberation_log").forEach(e -> stages.add(e.get("stage").asText()));
        assertThat(stages).containsExactly("intents", "initial", "deliberation", "deliberation", "stop", "refine",
                "response");
        // the CSV holds the same rows
        try (MappingIterator<Map<String, String>> it = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(out.resolve("rows.csv").toFile())) {
            List<Map<String, String>> csv = it.readAll();
            assertThat(csv).hasSize(5);
            assertThat(csv.get(2).keySet()).containsExactlyElementsOf(AidsafeDataset.COLUMNS);
            assertThat(csv.get(2).get("refined_thoughts")).isEqualTo("refined for p3");
            assertThat(csv.get(2).get("deliberation_log")).startsWith("[{\"stage\":\"intents\"");
        }
    }

    @Test
    void aKilledRunResumesLosingAtMostThePromptInFlight() throws Exception {
        // the "kill": the agent dies on the intents call of the third prompt
        ScriptedAgent dying = agent().on(Role.INTENTS, (n, p) -> {
            if (n == 3) {
                throw new IllegalStateException("killed");
            }
            return "intents";
        });
        AidsafePipeline.Config cfg = ScriptedAgent.config(2, 2);
        assertThatThrownBy(() -> AidsafeDataset.generate(new AidsafePipeline(dying, cfg), PROMPTS, out, false,
                m -> { })).hasMessage("killed");
        assertThat(rows(out)).hasSize(2);
        // a kill in the middle of a write leaves half a line
        Files.writeString(out.resolve("rows.jsonl"), "{\"prompt\":\"p3\",\"refi", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        ScriptedAgent second = agent();
        AidsafeDataset.Summary s = AidsafeDataset.generate(new AidsafePipeline(second, cfg), PROMPTS, out, false,
                m -> { });
        assertThat(s).isEqualTo(new AidsafeDataset.Summary(5, 2, 3, 0, null));
        assertThat(second.calls(Role.INTENTS)).hasSize(3); // p1, p2 were not asked again
        assertThat(rows(out).stream().map(n -> n.get("prompt").asText())).containsExactly("p1", "p2", "p3", "p4", "p5");
        // a third run has nothing to do
        ScriptedAgent third = agent();
        assertThat(AidsafeDataset.generate(new AidsafePipeline(third, cfg), PROMPTS, out, false, m -> { }).written())
                .isZero();
        assertThat(third.calls).isEmpty();
    }

    @Test
    void requestBudgetStopsTheRunAndARerunContinues() throws Exception {
        AidsafePipeline.Config cfg = ScriptedAgent.config(2, 2);
        RequestBudget budget = new RequestBudget(2 * CALLS_PER_PROMPT + 3);
        AidsafeDataset.Summary s = AidsafeDataset.generate(new AidsafePipeline(budgeted(agent(), budget), cfg),
                PROMPTS, out, false, m -> { });
        assertThat(s.written()).isEqualTo(2);
        assertThat(s.stopped()).contains("request budget of 19 requests spent");
        assertThat(budget.used()).isEqualTo(19);
        assertThat(rows(out)).hasSize(2);
        AidsafeDataset.Summary again = AidsafeDataset.generate(new AidsafePipeline(budgeted(agent(),
                new RequestBudget(100)), cfg), PROMPTS, out, false, m -> { });
        assertThat(again).isEqualTo(new AidsafeDataset.Summary(5, 2, 3, 0, null));
    }

    private static Agent budgeted(Agent a, RequestBudget b) {
        return (List<ChatMessage> m, RoleSettings r) -> {
            b.take();
            return a.chat(m, r);
        };
    }

    @Test
    void aMalformedReplyFailsOnlyItsPromptAndIsRetriedNextRun() throws Exception {
        ScriptedAgent a = agent().on(Role.REFINER, (n, p) -> query(p).equals("p2") ? "" : "refined for " + query(p));
        AidsafePipeline.Config cfg = ScriptedAgent.config(2, 2);
        AidsafeDataset.Summary s = AidsafeDataset.generate(new AidsafePipeline(a, cfg), PROMPTS, out, false, m -> { });
        assertThat(s).isEqualTo(new AidsafeDataset.Summary(5, 0, 4, 1, null));
        List<JsonNode> failures = AidsafeDataset.readRepaired(out.resolve("failures.jsonl"));
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).get("prompt").asText()).isEqualTo("p2");
        assertThat(failures.get(0).get("error").asText()).contains("malformed reply");
        AidsafeDataset.Summary again = AidsafeDataset.generate(new AidsafePipeline(agent(), cfg), PROMPTS, out, false,
                m -> { });
        assertThat(again).isEqualTo(new AidsafeDataset.Summary(5, 4, 1, 0, null));
    }

    @Test
    void pairsJoinChosenAndRejectedSides() throws Exception {
        AidsafeDataset.generate(new AidsafePipeline(agent(), ScriptedAgent.config(2, 2)), PROMPTS, out, false,
                m -> { });
        Path pairs = out.resolve("pairs.jsonl");
        Path sft = out.resolve("sft.jsonl");
        PreferencePairs.Result r = PreferencePairs.write(out, pairs, sft);
        assertThat(r.pairs()).hasSize(5);
        assertThat(r.dropped()).isZero();
        PreferenceRecord p = PreferenceRecord.read(pairs).get(3);
        assertThat(p.prompt()).isEqualTo("p4");
        assertThat(p.chosen()).isEqualTo("Thoughts: refined for p4\nResponse: response to p4");
        assertThat(p.rejected()).isEqualTo("Thoughts: belief 4\nResponse: response to p4 (rejected)");
        List<String> sftLines = Files.readAllLines(sft);
        assertThat(sftLines).hasSize(5);
        assertThat(sftLines.get(0)).isEqualTo(
                "{\"question\":\"p1\",\"answer\":\"Thoughts: refined for p1\\nResponse: response to p1\"}");
    }

    @Test
    void pairsWithoutGeneratedRowsIsAClearError() {
        assertThatThrownBy(() -> PreferencePairs.read(out)).hasMessageContaining("no rows.jsonl")
                .hasMessageContaining("aidsafe generate");
    }
}
