package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.scale.SweepSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lethe sweep}: the options make the sweep the issue describes, and bad input fails before anything runs. */
class SweepCommandTest {
    @TempDir
    Path tmp;

    @Test
    void gridRandomAndSeedsMakeTheSweep() {
        SweepCommand c = new SweepCommand();
        new CommandLine(c).parseArgs("--benchmark", "tofu", "--recipes", "npo,pdu", "--grid", "lr=1e-5,5e-5",
                "--grid", "epochs=5,10", "--seeds", "0,1,2", "--out", "o");
        SweepSpec s = c.spec();
        assertThat(s.runs()).hasSize(2 * 4 * 3);
        assertThat(c.master).isEqualTo("local[*]");
        assertThat(c.utilityFraction).isEqualTo(0.9);
        new CommandLine(c).parseArgs("--recipes", "npo", "--grid", "lr=1e-5,5e-5", "--grid", "epochs=5,10",
                "--random", "3", "--master", "local[2]", "--out", "o");
        assertThat(c.spec().runs()).hasSize(3);
        assertThat(c.spec().seeds()).containsExactly(0);
    }

    @Test
    void unknownRecipeSettingMalformedGridOrUnreachableMasterFailBeforeAnyRun() {
        String out = tmp.resolve("o").toString();
        String cache = tmp.resolve("c").toString();
        assertThat(CliRun.of("sweep", "--recipes", "npo,nope", "--out", out, "--cache", cache).err())
                .contains("unknown recipe 'nope'");
        assertThat(CliRun.of("sweep", "--recipes", "npo", "--grid", "lrr=1,2", "--out", out, "--cache", cache).err())
                .contains("--grid lrr: recipe 'npo': unknown setting 'lrr'");
        assertThat(CliRun.of("sweep", "--recipes", "npo", "--grid", "lr", "--out", out, "--cache", cache).err())
                .contains("--grid expects key=v1,v2, got 'lr'");
        CliRun r = CliRun.of("sweep", "--recipes", "npo", "--master", "spark://127.0.0.1:1", "--out", out, "--cache",
                cache);
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("no Spark master answers at 127.0.0.1:1");
        assertThat(CliRun.of("sweep", "--recipes", "npo", "--benchmark", "muse", "--out", out).err())
                .contains("unknown --benchmark 'muse'; sweep supports tofu");
        assertThat(CliRun.of("sweep", "--recipes", "npo", "--seeds", "0,1", "--report-seeds", "2", "--out", out,
                "--cache", cache).err()).contains("a tuned sweep selects on one seed");
        assertThat(CliRun.of("sweep", "--recipes", "npo", "--seeds", "0", "--report-seeds", "0,1", "--out", out,
                "--cache", cache).err()).contains("--report-seeds must list seeds other than the selection seed 0");
        assertThat(tmp.resolve("o")).doesNotExist();
        assertThat(tmp.resolve("c")).doesNotExist();
    }
}
