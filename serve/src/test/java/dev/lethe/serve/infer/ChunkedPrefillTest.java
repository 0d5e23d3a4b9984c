package dev.lethe.serve.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The scheduler's chunked prefill on the demo model: with a budget of 2 prompt tokens per step (one position per row
 * per step while 2 or more prompts join) every sequence gets the same greedy tokens as with the default budget (each
 * prompt prefilled in one step), and a long prompt that arrives while another sequence streams is prefilled over many
 * steps during which the streaming sequence keeps receiving tokens.
 */
class ChunkedPrefillTest {
    static CausalLM model;
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        Path dir = null;
        for (Path d = Paths.get("").toAbsolutePath(); d != null && dir == null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("demo/models/target/config.json"))) {
                dir = d.resolve("demo/models/target");
            }
        }
        assertThat(dir).as("demo/models/target above the working folder").isNotNull();
        model = CausalLM.load(dir, DataType.FLOAT);
        tokenizer = Tokenizers.load(dir);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** One sequence's tokens, in arrival order, and when (nanoTime) each came. */
    record Stream(List<Integer> tokens, List<Long> at, CountDownLatch done) implements Completion.Listener {
        Stream() {
            this(Collections.synchronizedList(new ArrayList<>()), Collections.synchronizedList(new ArrayList<>()),
                    new CountDownLatch(1));
        }

        @Override
        public void token(int id, String textDelta, TokenLogprobs logprobs) {
            at.add(System.nanoTime());
            tokens.add(id);
        }

        @Override
        public void finished(Completion.Finish finish, String text, int promptTokens, int completionTokens) {
            done.countDown();
        }

        @Override
        public void failed(RuntimeException error) {
            done.countDown();
        }
    }

    record Run(List<Stream> streams, long lateSubmitted, long prefillSteps) {
    }

    /**
     * Three short prompts together, then, once the first has streamed a token, a long prompt (about 60 tokens); all
     * greedy, EOS ignored.
     */
    static Run run(int prefillTokens) throws Exception {
        ServeMetrics metrics = new ServeMetrics();
        ServedModel served = new ServedModel("demo", 1, model, tokenizer, null);
        List<String> prompts = List.of("Question: Who wrote the book?\nAnswer:", "The capital of France is",
                "Once upon a time there", "Question: " + "Please describe the life, the work and the family of the"
                        + " author in as much detail as you can, including where they grew up and what they wrote"
                        + " about in their novels?\nAnswer:");
        List<Stream> streams = new ArrayList<>();
        long lateSubmitted;
        try (BatchScheduler s = new BatchScheduler(served, 8, 16, metrics, prefillTokens)) {
            for (int i = 0; i < prompts.size(); i++) {
                Stream st = new Stream();
                streams.add(st);
                if (i == 3) {
                    while (streams.get(0).tokens().isEmpty()) {
                        Thread.sleep(1);
                    }
                }
                int max = i == 0 ? 48 : 12;
                s.submit(new Completion(tokenizer.encode(prompts.get(i), true),
                        GenerationConfig.greedy(max).withEosIds(), false, 0, System.nanoTime() + 600_000_000_000L, st));
            }
            lateSubmitted = System.nanoTime();
            for (Stream st : streams) {
                assertThat(st.done().await(300, TimeUnit.SECONDS)).isTrue();
            }
        }
        return new Run(streams, lateSubmitted, metrics.steps().calls(StepProfile.Part.PREFILL_FORWARD));
    }

    @Test
    void chunkedPrefillGivesTheSameTokensAndKeepsTheRunningSequenceStreaming() throws Exception {
        int longPrompt = tokenizer.encode("Question: Please describe the life, the work and the family of the author in"
                + " as much detail as you can, including where they grew up and what they wrote about in their"
                + " novels?\nAnswer:", true).length;
        assertThat(longPrompt).isGreaterThan(30);
        Run whole = run(BatchScheduler.DEFAULT_PREFILL_TOKENS);
        Run chunked = run(2);
        for (int i = 0; i < 4; i++) {
            assertThat(chunked.streams().get(i).tokens()).as("sequence %d", i)
                    .isEqualTo(whole.streams().get(i).tokens());
        }
        // the long prompt alone took one step per 2 positions, the three short ones one per position
        assertThat(chunked.prefillSteps()).isGreaterThanOrEqualTo(longPrompt / 2);
        assertThat(whole.prefillSteps()).isLessThanOrEqualTo(4);
        // while the long prompt was prefilled, the first sequence kept streaming (a token per prefill chunk)
        long firstOfLate = chunked.streams().get(3).at().get(0);
        long during = chunked.streams().get(0).at().stream()
                .filter(t -> t > chunked.lateSubmitted() && t < firstOfLate).count();
        assertThat(during).isGreaterThanOrEqualTo(Math.min(10, longPrompt / 2 - 2));
    }
}
