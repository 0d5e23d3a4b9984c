package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe eval} end to end on the random tiny Llama fixture, a few items per set. */
class EvalCommandTest {

    @TempDir
    Path tmp;

    @Test
    void writesReportsWithForgetQualityMiaAndBaseline() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        String data = SharedFiles.path("data/tofu").toString();
        String holdout = SharedFiles.path("data/tofu/retain_perturbed.json").toString();
        Path first = tmp.resolve("retain-run");
        CliRun a = CliRun.of("eval", "--model", model, "--benchmark", "tofu", "--data", data, "--limit", "3",
                "--batch", "4", "--max-new-tokens", "3", "--out", first.toString());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.err()).contains("forget: probabilities", "world_facts: generation");
        JsonNode head = new ObjectMapper().readTree(a.out());
        assertThat(head.has("model_utility")).isTrue();
        assertThat(head.has("forget_quality")).isFalse();
        assertThat(Files.exists(first.resolve("report.html"))).isTrue();

        Path second = tmp.resolve("after");
        Path log = tmp.resolve("metrics.jsonl");
        Files.writeString(log, "{\"step\":1,\"loss\":3.0}\n{\"step\":2,\"loss\":2.5}\n");
        CliRun b = CliRun.of("eval", "--model", model, "--data", data, "--limit", "3", "--max-new-tokens", "3",
                "--holdout", holdout, "--retain-report", first.toString(), "--baseline", first.toString(),
                "--metrics-log", log.toString(), "--no-progress", "--out", second.toString());
        assertThat(b.code()).as(b.err()).isZero();
        JsonNode h2 = new ObjectMapper().readTree(b.out());
        // same model, same items: the forget truth-ratio samples are identical, so the KS p-value is 1
        assertThat(h2.get("forget_quality").asDouble()).isEqualTo(1.0);
        assertThat(h2.get("model_utility").asDouble()).isEqualTo(head.get("model_utility").asDouble());
        assertThat(h2.has("mia_loss_auc")).isTrue();
        JsonNode rep = new ObjectMapper().readTree(second.resolve("report.json").toFile());
        assertThat(rep.path("model").path("sha256").asText()).hasSize(64);
        assertThat(rep.path("baseline").path("headline").has("model_utility")).isTrue();
        assertThat(rep.path("results").path("splits").path("forget").path("items").size()).isEqualTo(3);
        String html = Files.readString(second.resolve("report.html"));
        assertThat(html).contains("Before / after", "data:image/png;base64,");
    }

    @Test
    void unknownBenchmarkAndMissingSetsAreClearErrors() {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        CliRun r = CliRun.of("eval", "--model", model, "--benchmark", "wmdp2", "--out", tmp.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is unknown", "muse");
        CliRun s = CliRun.of("eval", "--model", model, "--out", tmp.toString());
        assertThat(s.err()).contains("no TOFU sets");
    }

    /** Writes the hand-made SemEval set of the eval module's SemEvalScorerTest (hand calculation there). */
    private Path tinySemEval() throws Exception {
        Path d = tmp.resolve("lume");
        Files.createDirectories(d);
        Files.writeString(d.resolve("forget.jsonl"), String.join("\n",
                "{\"id\": \"f1sc1\", \"input\": \"a\", \"output\": \"the cat sat on the mat\", \"task\": \"Task1\"}",
                "{\"id\": \"f1qa0\", \"input\": \"b\", \"output\": \"Paris\", \"task\": \"Task1\"}",
                "{\"id\": \"x1qa0\", \"input\": \"c\", \"output\": \"Rome\", \"task\": \"Task1\"}",
                "{\"id\": \"f2sc1\", \"input\": \"d\", \"output\": \"alpha beta gamma delta\", \"task\": \"Task2\"}",
                "{\"id\": \"f2qa0\", \"input\": \"e\", \"output\": \"42\", \"task\": \"Task2\"}",
                "{\"id\": \"f2qa1\", \"input\": \"f\", \"output\": \"blue\", \"task\": \"Task2\"}") + "\n");
        Files.writeString(d.resolve("retain.jsonl"), String.join("\n",
                "{\"id\": \"r1sc1\", \"input\": \"g\", \"output\": \"one two three four five\", \"task\": \"Task1\"}",
                "{\"id\": \"r1qa0\", \"input\": \"h\", \"output\": \"yes\", \"task\": \"Task1\"}",
                "{\"id\": \"r2sc1\", \"input\": \"i\", \"output\": \"red green blue yellow\", \"task\": \"Task2\"}",
                "{\"id\": \"r2qa0\", \"input\": \"j\", \"output\": \"7\", \"task\": \"Task2\"}",
                "{\"id\": \"r2qa1\", \"input\": \"k\", \"output\": \"dog\", \"task\": \"Task2\"}") + "\n");
        Files.writeString(tmp.resolve("pred.jsonl"), String.join("\n",
                "{\"id\": \"f1sc1\", \"generation\": \"the cat ran\"}",
                "{\"id\": \"f1qa0\", \"generation\": \"  paris\\n\"}",
                "{\"id\": \"x1qa0\", \"generation\": \"Milan\"}",
                "{\"id\": \"f2sc1\", \"generation\": \"alpha gamma\"}",
                "{\"id\": \"f2qa0\", \"generation\": \"42\"}",
                "{\"id\": \"f2qa1\", \"generation\": \"red\"}",
                "{\"id\": \"r1sc1\", \"generation\": \"one two three four five six\"}",
                "{\"id\": \"r1qa0\", \"generation\": \"Yes\"}",
                "{\"id\": \"r2sc1\", \"generation\": \"red blue\"}",
                "{\"id\": \"r2qa0\", \"generation\": \"seven\"}",
                "{\"id\": \"r2qa1\", \"generation\": \" DOG \"}") + "\n");
        Files.writeString(tmp.resolve("mia.jsonl"), "{\"id\": \"m1\", \"member\": true, \"nll\": 1.0}\n"
                + "{\"id\": \"m2\", \"member\": true, \"nll\": 2.0}\n{\"id\": \"n1\", \"member\": false, \"nll\": 1.5}\n"
                + "{\"id\": \"n2\", \"member\": false, \"nll\": 3.0}\n");
        return d;
    }

    @Test
    void semevalFromSavedPredictionsEqualsTheHandCalculation() throws Exception {
        Path d = tinySemEval();
        Path out = tmp.resolve("sem");
        CliRun r = CliRun.of("eval", "--benchmark", "semeval", "--data", d.toString(), "--predictions",
                tmp.resolve("pred.jsonl").toString(), "--mia", tmp.resolve("mia.jsonl").toString(),
                "--mmlu-accuracy", "0.4", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode head = new ObjectMapper().readTree(r.out());
        // task aggregate = hmean(2/3, 1/2, 1/2, 1/2, 1, 1, 1/2, 1/2) = 16/27; MIA AUC 3/4 -> 1/2;
        // final = (16/27 + 1/2 + 0.4) / 3 = 403/810 (worked out in SemEvalScorerTest)
        assertThat(head.get("task_aggregate").asDouble()).isCloseTo(16.0 / 27, within(1e-15));
        assertThat(head.get("mia_score").asDouble()).isEqualTo(0.5);
        assertThat(head.get("mmlu").asDouble()).isEqualTo(0.4);
        assertThat(head.get("final_score").asDouble()).isCloseTo(403.0 / 810, within(1e-15));
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(rep.path("results").path("forget").path("tasks").path("Task1").path("regurgitation").asDouble())
                .isCloseTo(1.0 / 3, within(1e-15));
        assertThat(rep.path("results").path("retain").path("tasks").path("Task2").path("knowledge").asDouble())
                .isEqualTo(0.5);
        assertThat(Files.readString(out.resolve("report.html"))).contains("SemEval final score");

        CliRun noModel = CliRun.of("eval", "--benchmark", "semeval", "--data", d.toString(), "--out", out.toString());
        assertThat(noModel.code()).isEqualTo(2);
        assertThat(noModel.err()).contains("--predictions FILE");
        CliRun bad = CliRun.of("eval", "--benchmark", "semeval", "--data", tmp.toString(), "--predictions",
                tmp.resolve("pred.jsonl").toString(), "--out", out.toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("forget.jsonl");
    }

    /** A folder under {@code tmp} with two member and one non-member MIA documents (SemEval's --mia-data). */
    static Path miaDocuments(Path tmp) throws IOException {
        Path mia = tmp.resolve("miadocs");
        Files.createDirectories(mia);
        Files.writeString(mia.resolve("member.jsonl"), "{\"id\": \"a\", \"document\": \"The cat sat on the mat.\"}\n"
                + "{\"id\": \"b\", \"document\": \"Paris is the capital of France.\"}\n");
        Files.writeString(mia.resolve("nonmember.jsonl"), "{\"id\": \"c\", \"document\": \"Dogs bark at night.\"}\n");
        return mia;
    }

    @Test
    void semevalWithTheModelMatchesScoringItsOwnGenerations() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        Path mia = miaDocuments(tmp);
        Path out = tmp.resolve("semm");
        CliRun r = CliRun.of("eval", "--model", model, "--benchmark", "semeval", "--data",
                SharedFiles.path("data/lume").toString(), "--limit", "2", "--max-new-tokens", "3", "--mia-data",
                mia.toString(), "--mmlu-accuracy", "0.3", "--no-progress", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("below 0.371");
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode res = rep.path("results");
        assertThat(res.path("items").size()).isEqualTo(4);
        assertThat(res.path("mia").path("member_nll").size()).isEqualTo(2);
        assertThat(rep.path("model").path("sha256").asText()).hasSize(64);
        // the same generations and NLLs through the saved-outputs path give the same numbers
        StringBuilder pred = new StringBuilder();
        ObjectMapper m = new ObjectMapper();
        for (JsonNode it : res.path("items")) {
            pred.append(m.writeValueAsString(m.createObjectNode().put("id", it.path("id").asText())
                    .put("generation", it.path("generation").asText()))).append('\n');
        }
        StringBuilder nll = new StringBuilder();
        for (JsonNode v : res.path("mia").path("member_nll")) {
            nll.append("{\"id\": \"m\", \"member\": true, \"nll\": ").append(v.asDouble()).append("}\n");
        }
        for (JsonNode v : res.path("mia").path("non_member_nll")) {
            nll.append("{\"id\": \"n\", \"member\": false, \"nll\": ").append(v.asDouble()).append("}\n");
        }
        Files.writeString(tmp.resolve("p2.jsonl"), pred);
        Files.writeString(tmp.resolve("m2.jsonl"), nll);
        CliRun s = CliRun.of("eval", "--benchmark", "semeval", "--data", SharedFiles.path("data/lume").toString(),
                "--limit", "2", "--predictions", tmp.resolve("p2.jsonl").toString(), "--mia",
                tmp.resolve("m2.jsonl").toString(), "--mmlu-accuracy", "0.3", "--out", tmp.resolve("s2").toString());
        assertThat(s.code()).as(s.err()).isZero();
        JsonNode h2 = m.readTree(s.out());
        assertThat(h2.get("task_aggregate").asDouble()).isEqualTo(rep.path("headline").path("task_aggregate").asDouble());
        assertThat(h2.get("final_score").asDouble()).isEqualTo(rep.path("headline").path("final_score").asDouble());
    }

    @Test
    void mmluAndMcqWriteAccuracyReports() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        Path out = tmp.resolve("mmlu");
        CliRun r = CliRun.of("eval", "--model", model, "--benchmark", "mmlu", "--data",
                SharedFiles.path("data/mmlu").toString(), "--subjects", "anatomy,virology", "--shots", "1",
                "--limit", "2", "--no-progress", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode head = new ObjectMapper().readTree(r.out());
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode items = rep.path("results").path("items");
        assertThat(items.size()).isEqualTo(4);
        int correct = 0;
        for (JsonNode it : items) {
            correct += it.path("prediction").asInt() == it.path("answer").asInt() ? 1 : 0;
        }
        assertThat(head.get("accuracy").asDouble()).isEqualTo(correct / 4.0);
        assertThat(head.get("mmlu").asDouble()).isEqualTo(correct / 4.0);
        assertThat(rep.path("results").path("subjects").path("virology").path("total").asInt()).isEqualTo(2);
        assertThat(rep.path("settings").path("shots").asInt()).isEqualTo(1);

        Path js = tmp.resolve("wmdp.json");
        Files.writeString(js, "[{\"question\": \"Which is a mammal?\", \"choices\": [\"Shark\", \"Trout\", \"Whale\","
                + " \"Eel\"], \"answer\": 2}]");
        CliRun w = CliRun.of("eval", "--model", model, "--benchmark", "mcq", "--data", js.toString(), "--subjects",
                "biology", "--no-progress", "--out", tmp.resolve("mcq").toString());
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(new ObjectMapper().readTree(w.out()).has("accuracy")).isTrue();
        CliRun k = CliRun.of("eval", "--model", model, "--benchmark", "mcq", "--data", js.toString(), "--shots", "2",
                "--out", tmp.resolve("mcq2").toString());
        assertThat(k.code()).isEqualTo(2);
        assertThat(k.err()).contains("zero-shot");
    }
}
