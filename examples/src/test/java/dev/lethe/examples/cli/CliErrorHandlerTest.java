package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The "--verbose" hint follows unexpected errors only; user errors end with their own complete message. */
class CliErrorHandlerTest {
    static final String HINT = "(run again with --verbose for the stack trace)";

    @TempDir
    Path tmp;

    @Test
    void userErrorsHaveNoVerboseHint() throws Exception {
        Path forget = tmp.resolve("forget.json");
        Files.write(forget, Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 2));
        String model = SharedFiles.path("fixtures/hf/llama").toString();

        CliRun unknownRecipe = CliRun.of("unlearn", "--model", model, "--forget", forget.toString(), "--recipe",
                "no-such-recipe", "--out", tmp.resolve("o1").toString());
        assertThat(unknownRecipe.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(unknownRecipe.err()).contains("lethe: unknown recipe 'no-such-recipe'").doesNotContain(HINT);

        CliRun badNumber = CliRun.of("unlearn", "--model", model, "--forget", forget.toString(), "--recipe", "ga",
                "--set", "lr=fast", "--out", tmp.resolve("o2").toString());
        assertThat(badNumber.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(badNumber.err()).contains("lr").contains("fast").doesNotContain(HINT);

        CliRun missingModel = CliRun.of("info", tmp.resolve("nowhere").toString());
        assertThat(missingModel.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(missingModel.err()).contains("not a folder").doesNotContain(HINT);
    }

    @CommandLine.Command(name = "broken")
    static final class Broken implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new NullPointerException("a bug, not the user's fault");
        }
    }

    @Test
    void unexpectedErrorsKeepTheHint() {
        CommandLine cl = new CommandLine(new Broken());
        cl.setExecutionExceptionHandler(new CliErrorHandler());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(err.toString()).contains("lethe: a bug, not the user's fault").contains(HINT);
        assertThat(CliErrorHandler.isUserError(new IllegalStateException("x"))).isFalse();
        assertThat(CliErrorHandler.isUserError(new NumberFormatException("x"))).isTrue();
        assertThat(CliErrorHandler.isUserError(new java.nio.file.NoSuchFileException("f"))).isTrue();
    }

    @CommandLine.Command(name = "hungry")
    static final class Hungry implements Callable<Integer> {
        final String message;

        Hungry(String message) {
            this.message = message;
        }

        @Override
        public Integer call() {
            throw new OutOfMemoryError(message);
        }
    }

    @Test
    void outOfMemoryIsOneLineNamingTheLimitToRaise() {
        for (String[] c : new String[][] {{"Java heap space", "-Xmx"},
                {"Physical memory usage is too high: physicalBytes (9G) > maxPhysicalBytes (8G)", "maxphysicalbytes"}}) {
            CommandLine cl = new CommandLine(new Hungry(c[0]));
            cl.setExecutionExceptionHandler(new CliErrorHandler());
            cl.setExecutionStrategy(new CliErrorHandler.ReportingOutOfMemory());
            StringWriter err = new StringWriter();
            cl.setErr(new PrintWriter(err, true));
            assertThat(cl.execute()).isEqualTo(CliErrorHandler.FAILURE);
            assertThat(err.toString()).startsWith("lethe: out of memory (" + c[0] + "): ").contains("LETHE_JAVA_OPTS")
                    .contains(c[1]).doesNotContain("\tat ");
            assertThat(err.toString().lines().count()).isEqualTo(1);
        }
    }
}
