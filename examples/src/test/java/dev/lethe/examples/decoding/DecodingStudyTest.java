package dev.lethe.examples.decoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoding study decodes every fact from the ids it trained on: the decoding prompt (BOS + cloze) is a prefix of
 * the fact's training ids, which run on to the answer and EOS uncut; a sentence longer than max_length is an error.
 */
class DecodingStudyTest {

    static Tokenizer demoTokenizer() {
        return Tokenizers.load(Path.of("").toAbsolutePath().getParent().resolve("demo/models/target/tokenizer.json"));
    }

    @Test
    void everyDecodingPromptIsAPrefixOfItsFactsTrainingIds() throws Exception {
        List<DecodingStudy.Fact> facts = DecodingStudy.facts(SharedFiles.path("data/mquake/MQuAKE-hard.json"));
        try (Tokenizer tok = demoTokenizer()) {
            List<Example> trained = DecodingStudy.trainingExamples(tok, facts, DecodingStudy.Setup.defaults());
            List<int[]> prompts = DecodingStudy.promptIds(tok, facts.stream().map(DecodingStudy.Fact::prompt).toList());
            assertThat(trained).hasSize(505);
            int bos = tok.bosId().orElseThrow();
            int eos = tok.eosId().orElseThrow();
            List<String> mismatched = new ArrayList<>();
            for (int i = 0; i < facts.size(); i++) {
                int[] ids = trained.get(i).ids();
                int[] p = prompts.get(i);
                boolean prefix = p.length < ids.length && Arrays.equals(p, Arrays.copyOf(ids, p.length));
                String rest = tok.decode(Arrays.copyOfRange(ids, p.length, ids.length - 1), true);
                if (!prefix || p[0] != bos || ids[ids.length - 1] != eos
                        || !rest.equals(" " + facts.get(i).answer() + (facts.get(i).answer().endsWith(".") ? "" : "."))) {
                    mismatched.add(i + ": " + facts.get(i).prompt() + " | " + rest);
                }
            }
            assertThat(mismatched).isEmpty();
        }
    }

    @Test
    void aFactLongerThanMaxLengthIsAnError() throws Exception {
        List<DecodingStudy.Fact> facts = DecodingStudy.facts(SharedFiles.path("data/mquake/MQuAKE-hard.json"));
        DecodingStudy.Setup d = DecodingStudy.Setup.defaults();
        List<String> training = new ArrayList<>(d.training());
        training.add("max_length=12");
        DecodingStudy.Setup shortSetup = new DecodingStudy.Setup(d.hidden(), d.layers(), d.steps(), training, d.apd(),
                d.factLimit(), d.fpPrompts(), d.factTokens(), d.fpTokens(), d.seed(), d.cdTaus(), d.apdTemperatures());
        try (Tokenizer tok = demoTokenizer()) {
            assertThatThrownBy(() -> DecodingStudy.trainingExamples(tok, facts, shortSetup))
                    .hasMessageContaining("decoding study fact 0").hasMessageContaining("max_length is 12")
                    .hasMessageContaining("raise max_length");
        }
    }
}
