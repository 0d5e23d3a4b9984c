package dev.lethe.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the demo prints first (plan and duration) and last (the three numbers that matter and how to read them). */
class DemoMessagesTest {
    @TempDir
    Path tmp;

    static String capture(Consumer<PrintStream> body) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        body.accept(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    Demo.Options options(Path shipped, boolean retrain) {
        return new Demo.Options(tmp.resolve("cache"), shipped, tmp.resolve("out"), retrain, "pdu", List.of(), false,
                null);
    }

    @Test
    void planSaysWhatAndHowLongWithAndWithoutTraining() throws Exception {
        Path shipped = tmp.resolve("shipped");
        Files.createDirectories(shipped.resolve("target"));
        Files.writeString(shipped.resolve("target/model.safetensors"), "x");
        String quick = capture(log -> Demo.printPlan(log, options(shipped, false), 40));
        assertThat(quick).contains("forget two fictitious TOFU authors (40 question/answer pairs) with the pdu recipe")
                .contains("[1/4] load the target and retain models").contains("about 3-5 minutes on 2 cores")
                .contains(tmp.resolve("out").resolve("report").resolve("report.html").toString());
        String training = capture(log -> Demo.printPlan(log, options(shipped, true), 40));
        assertThat(training).contains("[1/4] train the target and retain models").contains("about 20 minutes");
        String nothingShipped = capture(log -> Demo.printPlan(log, options(null, false), 40));
        assertThat(nothingShipped).contains("about 20 minutes");
    }

    @Test
    void summaryEndsWithTheThreeNumbersAndTheirReading() {
        Demo.Outcome o = new Demo.Outcome(tmp.resolve("report.html"),
                Map.of("forget_quality", 1.2e-7, "model_utility_retain", 0.72, "forget_rougeL_recall", 0.95),
                Map.of("forget_quality", 0.011, "model_utility_retain", 0.64, "forget_rougeL_recall", 0.41),
                Map.of("forget_quality", 1.0, "model_utility_retain", 0.70, "forget_rougeL_recall", 0.38));
        String s = capture(log -> Demo.printSummary(log, o));
        assertThat(s).contains("The three numbers that matter (target -> unlearned; the retain model is the goal):")
                .contains("forget quality  1.20e-07 -> 0.0110   (retain model 1.0000)")
                .contains("model utility   0.7200 -> 0.6400   (retain model 0.7000)")
                .contains("forget ROUGE-L  0.9500 -> 0.4100   (retain model 0.3800)")
                .contains("Reading: good unlearning raises forget quality from near 0 toward 1");
        assertThat(s.indexOf("Reading:")).isLessThan(s.indexOf("report: "));
    }
}
