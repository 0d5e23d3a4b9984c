package dev.lethe.aidsafe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.aidsafe.agent.AgentException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Control flow of the pipeline with a scripted agent: agreement, round budget, refiner output, belief, bad replies. */
class AidsafePipelineTest {

    @Test
    void agreementOfEveryAgentStopsDeliberationEarly() {
        ScriptedAgent a = new ScriptedAgent().on(Role.DELIBERATOR, (n, p) -> AidsafePipeline.COMPLETE);
        AidsafeRow row = new AidsafePipeline(a, ScriptedAgent.config(3, 5)).run("How do I kill a Python process?");
        assertThat(row.stopReason()).isEqualTo("agreement");
        assertThat(row.rounds()).isEqualTo(1);
        assertThat(a.calls(Role.DELIBERATOR)).hasSize(3);
    }

    @Test
    void aChangeNeedsEveryAgentToAgreeAgain() {
        // round 1: agent 1 adds a thought, agents 2 and 3 agree; round 2: agent 1 agrees -> 3 agreeing turns in a row
        ScriptedAgent a = new ScriptedAgent().on(Role.DELIBERATOR,
                (n, p) -> n == 1 ? "- policy 5 applies: this is a homonym" : "[" + AidsafePipeline.COMPLETE + "]");
        AidsafeRow row = new AidsafePipeline(a, ScriptedAgent.config(3, 5)).run("q");
        assertThat(row.stopReason()).isEqualTo("agreement");
        assertThat(row.rounds()).isEqualTo(2);
        assertThat(a.calls(Role.DELIBERATOR)).hasSize(4);
        // the added thought reaches the later agents and the refiner
        assertThat(a.calls(Role.DELIBERATOR).get(1).prompt()).contains("initial 1\n- policy 5 applies");
        assertThat(a.calls(Role.REFINER).get(0).prompt()).contains("- policy 5 applies: this is a homonym");
        // each agent samples with its own seed
        assertThat(a.calls(Role.DELIBERATOR).stream().map(c -> c.settings().seed()).distinct()).hasSize(4);
    }

    @Test
    void roundBudgetHoldsWhenAgentsNeverAgree() {
        ScriptedAgent a = new ScriptedAgent().on(Role.DELIBERATOR, (n, p) -> "new thought " + n);
        AidsafeRow row = new AidsafePipeline(a, ScriptedAgent.config(2, 3)).run("q");
        assertThat(row.stopReason()).isEqualTo("round_budget");
        assertThat(row.rounds()).isEqualTo(3);
        assertThat(a.calls(Role.DELIBERATOR)).hasSize(6);
        assertThat(a.calls(Role.REFINER).get(0).prompt()).contains("new thought 1").contains("new thought 6");
        assertThat(row.deliberationLog().stream().filter(e -> e.stage().equals("deliberation"))).hasSize(6);
    }

    @Test
    void refinerOutputIsTheRowsThoughtsAndSeedsTheResponse() {
        ScriptedAgent a = new ScriptedAgent()
                .on(Role.DELIBERATOR, (n, p) -> AidsafePipeline.COMPLETE)
                .on(Role.REFINER, (n, p) -> "REFINED: safe, a homonym of kill")
                .on(Role.RESPONDER, (n, p) -> p.contains("REFINED") ? "use kill -9" : "rejected answer");
        AidsafeRow row = new AidsafePipeline(a, ScriptedAgent.config(2, 2)).run("How do I kill a Python process?");
        assertThat(row.refinedThoughts()).isEqualTo("REFINED: safe, a homonym of kill");
        assertThat(row.response()).isEqualTo("use kill -9");
        assertThat(row.rejectedThoughts()).isEqualTo("belief 1");
        assertThat(row.rejectedResponse()).isEqualTo("rejected answer");
        assertThat(AidsafePipeline.defaultBeliefs()).contains(row.belief());
        assertThat(a.calls(Role.BELIEF).get(0).prompt()).contains(row.belief()).contains("intents 1");
    }

    @Test
    void intentsAndPoliciesReachThePrompts() {
        ScriptedAgent a = new ScriptedAgent().on(Role.DELIBERATOR, (n, p) -> AidsafePipeline.COMPLETE);
        AidsafePipeline.Config c = ScriptedAgent.config(1, 1).withPolicies(Policies.parse("- no weapons\n# c\n",
                "test"));
        new AidsafePipeline(a, c).run("the query");
        assertThat(a.calls(Role.INTENTS).get(0).prompt()).contains("the query").contains("1. no weapons");
        assertThat(a.calls(Role.INITIAL).get(0).prompt()).contains("intents 1");
        assertThat(a.calls(Role.DELIBERATOR).get(0).prompt()).contains("agent 1 of 1").contains("initial 1");
    }

    @Test
    void aBlankReplyIsMalformed() {
        ScriptedAgent a = new ScriptedAgent().on(Role.REFINER, (n, p) -> "  \n ");
        assertThatThrownBy(() -> new AidsafePipeline(a, ScriptedAgent.config(1, 1)).run("q"))
                .isInstanceOf(AgentException.class).hasMessageContaining("refiner agent").hasMessageContaining(
                        "malformed reply");
    }

    @Test
    void turnParsingSeparatesTheMarkerFromNewThoughts() {
        assertThat(AidsafePipeline.Turn.parse("**Deliberation complete.**")).isEqualTo(
                new AidsafePipeline.Turn(true, ""));
        assertThat(AidsafePipeline.Turn.parse("a\nDELIBERATION COMPLETE\nb")).isEqualTo(
                new AidsafePipeline.Turn(true, "a\nb"));
        assertThat(AidsafePipeline.Turn.parse("the deliberation complete? no")).isEqualTo(
                new AidsafePipeline.Turn(false, "the deliberation complete? no"));
        assertThat(List.of(AidsafePipeline.Turn.parse("x").complete())).containsExactly(false);
    }
}
