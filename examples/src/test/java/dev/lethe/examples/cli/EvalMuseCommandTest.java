package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe eval --benchmark muse} end to end on the random tiny Llama fixture and a few hand-written texts. */
class EvalMuseCommandTest {

    @TempDir
    Path tmp;

    String model;

    @BeforeEach
    void files() throws Exception {
        model = SharedFiles.path("fixtures/hf/llama").toString();
        Files.writeString(tmp.resolve("forget.jsonl"), String.join("\n",
                "{\"text\": \"The lighthouse keeper Odile Varga painted every storm she watched.\"}",
                "{\"text\": \"In 1931 the river town of Brask built a bridge of pale green stone.\"}",
                "{\"text\": \"Varga kept her paintings in a cedar chest and sold none of them.\"}") + "\n");
        Files.writeString(tmp.resolve("holdout.json"), "[\"A baker in the hill village of Tolm made chestnut bread.\","
                + " \"The orchestra of Lenz played only music by young composers.\","
                + " {\"text\": \"Old ferry boats on the lake were painted yellow for fishermen.\"}]");
        Files.writeString(tmp.resolve("fqa.jsonl"), "{\"question\": \"What did Varga paint?\", \"answer\":"
                + " \"storms\"}\n"
                + "{\"question\": \"When was the bridge built?\", \"answer\": \"1931\"}\n");
        Files.writeString(tmp.resolve("rqa.jsonl"), "{\"question\": \"What colour were the boats?\", \"answer\":"
                + " \"yellow\"}\n");
        Files.writeString(tmp.resolve("icl.jsonl"), "{\"question\": \"Capital of France?\", \"answer\": \"Paris\"}\n");
    }

    CliRun muse(String out, String... extra) {
        String[] base = {"eval", "--model", model, "--benchmark", "muse", "--forget-text",
            tmp.resolve("forget.jsonl").toString(), "--holdout-text", tmp.resolve("holdout.json").toString(),
            "--forget-qa", tmp.resolve("fqa.jsonl").toString(), "--retain-qa", tmp.resolve("rqa.jsonl").toString(),
            "--forget-qa-icl", tmp.resolve("icl.jsonl").toString(), "--verbmem-prompt-tokens", "10",
            "--max-new-tokens", "6", "--knowmem-max-new-tokens", "5", "--batch", "2", "--out",
            tmp.resolve(out).toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return CliRun.of(all);
    }

    @Test
    void writesReportsAndTheSameModelAsReferenceGivesZeroPrivLeak() throws Exception {
        CliRun a = muse("first");
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.err()).contains("verbmem: generation", "knowmem_forget: generation", "privleak: holdout texts");
        ObjectMapper m = new ObjectMapper();
        JsonNode head = m.readTree(a.out());
        assertThat(head.has("verbmem_f") && head.has("knowmem_f") && head.has("knowmem_r")).isTrue();
        JsonNode rep = m.readTree(tmp.resolve("first/report.json").toFile());
        assertThat(rep.path("model").path("sha256").asText()).hasSize(64);
        assertThat(rep.path("settings").path("verbmem_prompt_tokens").asInt()).isEqualTo(10);
        assertThat(rep.path("results").path("verbmem").path("items").size()).isEqualTo(3);
        assertThat(rep.path("results").path("knowmem_forget").path("items").size()).isEqualTo(2);
        JsonNode p = rep.path("results").path("privleak");
        assertThat(p.path("reference_auc").asDouble()).isEqualTo(0.5);
        double auc = p.path("auc").asDouble();
        assertThat(head.get("privleak").asDouble()).isEqualTo((auc - 0.5) / 0.5 * 100);
        JsonNode roc = p.path("attacks").path("min_k").path("roc");
        assertThat(roc.path("fpr").size()).isEqualTo(roc.path("tpr").size()).isGreaterThanOrEqualTo(2);
        assertThat(Files.readString(tmp.resolve("first/report.html"))).contains("MUSE metrics", "Privacy leakage");

        // the same model's report as the reference: identical AUC, so PrivLeak is exactly 0; with a baseline
        CliRun b = muse("second", "--retain-report", tmp.resolve("first").toString(), "--baseline",
                tmp.resolve("first").toString(), "--no-progress");
        assertThat(b.code()).as(b.err()).isZero();
        JsonNode h2 = m.readTree(b.out());
        assertThat(h2.get("privleak").asDouble()).isEqualTo(0.0);
        assertThat(h2.get("verbmem_f").asDouble()).isEqualTo(head.get("verbmem_f").asDouble());
        JsonNode rep2 = m.readTree(tmp.resolve("second/report.json").toFile());
        assertThat(rep2.path("baseline").path("headline").has("privleak")).isTrue();
        assertThat(rep2.path("results").path("privleak").path("reference_source").asText()).contains("report");
        assertThat(Files.readString(tmp.resolve("second/report.html"))).contains("Before / after", "baseline score");

        // the retain model evaluated here (the same model again), open-unlearning convention: PrivLeak 0 again
        CliRun c = muse("third", "--retain-model", model, "--privleak-convention", "open-unlearning",
                "--privleak-attack", "loss", "--no-progress");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(m.readTree(c.out()).get("privleak").asDouble()).isEqualTo(0.0);
        JsonNode p3 = m.readTree(tmp.resolve("third/report.json").toFile()).path("results").path("privleak");
        assertThat(p3.path("convention").asText()).isEqualTo("open-unlearning");
        assertThat(p3.path("auc").asDouble()).isEqualTo(p3.path("attacks").path("loss").path("auc_open_unlearning")
                .asDouble());
    }

    @Test
    void clearErrors() throws Exception {
        CliRun none = CliRun.of("eval", "--model", model, "--benchmark", "muse", "--out", tmp.resolve("x").toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("needs inputs", "--forget-text");
        Files.writeString(tmp.resolve("bad.jsonl"),
                "{\"question\": \"Q?\", \"answer\": \"A\"}\n{\"question\": \"Q2\"}\n");
        CliRun bad = CliRun.of("eval", "--model", model, "--benchmark", "muse", "--forget-qa",
                tmp.resolve("bad.jsonl").toString(), "--out", tmp.resolve("y").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("bad.jsonl line 2", "no field \"answer\"");
        CliRun two = muse("z", "--retain-model", model, "--reference-auc", "news");
        assertThat(two.code()).isEqualTo(2);
        assertThat(two.err()).contains("at most one PrivLeak reference");
        CliRun attack = muse("w", "--privleak-attack", "gradnorm");
        assertThat(attack.code()).isEqualTo(2);
        assertThat(attack.err()).contains("unknown membership-inference attack", "min_k_plus_plus");
        CliRun refOnly = CliRun.of("eval", "--model", model, "--benchmark", "muse", "--forget-qa",
                tmp.resolve("fqa.jsonl").toString(), "--reference-auc", "news", "--out", tmp.resolve("v").toString());
        assertThat(refOnly.code()).isEqualTo(2);
        assertThat(refOnly.err()).contains("--holdout-text");
        CliRun zero = muse("u", "--reference-auc", "0");
        assertThat(zero.code()).isEqualTo(1);
        assertThat(zero.err()).contains("divide by zero");
    }
}
