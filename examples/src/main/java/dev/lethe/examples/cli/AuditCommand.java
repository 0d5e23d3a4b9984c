package dev.lethe.examples.cli;

import dev.lethe.serve.audit.AuditReport;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.serve.audit.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lethe audit verify|export}: checks the hash chain of a registry's audit trail; reports one job as HTML. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Verify the audit trail or export a job's"
        + " record.", subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** {@code lethe audit verify}: exit code 0 when the chain is intact, 1 with the first problem otherwise. */
    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Recompute the hash chain; name the"
            + " first modified, missing or truncated record.")
    public static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        KeysCommand.Registry registry = new KeysCommand.Registry();

        @Override
        public Integer call() {
            try (Database db = registry.open()) {
                AuditTrail.Verification v = registry.audit(db).verify();
                var out = spec.commandLine().getOut();
                out.println(v.ok() ? "audit trail intact: " + v.rows() + " records"
                        : "audit trail BROKEN (" + v.rows() + " records): " + v.problem());
                out.flush();
                return v.ok() ? 0 : CliErrorHandler.FAILURE;
            }
        }
    }

    /** {@code lethe audit export}. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write an HTML report of one job's"
            + " audit records.")
    public static final class Export implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        KeysCommand.Registry registry = new KeysCommand.Registry();

        @Option(names = "--job", required = true, description = "Job id (job_...).")
        String job;

        @Option(names = "--out", required = true, description = "HTML file to write.")
        Path out;

        @Override
        public Integer call() throws Exception {
            try (Database db = registry.open()) {
                Files.writeString(out, AuditReport.html(registry.audit(db), job));
            }
            spec.commandLine().getOut().println(out.toAbsolutePath());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
