package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.DistillJob;
import dev.lethe.unlearn.job.TrainingRun;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lethe distill --teacher DIR --student DIR --data FILE --out DIR [--set k=v]...}: trains the student on the
 * teacher's temperature-softened next-token distributions ({@link DistillJob}; {@code temperature}, {@code
 * hard_weight} for a hard-label mix, and every fine-tuning setting, LoRA included) and saves it.
 */
@Command(name = "distill", resourceBundle = "dev.lethe.examples.cli.DistillCommand", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Distil a teacher model into a student (KL on logits with temperature, optional hard labels).")
public final class DistillCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "Teacher Hugging Face folder.")
    Path teacher;

    @Option(names = "--student", required = true, paramLabel = "DIR",
            description = "Student Hugging Face folder (same vocabulary as the teacher).")
    Path student;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "JSON lines: TOFU question/answer, LUME/SemEval id,input,output,task or {\"text\": ...}.")
    Path data;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting (repeatable): temperature=2,"
            + " hard_weight=0, lr=1e-4, epochs=3, batch_size=8, max_steps, template=plain|raw, lora_rank, ...")
    List<String> sets = new ArrayList<>();

    @Mixin
    TrainingOutput output;

    @Override
    public Integer call() throws IOException {
        Settings s = DistillJob.defaults().with(sets);
        CausalLM t = UnlearnCommandSupport.loadModel(teacher, "--teacher");
        CausalLM st = UnlearnCommandSupport.loadModel(student, "--student");
        List<QaRecord> records = UnlearnCommandSupport.readRecords(data, "--data");
        try (TrainingOutput.Run run = output.openFresh("lethe distill", teacher)) {
            TrainingRun.Outcome o = DistillJob.run(new DistillJob.Inputs(t, st, run.tokenizer(), records, s,
                    output.out, output.progress(), null));
            output.printSummary(spec.commandLine().getOut(), "distill on " + records.size() + " records", o.steps(),
                    o.lastMetrics());
        }
        return 0;
    }
}
