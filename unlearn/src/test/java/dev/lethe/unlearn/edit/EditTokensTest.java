package dev.lethe.unlearn.edit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.job.UnlearnJob;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Editing reads the model at the token ids fine-tuning trained it on. The demo tokenizer has a BOS ({@code <s>}, id 1)
 * that its post-processor does not add, so {@code encode(text, true)} starts without it while training examples start
 * with it: the editor's ids must start like the training sentence, BOS included.
 */
class EditTokensTest {
    static final Path DEMO_TOKENIZER = Path.of("..", "demo", "models", "target", "tokenizer.json");

    @Test
    void editIdsStartWithBosLikeTheTrainingSentence() throws Exception {
        assertThat(DEMO_TOKENIZER).as("the demo tokenizer in the repository").isRegularFile();
        try (Tokenizer tok = Tokenizers.load(DEMO_TOKENIZER)) {
            Example ex = UnlearnJob.encoder(tok, FinetuneJob.defaults().with(List.of("template=raw", "max_length=64")))
                    .encode(QaRecord.of("", "Hey Jude was performed by The Beatles."));
            int[] training = new int[ex.length()];
            System.arraycopy(ex.prompt(), 0, training, 0, ex.prompt().length);
            System.arraycopy(ex.answer(), 0, training, ex.prompt().length, ex.answer().length);
            assertThat(training[0]).as("training starts with <s>").isEqualTo(1);

            EditRequest r = EditRequest.of("{} was performed by", "Hey Jude", "The Beatles");
            EditTokens withTarget = EditTokens.withTarget(tok, "", r, r.targetNew());
            EditTokens prompt = EditTokens.prompt(tok, "", r.prompt(), r.subject());
            assertThat(withTarget.ids()).containsExactly(Arrays.copyOf(training, withTarget.ids().length));
            assertThat(prompt.ids()).containsExactly(Arrays.copyOf(training, prompt.ids().length));
            assertThat(tok.decode(Arrays.copyOfRange(withTarget.ids(), withTarget.targetStart(),
                    withTarget.ids().length), true)).isEqualTo(" The Beatles");
            assertThat(tok.decode(Arrays.copyOfRange(prompt.ids(), 0, prompt.subjectLast() + 1), true))
                    .isEqualTo("Hey Jude");
            assertThat(prompt.subjectLast()).isLessThan(prompt.ids().length - 1);
        }
    }
}
