package dev.lethe.examples.cli;

import dev.lethe.eval.tofu.TofuEvalLog;
import dev.lethe.eval.tofu.TofuLegacyAggregate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe tofu-aggregate --target LOG [--retain LOG]}: TOFU's legacy aggregation ({@link TofuLegacyAggregate}) of
 * an {@code eval_log_aggregated.json}, printed as JSON with the twelve components, "Model Utility" and, with the retain
 * model's log, "Forget Quality", "KS Test PVal Forget" and "KS Test Forget".
 */
@Command(name = "tofu-aggregate", mixinStandardHelpOptions = true,
        description = "Aggregate TOFU legacy eval logs: model utility, forget quality (prints JSON).")
public final class TofuAggregateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "LOG",
            description = "eval_log_aggregated.json of the evaluated (e.g. unlearned) model.")
    Path target;

    @Option(names = "--retain", paramLabel = "LOG",
            description = "eval_log_aggregated.json of the retain model (for forget quality).")
    Path retain;

    @Override
    public Integer call() throws Exception {
        TofuEvalLog t = TofuEvalLog.read(target);
        TofuLegacyAggregate.Result r = retain == null ? TofuLegacyAggregate.modelUtility(t)
                : TofuLegacyAggregate.aggregate(t, TofuEvalLog.read(retain));
        PrintWriter out = spec.commandLine().getOut();
        out.println(r.toJson());
        out.flush();
        return 0;
    }
}
