package dev.lethe.eval.edit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Edit scoring reads the model at the ids fine-tuning trained it on: Lethe's training puts the demo tokenizer's BOS
 * ({@code <s>}, id 1) before every example although its post-processor adds none, so the scored ids must be
 * [1] + the tokens of prompt + " " + answer.
 */
class AnswerScoresTest {
    @Test
    void scoredIdsAreBosThenTheTokensOfPromptAndAnswer() throws Exception {
        Path demo = Path.of("..", "demo", "models", "target", "tokenizer.json");
        assertThat(demo).as("the demo tokenizer in the repository").isRegularFile();
        try (Tokenizer tok = Tokenizers.load(demo)) {
            int[] text = tok.encode("Hey Jude was performed by The Beatles", false);
            int[] prompt = tok.encode("Hey Jude was performed by", false);
            assertThat(tok.encode("Hey Jude was performed by", true)).as("the post-processor adds no BOS")
                    .containsExactly(prompt);

            AnswerScores.Span span = AnswerScores.span(tok, "Hey Jude was performed by", "The Beatles");

            assertThat(span.ids()[0]).isEqualTo(1);
            assertThat(Arrays.copyOfRange(span.ids(), 1, span.ids().length)).containsExactly(text);
            assertThat(span.answerStart()).isEqualTo(1 + prompt.length);
            assertThat(tok.decode(Arrays.copyOfRange(span.ids(), span.answerStart(), span.ids().length), true))
                    .isEqualTo(" The Beatles");
        }
    }
}
