package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PorterStemmerTest {

    private final PorterStemmer stemmer = new PorterStemmer();

    /** Every word of TOFU and LUME forget text plus the paper's examples, stemmed by NLTK 3.8 (NLTK_EXTENSIONS). */
    @Test
    void agreesWithNltkOnAllFixtureWords() {
        JsonNode stems = Fixtures.load("porter_nltk.json").get("stems");
        List<String> wrong = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = stems.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String got = stemmer.stem(e.getKey());
            if (!got.equals(e.getValue().asText())) {
                wrong.add(e.getKey() + " -> " + got + " (nltk " + e.getValue().asText() + ")");
            }
        }
        assertThat(stems.size()).isGreaterThan(10000);
        assertThat(wrong).isEmpty();
    }

    @Test
    void paperAndNltkExamples() {
        assertThat(stemmer.stem("caresses")).isEqualTo("caress");
        assertThat(stemmer.stem("ponies")).isEqualTo("poni");
        assertThat(stemmer.stem("ties")).isEqualTo("tie"); // NLTK: four-letter -ies
        assertThat(stemmer.stem("running")).isEqualTo("run");
        assertThat(stemmer.stem("hopping")).isEqualTo("hop");
        assertThat(stemmer.stem("filing")).isEqualTo("file");
        assertThat(stemmer.stem("happy")).isEqualTo("happi");
        assertThat(stemmer.stem("enjoy")).isEqualTo("enjoy");
        assertThat(stemmer.stem("relational")).isEqualTo("relat");
        assertThat(stemmer.stem("generalization")).isEqualTo("gener");
        assertThat(stemmer.stem("dying")).isEqualTo("die");
        assertThat(stemmer.stem("1990s")).isEqualTo("1990");
    }
}
