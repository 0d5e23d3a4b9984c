package dev.lethe.eval.muse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.eval.metrics.RocAuc;
import dev.lethe.eval.metrics.RocCurve;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.eval.text.DocumentScorer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MUSE's metric arithmetic against scikit-learn / NumPy values written by eval/scripts/make_muse_fixtures.py
 * (resources muse/muse_metrics.json) and against hand calculations.
 */
class MuseMetricsTest {

    static JsonNode fixture;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = MuseMetricsTest.class.getResourceAsStream("/muse/muse_metrics.json")) {
            assertThat(in).as("muse/muse_metrics.json; regenerate with /usr/bin/python3"
                    + " eval/scripts/make_muse_fixtures.py").isNotNull();
            fixture = new ObjectMapper().readTree(in);
        }
    }

    static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    /** sklearn.metrics.roc_curve points (drop_intermediate=True) and auc(fpr, tpr), to the last bit. */
    @Test
    void rocPointsEqualSklearnRocCurve() {
        for (JsonNode c : fixture.get("roc_curve")) {
            boolean[] y = new boolean[c.get("labels").size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = c.get("labels").get(i).asInt() == 1;
            }
            RocCurve r = RocAuc.curve(y, doubles(c.get("scores")));
            String tag = c.get("tag").asText();
            assertThat(r.fpr()).as(tag).containsExactly(doubles(c.get("fpr")));
            assertThat(r.tpr()).as(tag).containsExactly(doubles(c.get("tpr")));
            assertThat(Arrays.copyOfRange(r.thresholds(), 1, r.thresholds().length)).as(tag)
                    .containsExactly(doubles(c.get("thresholds_after_first")));
            assertThat(r.thresholds()[0]).isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(r.auc()).as(tag).isEqualTo(c.get("auc").asDouble());
            assertThat(r.auc()).as(tag).isEqualTo(c.get("roc_auc_score").asDouble());
            assertThat(r.trapezoidArea()).as(tag).isEqualTo(r.auc());
        }
    }

    static List<DocumentScorer.Scored> scored(JsonNode docs) {
        List<DocumentScorer.Scored> out = new ArrayList<>();
        for (JsonNode d : docs) {
            out.add(new DocumentScorer.Scored(doubles(d.get("token_log_probs")), doubles(d.get("mu")),
                    doubles(d.get("variance")), false));
        }
        return out;
    }

    static List<String> texts(JsonNode docs) {
        List<String> out = new ArrayList<>();
        docs.forEach(d -> out.add(d.get("text").asText()));
        return out;
    }

    /** Scores, both AUC conventions, the MUSE ROC points and PrivLeak (MUSE-News reference; OU default 0.5). */
    @Test
    void privLeakEqualsMuseAndOpenUnlearningPython() {
        JsonNode p = fixture.get("privleak");
        double k = p.get("k").asDouble();
        MiaScores f = MiaScores.of(texts(p.get("forget")), scored(p.get("forget")), k);
        MiaScores h = MiaScores.of(texts(p.get("holdout")), scored(p.get("holdout")), k);
        PrivLeakResult muse = PrivLeakResult.of(f, h, MiaAttack.MIN_K, PrivLeakConvention.MUSE,
                PrivLeakResult.Reference.parse("news", PrivLeakConvention.MUSE));
        assertThat(f.scores().keySet()).containsExactly(MiaAttack.LOSS, MiaAttack.ZLIB, MiaAttack.MIN_K,
                MiaAttack.MIN_K_PLUS_PLUS);
        for (MiaAttack a : f.scores().keySet()) {
            JsonNode want = p.get("attacks").get(a.key());
            assertThat(f.get(a)).as(a.key()).containsExactly(doubles(want.get("forget_scores")), within(1e-12));
            assertThat(h.get(a)).as(a.key()).containsExactly(doubles(want.get("holdout_scores")), within(1e-12));
            PrivLeakResult.AttackResult got = muse.attacks().get(a);
            assertThat(got.aucMuse()).as(a.key()).isEqualTo(want.get("auc_muse").asDouble());
            assertThat(got.aucOpenUnlearning()).as(a.key()).isEqualTo(want.get("auc_open_unlearning").asDouble());
            assertThat(got.roc().fpr()).as(a.key()).containsExactly(doubles(want.get("roc_muse").get("fpr")));
            assertThat(got.roc().tpr()).as(a.key()).containsExactly(doubles(want.get("roc_muse").get("tpr")));
            assertThat(got.roc().auc()).isEqualTo(got.aucMuse());
        }
        assertThat(muse.auc()).isEqualTo(p.get("attacks").get("min_k").get("auc_muse").asDouble());
        assertThat(muse.referenceAuc()).isEqualTo(0.4772);
        assertThat(muse.privLeak()).isCloseTo(p.get("privleak_muse_news").asDouble(), within(1e-12));
        PrivLeakResult ou = PrivLeakResult.of(f, h, MiaAttack.MIN_K, PrivLeakConvention.OPEN_UNLEARNING,
                PrivLeakResult.Reference.chance());
        assertThat(ou.auc()).isEqualTo(p.get("attacks").get("min_k").get("auc_open_unlearning").asDouble());
        assertThat(ou.privLeak()).isCloseTo(p.get("privleak_open_unlearning_ref_0.5").asDouble(), within(1e-12));
        // the OU curve is stored for the OU convention
        assertThat(ou.attacks().get(MiaAttack.MIN_K).roc().auc()).isEqualTo(ou.auc());
    }

    /**
     * Hand calculation. Forget scores {0.5, 2.0}, holdout {1.0, 3.0}. MUSE: label holdout 1, score -s, so a pair
     * counts when the holdout score is lower: only (1.0 &lt; 2.0), AUC = 1/4. open-unlearning: score s, AUC = 3/4.
     * PrivLeak against 0.5: (1/4 - 1/2) / (1/2) * 100 = -50 in both conventions.
     */
    @Test
    void privLeakHandCalculation() {
        PrivLeakResult.AttackResult a = PrivLeakResult.attack(new double[] {0.5, 2.0}, new double[] {1.0, 3.0},
                PrivLeakConvention.MUSE);
        assertThat(a.aucMuse()).isEqualTo(0.25);
        assertThat(a.aucOpenUnlearning()).isEqualTo(0.75);
        assertThat(dev.lethe.eval.metrics.PrivLeak.muse(a.aucMuse(), 0.5)).isEqualTo(-50.0);
        assertThat(dev.lethe.eval.metrics.PrivLeak.openUnlearning(a.aucOpenUnlearning(), 0.5))
                .isCloseTo(-50.0, within(1e-7));
        // news/books constants: MUSE convention as given, open-unlearning flipped
        assertThat(PrivLeakResult.Reference.parse("books", PrivLeakConvention.MUSE).auc()).isEqualTo(0.5393);
        assertThat(PrivLeakResult.Reference.parse("news", PrivLeakConvention.OPEN_UNLEARNING).auc())
                .isCloseTo(1 - 0.4772, within(1e-15));
        assertThat(PrivLeakResult.Reference.parse("0.61", PrivLeakConvention.MUSE).auc()).isEqualTo(0.61);
        assertThatThrownBy(() -> PrivLeakResult.Reference.parse("wiki", PrivLeakConvention.MUSE))
                .hasMessageContaining("news/books");
    }

    @Test
    void knowMemCutEqualsMuseFunction() {
        for (JsonNode c : fixture.get("knowmem_cut")) {
            assertThat(KnowMemPrompt.cut(c.get("output").asText())).as(c.get("output").asText())
                    .isEqualTo(c.get("cut").asText());
        }
    }

    @Test
    void knowMemPromptIsMuseFewShotFormat() {
        List<MuseData.QaPair> icl = List.of(new MuseData.QaPair("Q1?", "A1"), new MuseData.QaPair("Q2?", "A2"));
        assertThat(KnowMemPrompt.prompt(icl, "Q3?"))
                .isEqualTo("Question: Q1?\nAnswer: A1\n\nQuestion: Q2?\nAnswer: A2\n\nQuestion: Q3?\nAnswer: ");
        assertThat(KnowMemPrompt.prompt(null, "Q?")).isEqualTo("Question: Q?\nAnswer: ");
    }

    /**
     * ROUGE-L F1 without stemming (MUSE): reference "the green bridge was closed" (5 tokens), generation "the bridge
     * was closed for repairs" (6 tokens): LCS "the bridge was closed" = 4, P = 4/6, R = 4/5, F1 = 2PR/(P+R) = 8/11.
     * With no stemmer "repairs" and "repair" differ: LCS("repairs closed", "repair closed") = 1 of 2 each, F1 = 1/2;
     * with the Porter stemmer both become "repair": F1 = 1.
     */
    @Test
    void rougeF1HandCalculation() {
        Rouge plain = new Rouge(false);
        assertThat(plain.rougeL("the green bridge was closed", "the bridge was closed for repairs").fmeasure())
                .isCloseTo(8.0 / 11, within(1e-15));
        assertThat(plain.rougeL("repairs closed", "repair closed").fmeasure()).isEqualTo(0.5);
        assertThat(new Rouge(true).rougeL("repairs closed", "repair closed").fmeasure()).isEqualTo(1.0);
    }

    /** MUSE's eval.py reports mean ROUGE-L F1 x 100. */
    @Test
    void headlineIsMeanTimesHundred() {
        MuseResult.Generations g = MuseResult.Generations.of("verbmem", List.of(
                new MuseResult.Item("p", "r", "g", 0.5, 1.0), new MuseResult.Item("p", "r", "g", 0.25, 0.0)));
        MuseResult r = new MuseResult(g, null, null, null);
        assertThat(r.headline()).containsOnlyKeys("verbmem_f");
        assertThat(r.headline().get("verbmem_f")).isEqualTo(37.5);
        assertThat(g.meanRougeLRecall()).isEqualTo(0.5);
    }
}
