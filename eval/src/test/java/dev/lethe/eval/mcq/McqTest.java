package dev.lethe.eval.mcq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.Tape;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Prompt format written out by hand, data readers, and accuracy on the tiny Llama fixture against a plain argmax. */
class McqTest {

    static final Path WMDP = Path.of("src/test/resources/mcq/tiny_wmdp.json");
    static CausalLM model;
    static Tokenizer tok;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedFiles.path("fixtures/hf/llama");
        model = CausalLM.load(dir);
        tok = Tokenizers.load(dir);
    }

    @Test
    void promptFormatByHand() throws Exception {
        Path mmlu = SharedFiles.path("data/mmlu");
        McqBenchmark b = McqBenchmark.mmlu(mmlu, List.of("anatomy"), 1, 1);
        // dev row 1 of anatomy_dev.csv (answer 3 = D) as the one shot, then test row 1 of anatomy_test.csv
        List<McqItem> test = McqData.mmlu(mmlu, "anatomy", "test");
        McqItem q = test.get(0);
        String expected = "The following are multiple choice questions (with answers) about anatomy.\n\n"
                + "What is the embryological origin of the hyoid bone?\nA. The first pharyngeal arch\n"
                + "B. The first and second pharyngeal arches\nC. The second pharyngeal arch\n"
                + "D. The second and third pharyngeal arches\nAnswer: D\n\n"
                + q.question().strip() + "\nA. " + q.choices().get(0) + "\nB. " + q.choices().get(1) + "\nC. "
                + q.choices().get(2) + "\nD. " + q.choices().get(3) + "\nAnswer:";
        assertThat(b.contexts()).containsExactly(expected);
        McqBenchmark w = McqBenchmark.json(WMDP, "college_biology", 0);
        assertThat(w.contexts().get(0)).isEqualTo("The following are multiple choice questions (with answers) about"
                + " college biology.\n\nWhich gas do plants take in?\nA. Oxygen\nB. Carbon dioxide\nC. Helium\n"
                + "D. Neon\nAnswer:");
        assertThat(McqBenchmark.json(WMDP, null, 2).contexts().get(1))
                .isEqualTo("What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer:");
        assertThat(McqData.subjects(mmlu, "test")).hasSize(57);
        assertThat(McqData.mmlu(mmlu, "anatomy", "dev")).hasSize(5);
    }

    /**
     * Independent: per option, one unpadded forward over context + continuation (lm-eval's split of
     * encode(context + " X")), log-softmax written out in double, the continuation's log-probs summed; argmax
     * (first on ties). The fixture's byte-level BPE has no "ĠA", so " A" is the space token then "A".
     */
    static double[] handLogProbs(String context) {
        int[] ctx = tok.encode(context, true);
        double[] out = new double[4];
        for (int j = 0; j < 4; j++) {
            int[] whole = tok.encode(context + " " + "ABCD".charAt(j), true);
            assertThat(Arrays.copyOf(whole, ctx.length)).isEqualTo(ctx);
            assertThat(whole.length).as("space + letter").isEqualTo(ctx.length + 2);
            // lm-eval: the model reads (context + continuation)[-(max_length + 1):][:-1]
            int[] ids = whole.length > 129 ? Arrays.copyOfRange(whole, whole.length - 129, whole.length) : whole;
            int first = ids.length - (whole.length - ctx.length);
            try (Tape tape = Tape.inference()) {
                INDArray logits = model.forward(tape, TokenBatch.of(Arrays.copyOf(ids, ids.length - 1))).logits()
                        .value();
                int v = (int) logits.size(2);
                for (int t = first - 1; t < ids.length - 1; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < v; c++) {
                        max = Math.max(max, logits.getDouble(0, t, c));
                    }
                    double z = 0;
                    for (int c = 0; c < v; c++) {
                        z += Math.exp(logits.getDouble(0, t, c) - max);
                    }
                    out[j] += logits.getDouble(0, t, ids[t + 1]) - max - Math.log(z);
                }
            }
        }
        return out;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }

    @Test
    void scoringInPartsMergesToTheWholeEvaluationBitForBit() throws Exception {
        McqBenchmark mm = McqBenchmark.mmlu(SharedFiles.path("data/mmlu"), List.of("anatomy", "virology"), 2, 4);
        for (boolean separate : new boolean[] {false, true}) {
            McqEvaluator ev = new McqEvaluator(model, tok, 2, true);
            ev.forceSeparate = separate;
            McqEvaluator.Result whole = ev.evaluate(mm.items(), mm.contexts(), Progress.NONE);
            McqEvaluator.Scored[] merged = new McqEvaluator.Scored[mm.items().size()];
            for (int part = 0; part < 3; part++) {
                McqEvaluator.Scored[] s = ev.score(mm.items(), mm.contexts(), part, 3, Progress.NONE);
                for (int i = 0; i < merged.length; i++) {
                    if (s[i] != null) {
                        assertThat(merged[i]).as("question " + i + " scored by two parts").isNull();
                        merged[i] = s[i];
                    }
                }
            }
            McqEvaluator.Result parts = McqEvaluator.result(mm.items(), merged);
            for (int i = 0; i < merged.length; i++) {
                double[] a = whole.scored().get(i).logProbs();
                double[] b = parts.scored().get(i).logProbs();
                for (int j = 0; j < 4; j++) {
                    assertThat(Double.doubleToRawLongBits(b[j])).as("question " + i + " option " + j)
                            .isEqualTo(Double.doubleToRawLongBits(a[j]));
                }
                assertThat(parts.scored().get(i).truncated()).isEqualTo(whole.scored().get(i).truncated());
            }
            assertThat(parts.correct()).isEqualTo(whole.correct());
            assertThat(parts.subjects().get("virology")).containsExactly(whole.subjects().get("virology"));
        }
        McqEvaluator.Scored[] one = new McqEvaluator(model, tok, 2, true).score(mm.items(), mm.contexts(), 1, 3,
                Progress.NONE);
        assertThatThrownBy(() -> McqEvaluator.result(mm.items(), one)).hasMessageContaining("has no score");
    }

    @Test
    void accuracyEqualsAnIndependentArgmax() throws Exception {
        McqBenchmark mm = McqBenchmark.mmlu(SharedFiles.path("data/mmlu"), List.of("anatomy", "virology"), 2, 4);
        McqBenchmark w = McqBenchmark.json(WMDP, "biology", 0);
        for (McqBenchmark b : List.of(mm, w)) {
            McqEvaluator.Result r = new McqEvaluator(model, tok, 3, true).evaluate(b.items(), b.contexts(),
                    Progress.NONE);
            int correct = 0;
            for (int i = 0; i < b.items().size(); i++) {
                double[] hand = handLogProbs(b.contexts().get(i));
                int p = argmax(hand);
                assertThat(r.scored().get(i).prediction()).as("question " + i).isEqualTo(p);
                correct += p == b.items().get(i).answer() ? 1 : 0;
                double[] lp = r.scored().get(i).logProbs();
                for (int j = 0; j < 4; j++) {
                    assertThat(lp[j]).isCloseTo(hand[j], within(1e-4));
                }
            }
            assertThat(r.correct()).isEqualTo(correct);
            assertThat(r.accuracy()).isEqualTo((double) correct / b.items().size());
        }
        McqEvaluator.Result r = new McqEvaluator(model, tok, 4, true).evaluate(mm.items(), mm.contexts(),
                Progress.NONE);
        assertThat(r.subjects()).containsOnlyKeys("anatomy", "virology");
        assertThat(r.subjects().get("virology")[2]).isEqualTo(4.0);
        assertThat(r.truncated()).as("2-shot MMLU prompts exceed the fixture's 128 tokens").isPositive();
        // the general path (each continuation scored on its own) gives the same log-probs
        McqEvaluator sep = new McqEvaluator(model, tok, 5, true);
        sep.forceSeparate = true;
        McqEvaluator.Result r2 = sep.evaluate(w.items(), w.contexts(), Progress.NONE);
        McqEvaluator.Result r1 = new McqEvaluator(model, tok, 2, true).evaluate(w.items(), w.contexts(),
                Progress.NONE);
        for (int i = 0; i < w.items().size(); i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(r2.scored().get(i).logProbs()[j]).isCloseTo(r1.scored().get(i).logProbs()[j], within(1e-4));
            }
        }
    }

    @Test
    void readerErrorsNameFileAndField() throws Exception {
        Path csv = tmp.resolve("x_test.csv");
        Files.writeString(csv, "q,a,b,c,d,ans\n");
        assertThatThrownBy(() -> McqData.csv(csv, "x")).hasMessageContaining("header");
        Files.writeString(csv, "question,choice0,choice1,choice2,choice3,answer\n\"multi\nline, \"\"q\"\"\",a,b,c,d,B\n");
        assertThatThrownBy(() -> McqData.csv(csv, "x")).hasMessageContaining("record 1").hasMessageContaining("0-based");
        Files.writeString(csv, "question,choice0,choice1,choice2,choice3,answer\r\n\"multi\nline, \"\"q\"\"\",a,b,c,d,2\r\n");
        McqItem it = McqData.csv(csv, "x").get(0);
        assertThat(it.question()).isEqualTo("multi\nline, \"q\"");
        assertThat(it.answer()).isEqualTo(2);
        Path js = tmp.resolve("w.jsonl");
        Files.writeString(js, "{\"question\": \"q\", \"choices\": [\"a\", \"b\", \"c\"], \"answer\": 0}\n");
        assertThatThrownBy(() -> McqData.json(js, null)).hasMessageContaining(js + " line 1").hasMessageContaining("choices");
        assertThatThrownBy(() -> McqData.mmlu(SharedFiles.path("data/mmlu"), "nope", "test"))
                .hasMessageContaining("unknown subject \"nope\"");
        assertThatThrownBy(() -> McqBenchmark.mmlu(SharedFiles.path("data/mmlu"), List.of("anatomy"), 6, 1))
                .hasMessageContaining("--shots 5");
    }
}
