package dev.lethe.examples.decoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** distinct-n and seq-rep-n on texts counted by hand. */
class TextDiversityTest {

    @Test
    void distinctNCountsUniqueNgramsOverTheCorpus() {
        List<String> texts = List.of("a b a b", "a c");
        // unigrams: a b a b a c -> {a, b, c} 3 / 6; bigrams: ab ba ab | ac -> {ab, ba, ac} 3 / 4
        assertThat(TextDiversity.distinct(texts, 1)).isCloseTo(0.5, within(1e-15));
        assertThat(TextDiversity.distinct(texts, 2)).isCloseTo(0.75, within(1e-15));
        assertThat(TextDiversity.distinct(List.of("", " "), 1)).isZero();
    }

    @Test
    void seqRepetitionAveragesPerText() {
        // "x y x y x": bigrams xy yx xy yx -> 1 - 2/4 = 0.5; "p q r": 1 - 2/2 = 0; "z" has no bigram and is skipped
        assertThat(TextDiversity.seqRepetition(List.of("x y x y x", "p q r", "z"), 2)).isCloseTo(0.25,
                within(1e-15));
    }
}
