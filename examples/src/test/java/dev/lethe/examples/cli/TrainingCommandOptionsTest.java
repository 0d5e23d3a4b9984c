package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The training commands ({@code distill}, {@code dpo}, {@code finetune}, {@code relearn}, {@code unlearn}) after their
 * shared options moved into one mixin ({@link TrainingOutput}): every flag keeps its names, parameter label,
 * requiredness, negatability, default and help text. {@code training-command-options.txt} was written from the
 * commands as they were before the move (each option on one line, in declaration order); a mismatch writes what the
 * commands declare now to {@code target/training-command-options.actual.txt} for a diff.
 */
class TrainingCommandOptionsTest {

    static String describe(String command) {
        CommandLine cl = LetheCli.newCommandLine().getSubcommands().get(command);
        List<String> lines = new ArrayList<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            lines.add(command + " " + String.join(",", o.names()) + " label=" + o.paramLabel() + " required="
                    + o.required() + " negatable=" + o.negatable() + " default=" + o.defaultValue() + " help="
                    + String.join(" ", o.description()));
        }
        lines.sort(null);
        return String.join("\n", lines);
    }

    @Test
    void everyFlagKeepsItsNameDefaultAndHelp() throws IOException {
        StringBuilder actual = new StringBuilder();
        for (String c : List.of("distill", "dpo", "finetune", "relearn", "unlearn")) {
            actual.append(describe(c)).append('\n');
        }
        String expected;
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/cli/training-command-options.txt"))) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!expected.contentEquals(actual)) {
            Files.writeString(Path.of("target", "training-command-options.actual.txt"), actual);
        }
        assertThat(actual.toString()).isEqualTo(expected);
        // guards against a table emptied by mistake: 8 + 7 + 8 + 11 + 12 options, --verbose (global) included
        assertThat(expected.lines()).hasSize(46);
    }
}
